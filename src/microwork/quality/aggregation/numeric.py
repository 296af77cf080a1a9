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


def aggregate_numeric(
    answers: Iterable[tuple[Hashable, Hashable, float]],
    *,
    method: str = "median",
    trim: float = 0.1,
    tolerance: float | None = None,
) -> NumericResult:
    """Aggregate numbers per task with `method` ("median" or "trimmed_mean", cutting `trim`
    of the answers at each end). Raise ValueError for another method or a bad trim."""
    if method not in NUMERIC_METHODS:
        raise ValueError(f"unknown numeric method {method!r}; choose one of {NUMERIC_METHODS}")
    if not 0 <= trim < 0.5:
        raise ValueError("trim must be in [0, 0.5)")
    by_task: dict = {}
    for _worker, task, value in answers:
        by_task.setdefault(task, []).append(float(value))
    values, spread, arrays = {}, {}, {}
    for task, raw in by_task.items():
        array = np.asarray(raw, dtype=float)
        value = float(np.median(array)) if method == "median" else trimmed_mean(array, trim)
        values[task] = value
        spread[task] = float(np.median(np.abs(array - value)))
        arrays[task] = array
    if tolerance is None:
        tolerance = float(np.median(list(spread.values()))) if spread else 0.0
    confidence = {
        task: float(np.mean(np.abs(array - values[task]) <= tolerance))
        for task, array in arrays.items()
    }
    n_answers = {task: len(array) for task, array in arrays.items()}
    return NumericResult(values, confidence, spread, n_answers, tolerance)
