"""How far answers agree, and how good each worker is: the batch quality page and the rules.

- Krippendorff's alpha for nominal data over (worker, task, label) answers.
- The confusion of answers against gold: for each right label, how often each label was given.
- Per worker: accuracy on gold, agreement with the aggregated label, median time and rejection
  rate, each with the number of observations behind it, so a figure from 3 answers is not
  read like one from 300.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from microwork.projects.models import Batch
from microwork.quality.aggregation.batch import CHUNK, _answers, _hashable, batch_aggregate
from microwork.quality.aggregation.categorical import DEFAULT_METHOD
from microwork.quality.gold import batch_gold, gold_mistakes
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment


@dataclass(frozen=True)
class Rate:
    """A share with the number of observations it is computed from; None when there are none."""

    hits: int
    n: int

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None

    @property
    def percent(self) -> float | None:
        return None if self.value is None else round(100 * self.value, 1)


def krippendorff_alpha_nominal(
    answers: Iterable[tuple[Hashable, Hashable, Hashable]],
) -> float | None:
    """Krippendorff's alpha for nominal labels over `(worker, task, label)` answers.

    Only tasks with two or more answers are pairable. Returns None when alpha is undefined:
    fewer than two pairable answers, or a single label used throughout (no expected
    disagreement). 1 is perfect agreement, 0 chance level, below 0 systematic disagreement.
    """
    task_index: dict = {}
    class_index: dict = {}
    rows, cols = [], []
    for _worker, task, label in answers:
        rows.append(task_index.setdefault(task, len(task_index)))
        cols.append(class_index.setdefault(label, len(class_index)))
    if not rows:
        return None
    counts = np.zeros((len(task_index), len(class_index)))
    np.add.at(counts, (np.array(rows), np.array(cols)), 1)
    per_task = counts.sum(axis=1)
    pairable = per_task >= 2
    counts, per_task = counts[pairable], per_task[pairable]
    n = per_task.sum()
    if n < 2:
        return None
    # Coincidences within a task: each value paired with every other value of the task.
    observed_agreement = ((counts * (counts - 1)).sum(axis=1) / (per_task - 1)).sum() / n
    by_class = counts.sum(axis=0)
    expected_agreement = (by_class * (by_class - 1)).sum() / (n * (n - 1))
    if expected_agreement >= 1:
        return None
    return float(1 - (1 - observed_agreement) / (1 - expected_agreement))


@dataclass
class Confusion:
    """Answers on gold tasks: counts[right][given]."""

    classes: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One row per right label: its counts in `classes` order, total and share right."""
        shown = []
        for right in self.classes:
            given = self.counts.get(right)
            if not given:
                continue
            total = sum(given.values())
            shown.append(
                {
                    "right": right,
                    "counts": [given.get(label, 0) for label in self.classes],
                    "total": total,
                    "accuracy": Rate(given.get(right, 0), total),
                }
            )
        return shown


def confusion_against_gold(
    answers: Iterable[tuple[Hashable, Hashable, Hashable]], gold: dict
) -> Confusion:
    counts: dict = defaultdict(Counter)
    for _worker, task, label in answers:
        if task in gold:
            counts[gold[task]][label] += 1
    classes = sorted({*counts, *(label for given in counts.values() for label in given)}, key=str)
    return Confusion(classes=classes, counts={right: dict(c) for right, c in counts.items()})


@dataclass
class WorkerStats:
    worker_id: str
    gold_accuracy: Rate
    agreement: Rate
    median_seconds: float | None
    timed: int  # answers behind the median
    rejection_rate: Rate


@dataclass
class FieldReport:
    name: str
    alpha: float | None
    n_tasks: int
    n_answers: int
    confusion: Confusion


def _label(value):
    return _hashable(value)


def _comparisons(task_id, answers: dict, labels: dict) -> Iterator[bool]:
    """For each answered field of one answer that has an aggregated label in `labels`
    {(task id, field): label}, whether the answer gives that label."""
    for name, value in (answers or {}).items():
        label = labels.get((task_id, name))
        if label is None or value in (None, "", []):
            continue
        yield _label(value) == label


def answer_agrees(task_id, answers: dict, labels: dict) -> bool | None:
    """Whether one answer agrees with the aggregated labels of its task: True when every field
    compared gives its label, False when one does not, None when no field has a label to
    compare with (an unanswered field, or a kind of answer without one)."""
    found = list(_comparisons(task_id, answers, labels))
    return all(found) if found else None


def assignment_ids_by_agreement(assignments, labels: dict, *, agrees: bool) -> list[int]:
    """The ids of `assignments` (a queryset, kept in its order) whose answer agrees, or with
    `agrees` False disagrees, with `labels` (answer_agrees); answers with nothing to compare
    are in neither list. Read in chunks: only the ids are kept."""
    rows = assignments.values_list("pk", "task__public_id", "answers").iterator(chunk_size=CHUNK)
    return [
        pk for pk, task_id, answers in rows if answer_agrees(task_id, answers, labels) is agrees
    ]


def overall_agreement(workers: list[WorkerStats]) -> Rate:
    """The batch's agreement with its aggregated labels: every worker's compared answers
    (per field, rejected ones left out) added up."""
    return Rate(sum(w.agreement.hits for w in workers), sum(w.agreement.n for w in workers))


def worker_stats(rows, labels: dict) -> list[WorkerStats]:
    """Per worker, from `rows` of (worker id, task id, state, seconds, answers, gold) and
    `labels` {(task id, field): aggregated label}; ordered by worker id."""
    gold_right: Counter = Counter()
    gold_seen: Counter = Counter()
    agreed: Counter = Counter()
    compared: Counter = Counter()
    rejected: Counter = Counter()
    reviewed: Counter = Counter()
    seconds: dict = defaultdict(list)
    for worker_id, task_id, state, work_seconds, answers, gold in rows:
        answers = answers or {}
        if gold:
            gold_seen[worker_id] += 1
            if not gold_mistakes(answers=answers, gold=gold):
                gold_right[worker_id] += 1
        if state != AssignmentState.REJECTED:
            for matches in _comparisons(task_id, answers, labels):
                compared[worker_id] += 1
                agreed[worker_id] += matches
        if state in (AssignmentState.APPROVED, AssignmentState.REJECTED):
            reviewed[worker_id] += 1
            rejected[worker_id] += state == AssignmentState.REJECTED
        if work_seconds is not None:
            seconds[worker_id].append(work_seconds)
    workers = sorted({*gold_seen, *compared, *reviewed, *seconds})
    return [
        WorkerStats(
            worker_id=worker_id,
            gold_accuracy=Rate(gold_right[worker_id], gold_seen[worker_id]),
            agreement=Rate(agreed[worker_id], compared[worker_id]),
            median_seconds=statistics.median(seconds[worker_id]) if seconds[worker_id] else None,
            timed=len(seconds[worker_id]),
            rejection_rate=Rate(rejected[worker_id], reviewed[worker_id]),
        )
        for worker_id in workers
    ]


def batch_report(batch: Batch, *, method: str = DEFAULT_METHOD) -> dict:
    """The agreement report of `batch`: per categorical answer field, alpha and the confusion
    against gold; per worker, their figures against the labels aggregated with `method`."""
    reports, labels = [], {}
    for name in _categorical_fields(batch, method):
        triples, _rows = _answers(batch, name)
        triples = [(w, t, _label(v)) for w, t, v in triples]
        gold = batch_gold(batch, name)
        labels.update(_field_labels(batch, name, method, gold))
        reports.append(field_report(name, triples, gold))
    return {"fields": reports, "workers": batch_worker_stats(batch, labels)}


def batch_labels(batch: Batch, *, method: str = DEFAULT_METHOD) -> dict:
    """{(task public id, field): aggregated label} over the batch's categorical answer fields,
    aggregated with `method` as batch_report does: what its per-worker agreement compares
    answers with."""
    labels: dict = {}
    for name in _categorical_fields(batch, method):
        labels.update(_field_labels(batch, name, method, batch_gold(batch, name)))
    return labels


def _categorical_fields(batch: Batch, method: str) -> list[str]:
    from microwork.quality.exports import CATEGORICAL, export_fields

    return [f.name for f in export_fields(batch, method=method) if f.kind == CATEGORICAL]


def _field_labels(batch: Batch, name: str, method: str, gold: dict) -> dict:
    return {
        (row.task_id, name): row.label
        for row in batch_aggregate(batch, field=name, method=method, gold=gold or None)
    }


def field_report(name: str, triples: list[tuple], gold: dict) -> FieldReport:
    """One answer field's figures from its (worker, task, label) `triples` and its `gold`."""
    return FieldReport(
        name=name,
        alpha=krippendorff_alpha_nominal(triples),
        n_tasks=len({t for _w, t, _v in triples}),
        n_answers=len(triples),
        confusion=confusion_against_gold(triples, gold),
    )


def batch_worker_stats(batch: Batch, labels: dict) -> list[WorkerStats]:
    """worker_stats over every answered assignment of `batch`, read in chunks."""
    rows = (
        Assignment.objects.filter(task__batch=batch, state__in=list(ANSWERED_STATES))
        .values_list(
            "worker__worker_id",
            "task__public_id",
            "state",
            "work_seconds",
            "answers",
            "task__gold",
        )
        .iterator(chunk_size=CHUNK)
    )
    return worker_stats(rows, labels)
