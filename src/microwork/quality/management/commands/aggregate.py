"""`microwork aggregate ANSWERS.csv --method NAME [--gold GOLD.csv] [--out LABELS.csv]`

The platform's aggregation, offline, on a `worker,task,label` file (the format of the shared
data sets). Labels go to --out as `task,label,confidence,n_answers`, or to standard output
without it; the summary (and the accuracy on the gold file's tasks) goes to standard output
when --out is given, to standard error otherwise, so `aggregate a.csv > labels.csv` stays a
clean CSV. The gold file (`task,label`) is only scored against unless --fit-gold also gives it
to the method as fixed truths. A progress bar on standard error follows the reading of large
files (and the method's run).

Real files: the file is streamed into integer columns (memory grows with the distinct workers,
tasks and labels, not with the file); a worker's repeated answers to one task count once, the
last one (the summary says how many were dropped); an answer with an empty or blank label is
skipped and counted, with its line numbers (--empty-labels refuse refuses the file instead);
bytes that are not UTF-8, an empty file and short rows are refused naming the line.
"""

import argparse
import csv
import math
import os
import time
from dataclasses import dataclass, field

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
from microwork.quality.aggregation.calibration import (
    DEFAULT_TEMPERATURE,
    calibrated,
    gold_temperature,
)
from microwork.quality.aggregation.columns import AnswerColumns

TEXT_METHOD = "text"
# Without --method, a file of many distinct labels that are all numbers is aggregated as numbers
# (the median, as a batch's number field is), and one whose labels are free text (most of them
# given on one task only) as text: a class model would treat each distinct value as a class,
# and its cost grows with their square. "Many" is more than this; a rating scale stays classes.
MANY_LABELS = 50
NUMBER_METHOD = "median"
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


# How many line numbers a refusal lists before "and N more".
LINES_LISTED = 10
EMPTY_SKIP, EMPTY_REFUSE = "skip", "refuse"


def _not_utf8(path: str, line: int, text: str) -> CommandError:
    # The file is read with errors="surrogateescape": an undecodable byte b became chr(0xDC00 + b).
    byte = next(ord(char) - 0xDC00 for char in text if 0xDC80 <= ord(char) <= 0xDCFF)
    return CommandError(
        f"{path}, line {line}: byte 0x{byte:02x} is not UTF-8 text; save the file as UTF-8"
    )


def _is_utf8(text: str) -> bool:
    return text.isascii() or not any(0xDC80 <= ord(char) <= 0xDCFF for char in text)


def _open_csv(path: str, wanted: tuple[str, ...]):
    """(file, csv reader past a checked header). Bytes that are not UTF-8 are decoded as lone
    surrogates rather than raising mid-file, so the reader can name their line."""
    try:
        handle = open(  # noqa: SIM115 (closed by the caller)
            path, newline="", encoding="utf-8-sig", errors="surrogateescape"
        )
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    reader = csv.reader(handle)
    try:
        first = next(reader, None)
        if first is None:
            raise CommandError(f"{path}: the file is empty")
        for cell in first:
            if not _is_utf8(cell):
                raise _not_utf8(path, reader.line_num, cell)
        header = [name.strip().lower() for name in first]
        if header[: len(wanted)] != list(wanted):
            raise CommandError(f"{path}: the header must start with {','.join(wanted)}")
    except (CommandError, csv.Error) as error:
        handle.close()
        if isinstance(error, csv.Error):
            raise CommandError(f"{path}, line {reader.line_num}: {error}") from None
        raise
    return handle, reader


@dataclass
class Answers:
    """A file's answers as integer columns, with what reading them left out."""

    columns: AnswerColumns
    empty_label_lines: list[int] = field(default_factory=list)

    @property
    def dropped_duplicates(self) -> int:
        return self.columns.dropped_duplicates


def read_answers(
    path: str, progress_stream, *, show_progress: bool | None, empty_labels: str = EMPTY_SKIP
) -> Answers:
    """Stream `path`'s worker,task,label rows into integer columns (memory grows with the
    distinct workers, tasks and labels, and 12 bytes an answer, not with the file); keep each
    worker's last answer to a task. An answer whose label is empty or blank is skipped and its
    line noted, or, with `empty_labels="refuse"`, refused with the lines. Raise CommandError
    naming the line of a short row, an empty worker or task, or bytes that are not UTF-8."""
    size = os.path.getsize(path) if os.path.exists(path) else 0
    enabled = size >= PROGRESS_MIN_BYTES if show_progress is None else show_progress
    handle, reader = _open_csv(path, ("worker", "task", "label"))
    progress = Progress(progress_stream, size, "reading", enabled=enabled)
    columns = AnswerColumns()
    empty_lines: list[int] = []
    workers, tasks, labels = columns.workers, columns.tasks, columns.labels
    append_worker, append_task, append_label = (c.append for c in columns.index_columns)
    count = 0
    # The loop runs once per answer, so it is written for speed: each distinct value is
    # checked (UTF-8, blank) only when first seen. A value holding a bad byte differs from
    # every good one, so it is always new the first time it appears; a blank label is never
    # stored, so it is caught every time.
    with handle:
        try:
            for cells in reader:
                if len(cells) != 3:
                    if len(cells) < 3:
                        if not any(cells):
                            continue
                        raise CommandError(
                            f"{path}, line {reader.line_num}: expected worker,task,label"
                        )
                    cells = cells[:3]
                worker, task, label = cells
                label_index = labels.get(label)
                if label_index is None:
                    if not _is_utf8(label):
                        raise _not_utf8(path, reader.line_num, label)
                    if not label.strip():
                        if worker or task:  # not a row of empty cells
                            empty_lines.append(reader.line_num)
                        continue
                    label_index = labels[label] = len(labels)
                worker_index = workers.get(worker)
                if worker_index is None:
                    worker_index = _new_id(path, reader.line_num, worker, workers)
                task_index = tasks.get(task)
                if task_index is None:
                    task_index = _new_id(path, reader.line_num, task, tasks)
                append_worker(worker_index)
                append_task(task_index)
                append_label(label_index)
                count += 1
                if count % 8192 == 0:
                    progress.update(handle.buffer.tell())
        except csv.Error as error:
            raise CommandError(f"{path}, line {reader.line_num}: {error}") from None
    if empty_lines and empty_labels == EMPTY_REFUSE:
        raise CommandError(
            f"{path}: {len(empty_lines)} answers with an empty label, {_lines(empty_lines)} "
            "(--empty-labels skip leaves them out)"
        )
    columns.deduplicate()
    progress.finish(f"{len(columns)} answers")
    return Answers(columns, empty_lines)


def _new_id(path: str, line: int, value: str, known: dict) -> int:
    """Add a worker or task id seen for the first time to `known`; refuse an empty one or one
    that is not UTF-8."""
    if not value:
        raise CommandError(f"{path}, line {line}: the worker and the task must not be empty")
    if not _is_utf8(value):
        raise _not_utf8(path, line, value)
    known[value] = index = len(known)
    return index


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:LINES_LISTED]))
    more = len(numbers) - LINES_LISTED
    return f"line{'s' if len(numbers) > 1 else ''} {shown}" + (
        f" and {more} more" if more > 0 else ""
    )


def read_gold(path: str) -> dict:
    handle, reader = _open_csv(path, ("task", "label"))
    gold = {}
    with handle:
        try:
            for cells in reader:
                if len(cells) >= 2 and cells[0]:
                    for value in cells[:2]:
                        if not _is_utf8(value):
                            raise _not_utf8(path, reader.line_num, value)
                    gold[cells[0]] = cells[1]
        except csv.Error as error:
            raise CommandError(f"{path}, line {reader.line_num}: {error}") from None
    return gold


def run(answers: AnswerColumns, method: str, gold: dict | None) -> tuple[list[tuple], str]:
    """((task, label, confidence, n_answers) rows in order of the tasks' first answer, the
    method's name for the summary, with the model `auto` chose)."""
    if method in METHODS:
        encoded = answers.encoded(gold)
        result = aggregate(encoded, method=method)
        if method == DEFAULT_METHOD:
            # Calibrated confidence, as in the batch path (aggregation/calibration.py).
            temperature = gold_temperature(encoded) if gold else DEFAULT_TEMPERATURE
            result = calibrated(result, temperature, encoded)
        name = f"{method} (chose {result.model})" if method == "auto" else method
        return list(result.rows()), name
    if method in NUMERIC_METHODS:
        numbers: dict[str, float] = {}

        def number(label: str) -> float:
            # Each distinct label is parsed once; one left only in a dropped duplicate is not.
            value = numbers.get(label)
            if value is None:
                try:
                    value = numbers[label] = float(label)
                except ValueError:
                    raise CommandError(f"{method} needs numeric labels, not {label!r}") from None
            return value

        result = aggregate_numeric(
            ((w, t, number(v)) for w, t, v in answers.triples()), method=method
        )
        rows = [
            (t, result.values[t], result.confidence[t], result.n_answers[t]) for t in result.values
        ]
        return rows, method
    result = aggregate_text(list(answers.triples()))
    rows = [(t, result.labels[t], result.confidence[t], result.n_answers[t]) for t in result.labels]
    return rows, method


def default_method(answers: AnswerColumns) -> tuple[str, str]:
    """The method used without --method, and why when it is not the default."""
    distinct, on_one_task = answers.labels_on_one_task()
    if distinct <= MANY_LABELS:
        return DEFAULT_METHOD, ""
    if all(_is_number(label) for label in answers.labels):
        return NUMBER_METHOD, (
            f"the labels are numbers ({distinct} distinct values): aggregated with --method "
            f"{NUMBER_METHOD}; --method chooses another"
        )
    if on_one_task * 2 > distinct:
        return TEXT_METHOD, (
            f"the labels look like free text ({on_one_task} of {distinct} distinct labels are "
            f"given on one task only): aggregated with --method {TEXT_METHOD}; "
            "--method chooses another"
        )
    return DEFAULT_METHOD, ""


def _is_number(label: str) -> bool:
    try:
        return math.isfinite(float(label))
    except ValueError:
        return False


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
    help = (
        "Aggregate a worker,task,label answers file offline, optionally scored against gold. "
        "A worker's repeated answers to a task count once (the last one); answers with an "
        "empty label are skipped and counted unless --empty-labels refuse."
    )

    def add_arguments(self, parser):
        parser.add_argument("answers", help="CSV with a worker,task,label header")
        parser.add_argument(
            "--method",
            choices=ALL_METHODS,
            help=f"default: {DEFAULT_METHOD}; with over {MANY_LABELS} distinct labels, "
            f"{NUMBER_METHOD} when they are all numbers and {TEXT_METHOD} when most are given on "
            "one task only (free text)",
        )
        parser.add_argument("--gold", help="CSV with a task,label header: print the accuracy")
        parser.add_argument("--fit-gold", action="store_true", help="use gold as fixed truths")
        parser.add_argument("--out", help="write task,label,confidence,n_answers here")
        parser.add_argument(
            "--empty-labels",
            choices=(EMPTY_SKIP, EMPTY_REFUSE),
            default=EMPTY_SKIP,
            help="an answer with an empty or blank label: skip it and report how many and "
            "their lines (the default), or refuse the file naming those lines",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="force the progress bar on or off (default: on for large files)",
        )

    def handle(self, *args, **options):
        method = options["method"]
        gold = read_gold(options["gold"]) if options["gold"] else None
        if options["fit_gold"] and method is not None and method not in METHODS:
            raise CommandError("--fit-gold applies to the categorical methods only")
        read = read_answers(
            options["answers"],
            self.stderr._out,
            show_progress=options["progress"],
            empty_labels=options["empty_labels"],
        )
        answers = read.columns
        if not len(answers):
            raise CommandError(f"{options['answers']}: no answers")
        chosen_because = ""
        if method is None:
            method, chosen_because = default_method(answers)
            if options["fit_gold"] and method not in METHODS:
                raise CommandError(
                    f"--fit-gold applies to the categorical methods only; {chosen_because}"
                )
        started = time.process_time()
        rows, name = run(answers, method, gold if options["fit_gold"] else None)
        seconds = time.process_time() - started
        summary = self.stdout if options["out"] else self.stderr
        if options["out"]:
            with open(options["out"], "w", newline="", encoding="utf-8") as handle:
                self._write(handle, rows)
        else:
            self._write(self.stdout._out, rows)
        summary.write(
            f"{name}: {len(rows)} tasks, {len(answers.workers)} workers, {len(answers)} "
            f"answers, {seconds:.2f} s CPU"
        )
        if chosen_because:
            summary.write(chosen_because)
        if read.dropped_duplicates:
            summary.write(
                f"{read.dropped_duplicates} duplicate answers dropped: a worker's last answer "
                "to a task counts, the earlier ones do not"
            )
        if read.empty_label_lines:
            summary.write(
                f"{len(read.empty_label_lines)} answers with an empty label skipped, "
                f"{_lines(read.empty_label_lines)}"
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
