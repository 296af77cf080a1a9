"""How long a big batch takes to upload and its results to download, and how much memory it needs.

    DJANGO_SETTINGS_MODULE=microwork.settings .venv/bin/python bench/upload_and_export.py \\
        --rows 100000 --answers 1000000

1. Writes a CSV of --rows rows to a temporary file and times batch_create_from_upload() on it
   (the service the upload page calls), with the peak Python allocation (tracemalloc) and the
   process's peak resident memory (ru_maxrss).
2. Setup, not measured: creates --answers submitted assignments straight with bulk_create
   (workers too), far faster than going through the claim and submit services one by one.
3. Streams results_csv() and results_jsonl() of the batch to /dev/null, timed, with the
   tracemalloc peak.

The database is throwaway: on SQLite a fresh data directory in /tmp (deleted at the end, unless
--keep); with DATABASE_URL set, a database named after it (<name>_bench), created and dropped.
tracemalloc slows Python down; --no-tracemalloc gives plain timings. This is a harness that
prints figures (docs/performance.md), not a test: nothing here asserts a timing.
"""

import argparse
import csv
import io
import math
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from scratch import scratch_database

MiB = 1024 * 1024


class Bar:
    """A one-line text progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str, total: int, width: int = 30):
        self.label, self.total, self.width = label, max(total, 1), width
        self.shown = sys.stderr.isatty()
        self.last = 0.0
        self.started = time.perf_counter()

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not self.shown or (not force and now - self.last < 0.2):
            return
        self.last = now
        share = min(done / self.total, 1.0)
        filled = int(share * self.width)
        sys.stderr.write(
            f"\r{self.label:<24} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{share:6.1%} {now - self.started:6.1f}s"
        )
        sys.stderr.flush()

    def close(self) -> None:
        self.update(self.total, force=True)
        if self.shown:
            sys.stderr.write("\n")


class CountingFile(io.FileIO):
    """A file that reports how far it has been read, to drive the upload's progress bar."""

    def __init__(self, path: str, bar: Bar):
        super().__init__(path, "r")
        self.bar = bar

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.bar.update(self.tell())
        return count


@dataclass
class Figure:
    step: str
    items: int
    seconds: float
    traced_peak: int | None  # bytes; None when tracemalloc was off
    step_rss_peak: int | None  # bytes, peak resident memory during the step (Linux only)
    rss_peak: int  # bytes, the process's high-water mark since it started (ru_maxrss)
    cpu_seconds: float  # this process's CPU time (user + system): not inflated by a busy machine


def rss_peak() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage if sys.platform == "darwin" else usage * 1024  # Linux counts kilobytes


def cpu_time() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def step_rss_reset() -> bool:
    """Reset Linux's peak-RSS counter (VmHWM), so a step's own peak can be read afterwards."""
    try:
        with open("/proc/self/clear_refs", "w") as file:
            file.write("5")
        return True
    except OSError:
        return False


def step_rss_peak() -> int | None:
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


@contextmanager
def measured(step: str, items: int, figures: list[Figure], *, trace: bool):
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    has_step_rss = step_rss_reset()
    started, cpu_started = time.perf_counter(), cpu_time()
    yield
    seconds, cpu_seconds = time.perf_counter() - started, cpu_time() - cpu_started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    step_peak = step_rss_peak() if has_step_rss else None
    figures.append(Figure(step, items, seconds, peak, step_peak, rss_peak(), cpu_seconds))


def write_csv(path: str, rows: int) -> int:
    bar = Bar("writing CSV", rows)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["item_id", "text", "image_url"])
        for n in range(1, rows + 1):
            writer.writerow(
                [
                    f"item-{n:07d}",
                    f"Sentence number {n}, about as long as a short product review, "
                    f"with a comma and “quotes”.",
                    f"https://images.example.org/{n % 997}/{n}.jpg",
                ]
            )
            if n % 5000 == 0:
                bar.update(n)
    bar.close()
    return os.path.getsize(path)


def bulk_answers(*, batch, answers: int, rows: int) -> None:
    """Setup: `answers` submitted assignments spread over the batch's tasks, via bulk_create."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from microwork.accounts.enums import Role
    from microwork.accounts.models import User
    from microwork.common.ids import new_entity_id, new_worker_id
    from microwork.projects.models import Task
    from microwork.work.enums import AssignmentState
    from microwork.work.models import Assignment

    per_task = math.ceil(answers / rows)
    workers = User.objects.bulk_create(
        User(
            email=f"bench-worker-{n}@bench.microwork.test",
            role=Role.WORKER,
            worker_id=new_worker_id(),
            password="!",  # unusable: nobody logs in as these
        )
        for n in range(per_task)
    )
    task_ids = list(
        Task.objects.filter(batch=batch).order_by("row_number").values_list("pk", flat=True)
    )
    now = timezone.now()
    bar = Bar("creating assignments", answers)
    chunk: list[Assignment] = []
    with transaction.atomic():
        for n in range(answers):
            accepted = now - timedelta(seconds=3600 + n % 600)
            chunk.append(
                Assignment(
                    public_id=new_entity_id(),
                    task_id=task_ids[n % rows],
                    worker_id=workers[n // rows].pk,
                    state=AssignmentState.SUBMITTED,
                    accepted_at=accepted,
                    deadline=accepted + timedelta(hours=1),
                    submitted_at=accepted + timedelta(seconds=20 + n % 40),
                    work_seconds=20 + n % 40,
                    answers={"sentiment": ("positive", "negative", "neutral")[n % 3], "note": ""},
                )
            )
            if len(chunk) == 5000:
                Assignment.objects.bulk_create(chunk)
                chunk.clear()
                bar.update(n + 1)
        Assignment.objects.bulk_create(chunk)
        # Keep the slot counters true: the first `answers % rows` tasks got one more answer.
        full, extra = divmod(answers, rows)
        Task.objects.filter(batch=batch).update(open_slots=F("open_slots") - full)
        if extra:
            Task.objects.filter(batch=batch, row_number__lte=extra).update(
                open_slots=F("open_slots") - 1
            )
    bar.close()


def stream(pieces, *, total: int, label: str, newline: str) -> tuple[int, int]:
    """Write the pieces to /dev/null; the lines (ends of `newline`) and characters written."""
    bar = Bar(label, total)
    count = size = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for piece in pieces:
            sink.write(piece)
            count += piece.count(newline)  # the bench's cells hold no line breaks
            size += len(piece)
            bar.update(count)
    bar.close()
    return count, size


def fmt_mib(value: int | None) -> str:
    return "-" if value is None else f"{value / MiB:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the uploaded CSV")
    parser.add_argument("--answers", type=int, default=200_000, help="answered assignments")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite data directory")
    parser.add_argument("--no-tracemalloc", dest="trace", action="store_false")
    args = parser.parse_args()
    if args.rows < 1 or args.answers < 0:
        parser.error("--rows must be at least 1 and --answers at least 0")
    if math.ceil(args.answers / args.rows) > 100:
        parser.error("at most 100 answers per row (a task's redundancy is 1 to 100)")

    with scratch_database("mw-bench-", keep=args.keep) as data_dir:
        from django.db import connection
        from django.utils import timezone

        from microwork.accounts.enums import Role
        from microwork.accounts.models import User
        from microwork.payments.services import deposit_record, slots_cost
        from microwork.projects.enums import TemplateKind
        from microwork.projects.services import (
            batch_create_from_upload,
            batch_publish,
            project_create,
        )
        from microwork.work.results import results_csv, results_jsonl

        figures: list[Figure] = []
        csv_path = os.path.join(tempfile.mkdtemp(prefix="mw-bench-csv-"), "batch.csv")
        try:
            csv_bytes = write_csv(csv_path, args.rows)
            # Straight to the model: signing up would hash a password with Argon2, whose 100 MiB
            # working memory would then hide the upload's in the process's peak RSS.
            requester = User.objects.create(
                email="bench-requester@bench.microwork.test",
                role=Role.REQUESTER,
                password="!",
                email_verified_at=timezone.now(),  # publishing asks for it (docs/adr/0027)
            )
            redundancy = max(1, math.ceil(args.answers / args.rows))
            project = project_create(
                requester=requester,
                title="Benchmark",
                description="Rate the sentiment of a sentence.",
                reward_cents=10,
                assignments_per_task=redundancy,
                time_allotted_seconds=600,
                lifetime_seconds=7 * 24 * 3600,
                auto_approval_delay_seconds=3 * 24 * 3600,
                estimated_seconds=20,
                template_kind=TemplateKind.CUSTOM_HTML,
                template_html=(
                    '<p>${text}</p><img src="${image_url}" alt="">'
                    '<select name="sentiment"><option>positive</option><option>negative</option>'
                    '</select><input name="note">'
                ),
            )

            baseline_rss = rss_peak()
            bar = Bar("uploading", csv_bytes)
            with measured("upload CSV", args.rows, figures, trace=args.trace):
                with io.BufferedReader(CountingFile(csv_path, bar)) as file:
                    batch = batch_create_from_upload(
                        project=project, file=file, filename="batch.csv"
                    )
            bar.close()
            assert batch.task_count == args.rows, batch.task_count
            # Publishing reserves the batch's whole cost in escrow: fund the requester first.
            deposit_record(
                requester=requester,
                amount_cents=slots_cost(project=project, slots=args.rows * redundancy),
                external_reference="bench-funding",
                actor=requester,
            )
            batch = batch_publish(batch=batch)

            started = time.perf_counter()
            bulk_answers(batch=batch, answers=args.answers, rows=args.rows)
            # Statistics for the new rows, as autovacuum would make within a minute or so: without
            # them PostgreSQL plans the export's query for a handful of assignments.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            setup_seconds = time.perf_counter() - started

            with measured("results CSV", args.answers, figures, trace=args.trace):
                csv_lines, csv_size = stream(
                    results_csv(batch),
                    total=args.answers + 1,
                    label="streaming results CSV",
                    newline="\r\n",
                )
            assert csv_lines == args.answers + 1, csv_lines
            with measured("results JSONL", args.answers, figures, trace=args.trace):
                jsonl_lines, jsonl_size = stream(
                    results_jsonl(batch),
                    total=args.answers,
                    label="streaming results JSONL",
                    newline="\n",
                )
            assert jsonl_lines == args.answers, jsonl_lines
        finally:
            shutil.rmtree(os.path.dirname(csv_path), ignore_errors=True)

    print(
        f"microwork upload and export: {connection.vendor}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, tracemalloc {'on' if args.trace else 'off'}"
    )
    print(
        f"CSV uploaded: {args.rows:,} rows, {csv_bytes / MiB:,.1f} MiB; "
        f"results: CSV {csv_size / MiB:,.1f} MiB, JSONL {jsonl_size / MiB:,.1f} MiB; "
        f"setup of {args.answers:,} assignments (not measured below): {setup_seconds:,.1f} s"
    )
    print()
    baseline = f"RSS before the upload: {baseline_rss / MiB:,.1f} MiB"
    print(baseline)
    print(f"load average at the end: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print()
    header = (
        f"{'step':<14} {'items':>10} {'seconds':>8} {'items/s':>9} {'CPU s':>6} "
        f"{'items/CPU-s':>11} {'py peak MiB':>12} {'step RSS MiB':>13} {'maxrss MiB':>11}"
    )
    print(header)
    print("-" * len(header))
    for figure in figures:
        rate = figure.items / figure.seconds if figure.seconds else 0
        cpu_rate = figure.items / figure.cpu_seconds if figure.cpu_seconds else 0
        print(
            f"{figure.step:<14} {figure.items:>10,} {figure.seconds:>8.1f} {rate:>9,.0f} "
            f"{figure.cpu_seconds:>6.1f} {cpu_rate:>11,.0f} {fmt_mib(figure.traced_peak):>12} {fmt_mib(figure.step_rss_peak):>13} "
            f"{fmt_mib(figure.rss_peak):>11}"
        )
    if args.keep and data_dir:
        print(f"\nThe SQLite data directory was kept: {data_dir}")


if __name__ == "__main__":
    main()
