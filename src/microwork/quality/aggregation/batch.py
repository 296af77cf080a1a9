"""Aggregate one answer field of a batch straight from the database.

The only module of the aggregation package that knows Django: it streams the batch's answered
assignments through a server-side cursor into the pure aggregation functions. Rejected answers
are left out: the requester has said they are not to be trusted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from microwork.projects.models import Batch
from microwork.quality.aggregation.categorical import (
    DEFAULT_METHOD,
    METHODS,
    UnknownMethod,
    aggregate,
    aggregate_multilabel,
)
from microwork.quality.aggregation.numeric import NUMERIC_METHODS, aggregate_numeric
from microwork.quality.aggregation.text import aggregate_text
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

CHUNK = 2000
AGGREGATED_STATES = (AssignmentState.SUBMITTED, AssignmentState.APPROVED)
# Methods beyond the categorical ones, by the kind of answer they read.
TEXT_METHOD = "text"
MULTILABEL_METHOD = "multilabel"
ALL_METHODS = (*METHODS, *NUMERIC_METHODS, TEXT_METHOD, MULTILABEL_METHOD)


class AggregatedRow(NamedTuple):
    task_id: str  # the task's public id
    row_number: int
    label: object
    confidence: float
    n_answers: int


def _answers(batch: Batch, field: str) -> tuple[list, dict]:
    """(worker, task public id, value) triples for `field`, and each task's row number.

    Assignments without the field, or with an empty value, are not answers to it.
    """
    rows = (
        Assignment.objects.filter(task__batch=batch, state__in=AGGREGATED_STATES)
        .order_by("task__row_number", "pk")
        .values_list("worker__worker_id", "task__public_id", "task__row_number", "answers")
        .iterator(chunk_size=CHUNK)
    )
    triples, row_numbers = [], {}
    for worker_id, task_id, row_number, answers in rows:
        value = (answers or {}).get(field)
        if value is None or value == "" or value == []:
            continue
        triples.append((worker_id, task_id, value))
        row_numbers[task_id] = row_number
    return triples, row_numbers


def _hashable(value):
    # JSON answers may be lists (checkboxes); a categorical label must be hashable.
    return tuple(value) if isinstance(value, list) else value


def batch_aggregate(
    batch: Batch, *, field: str, method: str = DEFAULT_METHOD, gold: dict | None = None
) -> Iterator[AggregatedRow]:
    """Yield one AggregatedRow per task of `batch` with an answer in `field`, by row number.

    `method` is a categorical method (METHODS), "median" or "trimmed_mean" for numbers, "text"
    for free text, or "multilabel" for checkbox lists (the label is then a tuple).
    `gold` maps task public ids to known labels (categorical methods only). Raise
    UnknownMethod for any other method, before reading anything.
    """
    if method not in ALL_METHODS:
        raise UnknownMethod(method)
    triples, row_numbers = _answers(batch, field)
    if method in METHODS:
        result = aggregate([(w, t, _hashable(v)) for w, t, v in triples], method=method, gold=gold)
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
    else:
        multi = aggregate_multilabel(
            [(w, t, v if isinstance(v, list) else [v]) for w, t, v in triples]
        )
        rows = ((t, multi.labels[t], multi.confidence[t], multi.n_answers[t]) for t in multi.labels)
    collected = sorted(rows, key=lambda row: row_numbers[row[0]])
    for task_id, label, confidence, n in collected:
        yield AggregatedRow(task_id, row_numbers[task_id], label, confidence, n)


def worker_skills(
    batch: Batch, *, field: str, method: str = DEFAULT_METHOD, gold: dict | None = None
) -> dict:
    """Per worker id: the categorical method's skill estimate on `field` of `batch` (the
    expected share of their answers that are right). Raise UnknownMethod for a method that is
    not categorical."""
    if method not in METHODS:
        raise UnknownMethod(method)
    triples, _ = _answers(batch, field)
    result = aggregate([(w, t, _hashable(v)) for w, t, v in triples], method=method, gold=gold)
    return result.skills
