"""Doubtful tasks: a batch's tasks whose aggregated label is not sure enough.

The label of each task of the deciding field (overlap.deciding_field: the project's choice or
its template's first categorical field) comes from the default aggregation with calibrated
confidence (aggregation/batch.py, with the batch's gold); a task is doubtful when that
confidence is below the project's confidence target (ConfidenceTarget), or DEFAULT_BELOW
without one. Gold tasks are never doubtful. The requester can ask for more answers on them
(overlap.tasks_ask_more), which reserves their escrow as dynamic overlap does.
"""

from __future__ import annotations

from dataclasses import dataclass

from microwork.projects.models import Batch
from microwork.quality.aggregation.batch import batch_aggregate
from microwork.quality.gold import batch_gold
from microwork.quality.overlap import confidence_target, deciding_field, tasks_ask_more

DEFAULT_BELOW = 0.90


@dataclass(frozen=True)
class DoubtfulTask:
    public_id: str
    row_number: int
    label: object
    confidence: float
    n_answers: int


@dataclass(frozen=True)
class Doubtful:
    field: str | None
    below: float  # the confidence a task needs not to be doubtful
    tasks: list[DoubtfulTask]  # least sure first, then by row


def doubtful_below(batch: Batch) -> float:
    target = confidence_target(batch.project)
    return DEFAULT_BELOW if target is None else target / 100


def batch_doubtful_tasks(batch: Batch) -> Doubtful:
    """The batch's doubtful tasks (read only). None found without a categorical field."""
    field = deciding_field(batch.project)
    below = doubtful_below(batch)
    if field is None:
        return Doubtful(field=None, below=below, tasks=[])
    gold = batch_gold(batch, field)
    rows = [
        DoubtfulTask(row.task_id, row.row_number, row.label, row.confidence, row.n_answers)
        for row in batch_aggregate(batch, field=field, gold=gold or None)
        if row.task_id not in gold and row.confidence < below
    ]
    rows.sort(key=lambda row: (row.confidence, row.row_number))
    return Doubtful(field=field, below=below, tasks=rows)


def doubtful_ask_more(*, batch: Batch, slots: int = 1) -> int:
    """One more slot (or `slots`) on every task doubtful now; see overlap.tasks_ask_more for
    the escrow and what is refused. Returns how many tasks got slots."""
    tasks = batch_doubtful_tasks(batch).tasks
    if not tasks:
        return 0
    return tasks_ask_more(batch=batch, task_ids=[task.public_id for task in tasks], slots=slots)
