"""Calibrated confidence: of the tasks labelled with confidence 0.9, about 90% right.

A model's posterior is only as honest as the model: EM methods are overconfident where their
assumptions fail (workers who copy each other, a class prior learned from noise) and majority
votes underconfident. Calibration rescales the posteriors with one temperature T,
p_j ** (1 / T) renormalised (T > 1 softens, T < 1 sharpens); the label never changes, only
how sure we say we are.

- With gold (`gold_temperature`): T is fitted on the batch's own gold tasks, cross-fitted so a
  gold task's posterior never comes from a fit that saw its label: the gold is split in
  GOLD_FOLDS folds (every second gold task), each fold hidden in turn, the method fitted on the
  rest and T chosen to minimise the negative log-likelihood of the hidden gold labels.
- Without gold: DEFAULT_TEMPERATURE, a documented fit on the simulated crowds of
  bench/aggregate_sim.py (bench/aggregate_calibration.py prints it), checked on the real data
  sets it was not fitted on.

`expected_calibration_error` is the usual ECE: tasks grouped in `bins` equal-width bins of
confidence, the mean gap between confidence and accuracy weighted by the bins' sizes.
Pure NumPy; no Django.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from microwork.quality.aggregation.categorical import (
    DEFAULT_METHOD,
    EPS,
    GOLD_FOLDS,
    METHODS,
    CategoricalResult,
    Encoded,
    _clamp_gold,
    _softmax_rows,
    _with_gold,
)

# Fitted on the simulated regimes (bench/aggregate_calibration.py, seeds 0-2), the default
# method's posteriors (`auto`; it was 1.37 for shrunk_ds_mace), no gold: see
# docs/quality-aggregation.md, "Calibrated confidence".
DEFAULT_TEMPERATURE = 1.19
# The temperatures searched: a grid in log space from 1/4 to 4.
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(4.0), 81))
# Fewer gold tasks than this: the default temperature is kept (a fit on a handful of tasks
# would be noise).
MIN_GOLD_TO_CALIBRATE = 20


def apply_temperature(posteriors: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of `posteriors` raised to 1/T and renormalised."""
    if temperature == 1.0:
        return posteriors.copy()
    logp = np.log(np.maximum(posteriors, EPS)) / temperature
    return _softmax_rows(logp)[0]


def calibrated(
    result: CategoricalResult, temperature: float, enc: Encoded | None = None
) -> CategoricalResult:
    """`result` with its posteriors at `temperature` (labels unchanged); with `enc`, its gold
    tasks stay certain."""
    posteriors = apply_temperature(result.posteriors, temperature)
    if enc is not None:
        posteriors = _clamp_gold(enc, posteriors)
    return replace(result, posteriors=posteriors)


def fit_temperature(posteriors, truth) -> float:
    """The T of TEMPERATURES minimising the negative log-likelihood of `truth` (class
    indices) under `posteriors` at T; 1.0 with no rows. Both may be lists of blocks (sets
    with different numbers of classes)."""
    blocks = (
        list(zip(posteriors, truth, strict=True))
        if isinstance(posteriors, list)
        else [(posteriors, truth)]
    )
    blocks = [(np.log(np.maximum(p, EPS)), np.asarray(y)) for p, y in blocks if len(y)]
    if not blocks:
        return 1.0
    best, best_loss = 1.0, np.inf
    for t in TEMPERATURES:
        loss = 0.0
        for logp, y in blocks:
            scaled = logp / t
            top = scaled.max(axis=1, keepdims=True)
            norm = top[:, 0] + np.log(np.exp(scaled - top).sum(axis=1))
            loss += float((norm - scaled[np.arange(len(y)), y]).sum())
        if loss < best_loss - 1e-12:
            best, best_loss = float(t), loss
    return best


def held_out_gold_posteriors(
    enc: Encoded, method: str = DEFAULT_METHOD, **options
) -> tuple[np.ndarray, np.ndarray]:
    """(posteriors, true class) of every gold task from a fit with its fold hidden."""
    order = np.argsort(enc.gold_task_idx, kind="stable")
    fold = np.empty(len(order), dtype=np.intp)
    fold[order] = np.arange(len(order)) % GOLD_FOLDS
    rows, truth = [], []
    for f in range(GOLD_FOLDS):
        hidden = fold == f
        if not hidden.any():
            continue
        result = METHODS[method](_with_gold(enc, ~hidden), **options)
        rows.append(result.posteriors[enc.gold_task_idx[hidden]])
        truth.append(enc.gold_label_idx[hidden])
    if not rows:
        return np.zeros((0, enc.n_classes)), np.zeros(0, dtype=np.intp)
    return np.vstack(rows), np.concatenate(truth)


def gold_temperature(enc: Encoded, method: str = DEFAULT_METHOD, **options) -> float:
    """The temperature fitted on the batch's gold (cross-fitted), or DEFAULT_TEMPERATURE with
    fewer than MIN_GOLD_TO_CALIBRATE gold tasks answered."""
    if enc.gold_task_idx.size < MIN_GOLD_TO_CALIBRATE:
        return DEFAULT_TEMPERATURE
    posteriors, truth = held_out_gold_posteriors(enc, method, **options)
    return fit_temperature(posteriors, truth)


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 10
) -> float:
    """ECE of `confidence` (of the chosen labels) against `correct` (booleans)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.size == 0:
        return 0.0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.sum() * abs(confidence[members].mean() - correct[members].mean())
    return total / confidence.size


def one_coin_confidence(
    labels: list, accuracies: list[float], n_classes: int, temperature: float = 1.0
) -> tuple[object, float]:
    """(leading label, its posterior) for one task's answers `labels` given by workers right
    with probability `accuracies` (one per answer), wrong labels alike among `n_classes`, a
    uniform class prior, at `temperature`. The cheap posterior dynamic overlap needs after
    each submission; ties go to the label first in text order. (None, 0.0) without answers."""
    if not labels:
        return None, 0.0
    k = max(n_classes, len(set(labels)), 2)
    scores: dict = {}
    for label, p in zip(labels, accuracies, strict=True):
        p = min(max(float(p), 1e-6), 1 - 1e-6)
        wrong = np.log((1 - p) / (k - 1))
        # Relative to every answer being wrong: a label gains log(p / wrong) per vote.
        scores[label] = scores.get(label, 0.0) + np.log(p) - wrong
    # Labels nobody gave share the base score; K - len(scores) of them.
    others = k - len(scores)
    label = min(scores, key=lambda item: (-scores[item], str(item)))
    logs = np.array([*scores.values(), *([0.0] * others)]) / temperature
    top = logs.max()
    weights = np.exp(logs - top)
    return label, float(np.exp(scores[label] / temperature - top) / weights.sum())
