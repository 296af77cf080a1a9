"""Numeric answer aggregation: the median, or a trimmed mean, of a task's answers."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

NUMERIC_METHODS = ("median", "trimmed_mean")


@dataclass(frozen=True)
class NumericResult:
    """Per task: the value, a confidence, the spread and the number of answers.

    `spread` is the median absolute deviation of the task's answers from the value. Confidence
    is the share of the task's answers within `tolerance` of the value; the tolerance defaults
    to the median spread over all tasks (the data set's typical disagreement), so it reads
    "how many workers are about as close as usual".
    """

    values: dict
    confidence: dict
    spread: dict
    n_answers: dict
    tolerance: float


def trimmed_mean(values: np.ndarray, trim: float) -> float:
    """Mean after dropping floor(trim * n) values from each end (scipy's trim_mean rule)."""
    values = np.sort(values)
    cut = int(trim * len(values))
    kept = values[cut : len(values) - cut] if len(values) > 2 * cut else values
    return float(kept.mean())


def _group_medians(sorted_values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per group, the median of `sorted_values[start:start + count]` (sorted within groups)."""
    low = sorted_values[starts + (counts - 1) // 2]
    high = sorted_values[starts + counts // 2]
    return (low + high) / 2


def aggregate_numeric(
    answers: Iterable[tuple[Hashable, Hashable, float]],
    *,
    method: str = "median",
    trim: float = 0.1,
    tolerance: float | None = None,
) -> NumericResult:
    """Aggregate numbers per task with `method` ("median" or "trimmed_mean", cutting `trim`
    of the answers at each end). Raise ValueError for another method or a bad trim.

    Vectorised: the answers are sorted once by (task, value), and every task's median, trimmed
    mean, spread and confidence is read off that order with index arithmetic, so there is no
    Python loop over tasks.
    """
    if method not in NUMERIC_METHODS:
        raise ValueError(f"unknown numeric method {method!r}; choose one of {NUMERIC_METHODS}")
    if not 0 <= trim < 0.5:
        raise ValueError("trim must be in [0, 0.5)")
    positions: dict = {}
    task_idx, raw = [], []
    for _worker, task, value in answers:
        task_idx.append(positions.setdefault(task, len(positions)))
        raw.append(float(value))
    tasks = list(positions)
    if not tasks:
        return NumericResult({}, {}, {}, {}, 0.0 if tolerance is None else tolerance)
    t = np.array(task_idx, dtype=np.intp)
    v = np.array(raw, dtype=float)
    counts = np.bincount(t, minlength=len(tasks))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ordered = v[np.lexsort((v, t))]
    if method == "median":
        value = _group_medians(ordered, starts, counts)
    else:
        cut = np.floor(trim * counts).astype(np.intp)
        cut[counts <= 2 * cut] = 0
        kept = counts - 2 * cut
        # Sums of [start + cut, start + count - cut): reduceat over those bounds, with a 0
        # appended so that the last bound is a valid index.
        bounds = np.empty(2 * len(tasks), dtype=np.intp)
        bounds[0::2] = starts + cut
        bounds[1::2] = starts + counts - cut
        sums = np.add.reduceat(np.append(ordered, 0.0), bounds)[0::2]
        value = sums / kept
    deviation = np.abs(v - value[t])
    spread = _group_medians(deviation[np.lexsort((deviation, t))], starts, counts)
    if tolerance is None:
        tolerance = float(np.median(spread))
    within = np.bincount(t, weights=(deviation <= tolerance).astype(float), minlength=len(tasks))
    return NumericResult(
        values=dict(zip(tasks, value.tolist(), strict=True)),
        confidence=dict(zip(tasks, (within / counts).tolist(), strict=True)),
        spread=dict(zip(tasks, spread.tolist(), strict=True)),
        n_answers=dict(zip(tasks, counts.tolist(), strict=True)),
        tolerance=tolerance,
    )
