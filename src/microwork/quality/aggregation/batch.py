"""Aggregate one answer field of a batch straight from the database.

The only module of the aggregation package that knows Django: it streams the batch's answered
assignments through a server-side cursor into the pure aggregation functions. Rejected answers
are left out: the requester has said they are not to be trusted. Answers of workers a quality
rule lowered (LOWER_WEIGHT, quality/rules.py) weigh less in the categorical methods that honour
weights (WEIGHTED_METHODS: majority vote, Wawa, Dawid-Skene, the default `auto`, and the
ensembles ds_mace and shrunk_ds_mace in their Dawid-Skene half); the others ignore weights.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from microwork.projects import tasktypes
from microwork.projects.models import Batch
from microwork.quality.aggregation.boxes import cluster_boxes
from microwork.quality.aggregation.calibration import (
    DEFAULT_TEMPERATURE,
    calibrated,
    gold_temperature,
)
from microwork.quality.aggregation.categorical import (
    DEFAULT_METHOD,
    METHODS,
    UnknownMethod,
    aggregate,
    aggregate_multilabel,
)
from microwork.quality.aggregation.columns import AnswerColumns
from microwork.quality.aggregation.numeric import NUMERIC_METHODS, aggregate_numeric
from microwork.quality.aggregation.text import aggregate_text
from microwork.quality.rules import answer_weights
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

CHUNK = 2000
AGGREGATED_STATES = (AssignmentState.SUBMITTED, AssignmentState.APPROVED)
# Methods beyond the categorical ones, by the kind of answer they read.
TEXT_METHOD = "text"
MULTILABEL_METHOD = "multilabel"
BOXES_METHOD = "boxes"
ALL_METHODS = (*METHODS, *NUMERIC_METHODS, TEXT_METHOD, MULTILABEL_METHOD, BOXES_METHOD)


class AggregatedRow(NamedTuple):
    task_id: str  # the task's public id
    row_number: int
    label: object
    confidence: float
    n_answers: int


class EmptyLabels(ValueError):
    """Answers to a field whose value is blank, refused (`empty_labels="refuse"`)."""

    def __init__(self, field: str, row_numbers: list[int]):
        shown = ", ".join(map(str, row_numbers[:10]))
        more = f" and {len(row_numbers) - 10} more" if len(row_numbers) > 10 else ""
        super().__init__(
            f"{len(row_numbers)} answers to {field!r} are blank, on the tasks of rows {shown}{more}"
        )
        self.field, self.row_numbers = field, row_numbers


EMPTY_SKIP, EMPTY_REFUSE = "skip", "refuse"


def _answers(
    batch: Batch, field: str, *, keep_empty: bool = False, blank_rows: list | None = None
) -> tuple[list, dict]:
    """(worker, task public id, value) triples for `field`, and each task's row number.

    Assignments without the field, or with an empty or blank (whitespace only) value, are
    not answers to it, so a blank can never be a label that wins; the row numbers of the
    tasks with a blank answer go to `blank_rows` when given. With `keep_empty` an empty list
    is an answer (no box drawn says there is nothing to box). The database holds one
    assignment per worker and task (a unique constraint), so there are no duplicates here.
    """
    triples, row_numbers = [], {}
    for worker_id, task_id, row_number, value in _stream_answers(
        batch, field, keep_empty=keep_empty, blank_rows=blank_rows
    ):
        triples.append((worker_id, task_id, value))
        row_numbers[task_id] = row_number
    return triples, row_numbers


def _stream_answers(
    batch: Batch, field: str, *, keep_empty: bool, blank_rows: list | None
) -> Iterator[tuple]:
    """Yield (worker, task public id, row number, value) by row number, as `_answers` keeps
    them, through a server-side cursor."""
    rows = (
        Assignment.objects.filter(task__batch=batch, state__in=AGGREGATED_STATES)
        .order_by("task__row_number", "pk")
        .values_list("worker__worker_id", "task__public_id", "task__row_number", "answers")
        .iterator(chunk_size=CHUNK)
    )
    for worker_id, task_id, row_number, answers in rows:
        value = (answers or {}).get(field)
        if value is None or (value == [] and not keep_empty):
            continue
        if isinstance(value, str) and not value.strip():
            if blank_rows is not None:
                blank_rows.append(row_number)
            continue
        yield worker_id, task_id, row_number, value


def _answer_columns(
    batch: Batch, field: str, *, blank_rows: list | None = None
) -> tuple[AnswerColumns, dict]:
    """The categorical answers to `field` as integer columns (`_answers`' rules), and each
    task's row number: no tuple per answer is kept, so a large batch costs its tasks and
    workers plus a few bytes an answer."""
    columns, row_numbers = AnswerColumns(), {}
    for worker_id, task_id, row_number, value in _stream_answers(
        batch, field, keep_empty=False, blank_rows=blank_rows
    ):
        columns.add(worker_id, task_id, _hashable(value))
        row_numbers[task_id] = row_number
    return columns, row_numbers


def _hashable(value):
    # JSON answers may be lists (checkboxes); a categorical label must be hashable.
    return tuple(value) if isinstance(value, list) else value


def batch_aggregate(
    batch: Batch,
    *,
    field: str,
    method: str = DEFAULT_METHOD,
    gold: dict | None = None,
    empty_labels: str = EMPTY_SKIP,
) -> Iterator[AggregatedRow]:
    """Yield one AggregatedRow per task of `batch` with an answer in `field`, by row number.

    `method` is a categorical method (METHODS), "median" or "trimmed_mean" for numbers, "text"
    for free text, "multilabel" for checkbox lists (the label is then a tuple), or "boxes"
    for bounding boxes (the label is then a list of averaged boxes, see _box_rows).
    `gold` maps task public ids to known labels (categorical methods only). Raise
    UnknownMethod for any other method, before reading anything.

    The default method's confidence is calibrated (aggregation/calibration.py): at the
    temperature fitted on the batch's gold when it has at least 20 gold tasks answered, at
    DEFAULT_TEMPERATURE otherwise. Blank answers (empty or whitespace only) are skipped; with `empty_labels="refuse"` they
    raise EmptyLabels naming their tasks' row numbers instead.
    """
    if method not in ALL_METHODS:
        raise UnknownMethod(method)
    blank_rows: list[int] = []
    if method in METHODS:
        columns, row_numbers = _answer_columns(batch, field, blank_rows=blank_rows)
    else:
        triples, row_numbers = _answers(
            batch, field, keep_empty=method == BOXES_METHOD, blank_rows=blank_rows
        )
    if blank_rows and empty_labels == EMPTY_REFUSE:
        raise EmptyLabels(field, blank_rows)
    if method in METHODS:
        encoded = columns.encoded(gold)
        result = aggregate(
            encoded, method=method, worker_weights=answer_weights(project=batch.project)
        )
        if method == DEFAULT_METHOD:
            # Calibrated confidence: a temperature fitted on the batch's gold when it has
            # enough, the documented default otherwise (aggregation/calibration.py).
            temperature = gold_temperature(encoded) if gold else DEFAULT_TEMPERATURE
            result = calibrated(result, temperature, encoded)
        rows = result.rows()
    elif method in NUMERIC_METHODS:
        numeric = aggregate_numeric([(w, t, float(v)) for w, t, v in triples], method=method)
        rows = (
            (t, numeric.values[t], numeric.confidence[t], numeric.n_answers[t])
            for t in numeric.values
        )
    elif method == TEXT_METHOD:
        text = aggregate_text(triples)
        rows = ((t, text.labels[t], text.confidence[t], text.n_answers[t]) for t in text.labels)
    elif method == BOXES_METHOD:
        rows = _box_rows(batch, field, triples)
    else:
        multi = aggregate_multilabel(
            [(w, t, v if isinstance(v, list) else [v]) for w, t, v in triples]
        )
        rows = ((t, multi.labels[t], multi.confidence[t], multi.n_answers[t]) for t in multi.labels)
    collected = sorted(rows, key=lambda row: row_numbers[row[0]])
    for task_id, label, confidence, n in collected:
        yield AggregatedRow(task_id, row_numbers[task_id], label, confidence, n)


def _box_rows(batch: Batch, field: str, triples: list) -> Iterator[tuple]:
    """(task, boxes, confidence, n_answers) per task: each label's boxes clustered by IoU and
    averaged (aggregation/boxes.py). The label is a list of {label, x1, y1, x2, y2, support,
    confidence}; the task's confidence is its least supported kept box's, or the share of
    workers who drew nothing when no box is kept.

    The task type's aggregation mapping turns stored answers into {label: [(x1, y1, x2, y2)]};
    answers of a custom template are taken as unlabelled coordinate lists.
    """
    project = batch.project
    found = tasktypes.task_type(project.template_kind)
    if found is not None:
        config = found.parse(project.template_config or {})

        def convert(value):
            return found.aggregation_value(config, field, value)
    else:

        def convert(value):
            return {"": value or []}

    by_task: dict[str, list] = {}
    for worker, task_id, value in triples:
        by_task.setdefault(task_id, []).append((worker, convert(value)))
    for task_id, answers in by_task.items():
        labels = dict.fromkeys(label for _, boxes in answers for label in boxes)
        kept = [
            {
                "label": label,
                **dict(zip(("x1", "y1", "x2", "y2"), (round(c, 1) for c in box.box), strict=True)),
                "support": box.support,
                "confidence": box.confidence,
            }
            for label in labels
            for box in cluster_boxes([(worker, boxes.get(label, [])) for worker, boxes in answers])
        ]
        if kept:
            confidence = min(box["confidence"] for box in kept)
        else:
            empty = sum(1 for _, boxes in answers if not any(boxes.values()))
            confidence = empty / len(answers)
        yield task_id, kept, confidence, len(answers)


def worker_skills(
    batch: Batch, *, field: str, method: str = DEFAULT_METHOD, gold: dict | None = None
) -> dict:
    """Per worker id: the categorical method's skill estimate on `field` of `batch` (the
    expected share of their answers that are right). Raise UnknownMethod for a method that is
    not categorical."""
    if method not in METHODS:
        raise UnknownMethod(method)
    columns, _ = _answer_columns(batch, field)
    result = aggregate(
        columns.encoded(gold),
        method=method,
        worker_weights=answer_weights(project=batch.project),
    )
    return result.skills
