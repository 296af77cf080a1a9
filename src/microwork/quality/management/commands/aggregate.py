"""`microwork aggregate ANSWERS.csv --method NAME [--gold GOLD.csv] [--out LABELS.csv]`

The platform's aggregation, offline, on a `worker,task,label` file (the format of the shared
data sets). Labels go to --out as `task,label,confidence,n_answers`, or to standard output
without it; the summary (and the accuracy on the gold file's tasks) goes to standard output
when --out is given, to standard error otherwise, so `aggregate a.csv > labels.csv` stays a
clean CSV. The gold file (`task,label`) is only scored against unless --fit-gold also gives it
to the method as fixed truths. A progress bar on standard error follows the reading of large
files (and the method's run).
"""

import argparse
import csv
import os
import time

from django.core.management.base import BaseCommand, CommandError

from microwork.quality.aggregation import (
    DEFAULT_METHOD,
    METHODS,
    NUMERIC_METHODS,
    aggregate,
    aggregate_numeric,
    aggregate_text,
    normalise_text,
)

TEXT_METHOD = "text"
ALL_METHODS = (*METHODS, *NUMERIC_METHODS, TEXT_METHOD)
# Files at least this large get a progress bar (about 100,000 answers of a short label).
PROGRESS_MIN_BYTES = 2_000_000
BAR_WIDTH = 30


class Progress:
    """A one-line bar on a terminal stream, redrawn at most 10 times a second."""

    def __init__(self, stream, total: int, label: str, *, enabled: bool):
        self.stream, self.total, self.label, self.enabled = stream, max(total, 1), label, enabled
        self.last = 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        share = min(done / self.total, 1.0)
        filled = int(BAR_WIDTH * share)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {share:6.1%}")
        self.stream.flush()

    def finish(self, note: str = "") -> None:
        if self.enabled:
            self.update(self.total, force=True)
            self.stream.write(f" {note}\n")
            self.stream.flush()


def _open_csv(path: str, wanted: tuple[str, ...]):
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 (closed by caller)
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    reader = csv.reader(handle)
    header = [name.strip().lower() for name in next(reader, [])]
    if header[: len(wanted)] != list(wanted):
        handle.close()
        raise CommandError(f"{path}: the header must start with {','.join(wanted)}")
    return handle, reader


def read_answers(path: str, progress_stream, *, show_progress: bool | None) -> list[tuple]:
    """(worker, task, label) triples from `path`; raise CommandError naming a bad line."""
    size = os.path.getsize(path) if os.path.exists(path) else 0
    enabled = size >= PROGRESS_MIN_BYTES if show_progress is None else show_progress
    handle, reader = _open_csv(path, ("worker", "task", "label"))
    progress = Progress(progress_stream, size, "reading", enabled=enabled)
    answers = []
    with handle:
        for cells in reader:
            if not cells or all(not cell for cell in cells):
                continue
            if len(cells) < 3:
                raise CommandError(f"{path}, line {reader.line_num}: expected worker,task,label")
            answers.append((cells[0], cells[1], cells[2]))
            if len(answers) % 5000 == 0:
                progress.update(handle.buffer.tell() if hasattr(handle, "buffer") else 0)
    progress.finish(f"{len(answers)} answers")
    return answers


def read_gold(path: str) -> dict:
    handle, reader = _open_csv(path, ("task", "label"))
    with handle:
        return {cells[0]: cells[1] for cells in reader if len(cells) >= 2 and cells[0]}


def run(answers: list[tuple], method: str, gold: dict | None) -> list[tuple]:
    """(task, label, confidence, n_answers) rows in order of the tasks' first answer."""
    if method in METHODS:
        return list(aggregate(answers, method=method, gold=gold).rows())
    if method in NUMERIC_METHODS:
        try:
            numbers = [(w, t, float(v)) for w, t, v in answers]
        except ValueError as error:
            raise CommandError(f"{method} needs numeric labels: {error}") from None
        result = aggregate_numeric(numbers, method=method)
        return [
            (t, result.values[t], result.confidence[t], result.n_answers[t]) for t in result.values
        ]
    result = aggregate_text(answers)
    return [(t, result.labels[t], result.confidence[t], result.n_answers[t]) for t in result.labels]


def score(rows: list[tuple], gold: dict, method: str) -> tuple[int, int, float | None]:
    """(right, scored, mean absolute error for numbers) over gold tasks that have a label."""
    right = scored = 0
    errors = []
    for task, label, _confidence, _n in rows:
        if task not in gold:
            continue
        scored += 1
        truth = gold[task]
        if method in NUMERIC_METHODS:
            try:
                error = abs(float(label) - float(truth))
            except ValueError:
                continue
            errors.append(error)
            right += error < 1e-9
        elif method == TEXT_METHOD:
            right += normalise_text(str(label)) == normalise_text(truth)
        else:
            right += str(label) == truth
    return right, scored, (sum(errors) / len(errors) if errors else None)


class Command(BaseCommand):
    help = "Aggregate a worker,task,label answers file offline, optionally scored against gold."

    def add_arguments(self, parser):
        parser.add_argument("answers", help="CSV with a worker,task,label header")
        parser.add_argument("--method", default=DEFAULT_METHOD, choices=ALL_METHODS)
        parser.add_argument("--gold", help="CSV with a task,label header: print the accuracy")
        parser.add_argument("--fit-gold", action="store_true", help="use gold as fixed truths")
        parser.add_argument("--out", help="write task,label,confidence,n_answers here")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="force the progress bar on or off (default: on for large files)",
        )

    def handle(self, *args, **options):
        method = options["method"]
        answers = read_answers(
            options["answers"], self.stderr._out, show_progress=options["progress"]
        )
        if not answers:
            raise CommandError(f"{options['answers']}: no answers")
        gold = read_gold(options["gold"]) if options["gold"] else None
        if options["fit_gold"] and method not in METHODS:
            raise CommandError("--fit-gold applies to the categorical methods only")
        started = time.process_time()
        rows = run(answers, method, gold if options["fit_gold"] else None)
        seconds = time.process_time() - started
        summary = self.stdout if options["out"] else self.stderr
        if options["out"]:
            with open(options["out"], "w", newline="", encoding="utf-8") as handle:
                self._write(handle, rows)
        else:
            self._write(self.stdout._out, rows)
        workers = len({w for w, _t, _l in answers})
        summary.write(
            f"{method}: {len(rows)} tasks, {workers} workers, {len(answers)} answers, "
            f"{seconds:.2f} s CPU"
        )
        if gold is not None:
            right, scored, mae = score(rows, gold, method)
            accuracy = f"{right / scored:.4f}" if scored else "n/a"
            line = f"accuracy {accuracy} on {scored} gold tasks"
            if mae is not None:
                line += f", mean absolute error {mae:.4f}"
            summary.write(line)

    @staticmethod
    def _write(handle, rows) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["task", "label", "confidence", "n_answers"])
        for task, label, confidence, n in rows:
            writer.writerow([task, label, f"{confidence:.6g}", n])
