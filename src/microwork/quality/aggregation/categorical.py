"""Categorical answer aggregation: from redundant noisy labels to one label per task.

Every method takes `(worker, task, label)` triples and returns a `CategoricalResult`: per task a
label and a confidence (the posterior probability of that label under the method's model), per
worker a skill. Answers are encoded once as integer index arrays and as a sparse one-hot matrix
A (tasks x workers*classes, `A[t, w*K + l]` = how often worker w answered l on task t).

Dawid-Skene, one-coin Dawid-Skene and MACE all describe a worker by a table P(answer l | true
label j), so every one of their EM iterations is two sparse products: the M-step's expected
counts `A.T @ posteriors` and the E-step's log-likelihoods `A @ log P`. GLAD's probabilities
depend on the task as well, so its steps are `np.bincount` calls over the answers. No Python loop
runs over answers (the loops that remain run over EM iterations).

EM stops when the log-likelihood per answer (with the method's priors) improves by less than
`tol`, the criterion crowd-kit uses, or after `max_iter` iterations.

Gold answers (`gold={task: label}`) are fixed truths: a gold task's posterior is pinned to its
known label before the first worker model is estimated and after every E-step, so gold both
initialises and keeps anchoring the worker models.

Determinism: tasks and workers keep their order of first appearance, classes are sorted, and
every method is a deterministic function of its input (the optional random restarts use a
seeded generator). Ties between labels (equal votes, or exactly equal posteriors) go to the
label that sorts first: "cat" before "dog", 0 before 1. Labels are compared as given, so "10"
sorts before "9" when labels are strings.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import digamma

Answer = tuple[Hashable, Hashable, Hashable]

# The smallest probability a model may give anything: keeps logs finite.
EPS = 1e-10


class UnknownMethod(ValueError):
    def __init__(self, method: str):
        super().__init__(f"unknown aggregation method {method!r}; choose one of {sorted(METHODS)}")
        self.method = method


def _sorted_labels(labels: Iterable[Hashable]) -> list:
    labels = set(labels)
    try:
        return sorted(labels)
    except TypeError:  # mixed types: any fixed total order will do
        return sorted(labels, key=lambda value: (type(value).__name__, repr(value)))


@dataclass(frozen=True, eq=False)
class Encoded:
    """Answers as parallel integer arrays, plus the values the integers stand for."""

    tasks: list
    workers: list
    classes: list
    task_idx: np.ndarray
    worker_idx: np.ndarray
    label_idx: np.ndarray
    gold_task_idx: np.ndarray
    gold_label_idx: np.ndarray

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def n_answers(self) -> int:
        return len(self.task_idx)

    def answer_matrix(self, weights: np.ndarray | None = None) -> sparse.csr_array:
        """A (tasks x workers*classes): the (weighted) count of each worker's answer l on task t
        in column w*K + l. Duplicate answers add up."""
        k = self.n_classes
        data = np.ones(self.n_answers) if weights is None else np.asarray(weights, dtype=float)
        return sparse.csr_array(
            (data, (self.task_idx, self.worker_idx * k + self.label_idx)),
            shape=(self.n_tasks, self.n_workers * k),
        )

    @cached_property
    def matrix(self) -> sparse.csr_array:
        return self.answer_matrix()


def _factorize(values: Sequence) -> tuple[list, np.ndarray]:
    """(distinct values in order of first appearance, index of each value among them)."""
    array = values if isinstance(values, np.ndarray) else None
    if (
        array is not None
        and array.ndim == 1
        and array.dtype.kind in "iu"
        and array.size
        and 0 <= array.min()
        and array.max() < 4 * array.size + 1024
    ):
        # Small non-negative integers (ids): a lookup table instead of a sort.
        first = np.full(int(array.max()) + 1, array.size, dtype=np.intp)
        np.minimum.at(first, array, np.arange(array.size))
        present = np.flatnonzero(first < array.size)
        order = present[np.argsort(first[present], kind="stable")]
        rank = np.empty(len(first), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return order.tolist(), rank[array]
    if array is not None and array.ndim == 1 and array.dtype.kind in "iubUS":
        uniques, first, inverse = np.unique(array, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return uniques[order].tolist(), rank[inverse.reshape(-1)]
    positions: dict = {}
    codes = [positions.setdefault(value, len(positions)) for value in values]
    return list(positions), np.array(codes, dtype=np.intp)


def encode_columns(
    workers: Sequence, tasks: Sequence, labels: Sequence, gold: dict | None = None
) -> Encoded:
    """Encode three parallel columns of answers; NumPy integer or string arrays take a
    vectorised path (np.unique), anything else a dict. Gold labels of tasks nobody answered
    are ignored."""
    task_list, task_idx = _factorize(tasks)
    worker_list, worker_idx = _factorize(workers)
    raw_classes, raw_label_idx = _factorize(labels)
    if len(task_idx) != len(worker_idx) or len(task_idx) != len(raw_label_idx):
        raise ValueError("workers, tasks and labels must have the same length")
    return encode_indices(
        worker_idx,
        task_idx,
        raw_label_idx,
        workers_list=worker_list,
        tasks_list=task_list,
        labels_list=raw_classes,
        gold=gold,
        compact_labels=False,
    )


def encode_indices(
    worker_idx: np.ndarray,
    task_idx: np.ndarray,
    label_idx: np.ndarray,
    *,
    workers_list: list,
    tasks_list: list,
    labels_list: list,
    gold: dict | None = None,
    compact_labels: bool = True,
) -> Encoded:
    """Encode answers already given as indices into `workers_list`, `tasks_list` and
    `labels_list` (every worker and task listed must have an answer). Classes are the labels
    used (every label listed, without `compact_labels`) and gold labels, sorted; gold labels of
    tasks nobody answered are ignored."""
    if compact_labels and len(labels_list):
        used = np.flatnonzero(np.bincount(label_idx, minlength=len(labels_list)))
        if len(used) < len(labels_list):
            new_index = np.full(len(labels_list), -1, dtype=np.intp)
            new_index[used] = np.arange(len(used))
            label_idx = new_index[label_idx]
            labels_list = [labels_list[i] for i in used.tolist()]
    task_pos = {task: i for i, task in enumerate(tasks_list)} if gold else {}
    gold_items = [
        (task_pos[task], label) for task, label in (gold or {}).items() if task in task_pos
    ]
    classes = _sorted_labels([*labels_list, *(label for _, label in gold_items)])
    class_pos = {label: i for i, label in enumerate(classes)}
    remap = np.array([class_pos[label] for label in labels_list], dtype=np.intp)
    return Encoded(
        tasks=tasks_list,
        workers=workers_list,
        classes=classes,
        task_idx=np.asarray(task_idx, dtype=np.intp),
        worker_idx=np.asarray(worker_idx, dtype=np.intp),
        label_idx=remap[label_idx] if len(remap) else np.asarray(label_idx, dtype=np.intp),
        gold_task_idx=np.array([t for t, _ in gold_items], dtype=np.intp),
        gold_label_idx=np.array([class_pos[label] for _, label in gold_items], dtype=np.intp),
    )


def encode(answers: Iterable[Answer], gold: dict | None = None) -> Encoded:
    """Turn `(worker, task, label)` triples into index arrays."""
    answers = answers if isinstance(answers, list | tuple) else list(answers)
    # Three comprehensions: zip(*answers) would pass a million arguments, several times slower.
    workers = [answer[0] for answer in answers]
    tasks = [answer[1] for answer in answers]
    labels = [answer[2] for answer in answers]
    return encode_columns(workers, tasks, labels, gold)


@dataclass(frozen=True, eq=False)
class CategoricalResult:
    """Per task: `labels`, `confidence` (posterior of the label), `n_answers`; per worker: `skills`.

    A worker's skill is, for every method, the expected share of their answers that are correct
    under the method's posteriors (gold tasks count with their known label), so skills compare
    across methods. The arrays are kept for callers that want to avoid building dicts.
    """

    method: str
    tasks: list
    workers: list
    classes: list
    posteriors: np.ndarray  # (tasks, classes), rows sum to 1
    label_idx: np.ndarray  # (tasks,)
    answer_counts: np.ndarray  # (tasks,)
    worker_skill: np.ndarray  # (workers,)
    iterations: int = 0
    # The model that produced the posteriors when the method chooses one (with gold:
    # choose_by_gold); the method's own name otherwise.
    model: str = ""

    @property
    def labels(self) -> dict:
        return {
            task: self.classes[i]
            for task, i in zip(self.tasks, self.label_idx.tolist(), strict=True)
        }

    @property
    def confidence(self) -> dict:
        chosen = self.posteriors[np.arange(len(self.tasks)), self.label_idx].tolist()
        return dict(zip(self.tasks, chosen, strict=True))

    @property
    def n_answers(self) -> dict:
        return dict(zip(self.tasks, self.answer_counts.tolist(), strict=True))

    @property
    def skills(self) -> dict:
        return dict(zip(self.workers, self.worker_skill.tolist(), strict=True))

    def probabilities(self, task) -> dict:
        row = self.posteriors[self.tasks.index(task)]
        return dict(zip(self.classes, row.tolist(), strict=True))

    def rows(self) -> Iterator[tuple[Any, Any, float, int]]:
        """Yield `(task, label, confidence, n_answers)` in task order."""
        chosen = self.posteriors[np.arange(len(self.tasks)), self.label_idx].tolist()
        for task, i, conf, n in zip(
            self.tasks, self.label_idx.tolist(), chosen, self.answer_counts.tolist(), strict=True
        ):
            yield task, self.classes[i], conf, n


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _counts(enc: Encoded, weights: np.ndarray | None = None) -> np.ndarray:
    """(tasks, classes) matrix of (weighted) votes."""
    k = enc.n_classes
    flat = enc.task_idx * k + enc.label_idx
    w = None if weights is None else weights[enc.worker_idx]
    return np.bincount(flat, weights=w, minlength=enc.n_tasks * k).reshape(enc.n_tasks, k)


def _clamp_gold(enc: Encoded, post: np.ndarray) -> np.ndarray:
    if enc.gold_task_idx.size:
        post[enc.gold_task_idx] = 0.0
        post[enc.gold_task_idx, enc.gold_label_idx] = 1.0
    return post


def _normalise_rows(m: np.ndarray) -> np.ndarray:
    sums = m.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    return m / sums


def _softmax_rows(logp: np.ndarray) -> tuple[np.ndarray, float]:
    """(row-wise softmax of `logp`, sum over rows of log sum exp): the posteriors of an
    E-step and the data log-likelihood they came with.

    The row reductions run as a loop over the few columns: NumPy reduces a long array of
    short rows along axis 1 several times slower than it adds up whole columns.
    """
    if logp.size == 0:
        return logp, 0.0
    top = logp[:, 0].copy()
    for j in range(1, logp.shape[1]):
        np.maximum(top, logp[:, j], out=top)
    p = logp - top[:, None]
    np.exp(p, out=p)
    sums = p[:, 0].copy()
    for j in range(1, p.shape[1]):
        sums += p[:, j]
    p /= sums[:, None]
    return p, float(top.sum() + np.log(sums).sum())


def _argmax_with_ties(scores: np.ndarray) -> np.ndarray:
    """Argmax per row; exact ties go to the class that sorts first (as crowd-kit's MV does)."""
    if scores.shape[1] == 0:
        return np.zeros(scores.shape[0], dtype=np.intp)
    return np.argmax(scores, axis=1)


def _expected_accuracy(
    enc: Encoded, post: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Per worker: the mean posterior probability that their answer is the true label, over
    their answers weighted by `weights` (all 1 by default)."""
    right = post[enc.task_idx, enc.label_idx]
    if weights is not None:
        right = right * weights
    total = np.bincount(enc.worker_idx, weights=weights, minlength=enc.n_workers)
    correct = np.bincount(enc.worker_idx, weights=right, minlength=enc.n_workers)
    return correct / np.maximum(total, 1e-12)


def _first_step_weights(enc: Encoded) -> np.ndarray | None:
    """Per-answer weights for the first M-step, or None without gold.

    A worker who answered at least MIN_GOLD_ANSWERS_FIRST gold tasks is first modelled on
    those answers alone, so a crowd that outvotes the truth cannot teach the models its
    mistake before gold has a say; any other worker starts from the majority vote (with the
    gold tasks' known labels) as usual. Before issue #20 one gold answer was enough, and a
    worker modelled first on one or two answers started from a confusion matrix of 0s and 1s:
    gold then lowered Dawid-Skene by up to 2 points on the simulated crowds
    (bench/aggregate_gold.py).
    """
    if not enc.gold_task_idx.size:
        return None
    is_gold = np.zeros(enc.n_tasks, dtype=bool)
    is_gold[enc.gold_task_idx] = True
    on_gold = is_gold[enc.task_idx]
    gold_answers = np.bincount(enc.worker_idx, weights=on_gold, minlength=enc.n_workers)
    enough = gold_answers >= MIN_GOLD_ANSWERS_FIRST
    if not enough.any():
        return None
    return (on_gold | ~enough[enc.worker_idx]).astype(float)


# A worker is first modelled on their gold answers alone from this many on.
MIN_GOLD_ANSWERS_FIRST = 3


# A lone answer's worker accuracy is shrunk towards the crowd's with this many pseudo-answers.
LONE_PRIOR_STRENGTH = 5.0


def _lone_answer_posteriors(enc: Encoded, post: np.ndarray, answer_counts: np.ndarray) -> None:
    """Replace, in place, the posteriors of tasks with a single answer (gold tasks aside).

    A lone answer says nothing about its worker: every model fits it perfectly, so EM reads
    it as proof of the worker's skill and reports 0.9-1.0, or lets a class prior pick a label
    nobody gave. Its posterior is instead the one-coin posterior under a uniform class prior:
    the answer's label gets the worker's accuracy, every other label an equal share of the
    rest. That accuracy is learned only from the worker's informative answers (on tasks with
    other answers, or gold), as the expected share right under the method's posteriors, and
    shrunk towards the crowd's mean with LONE_PRIOR_STRENGTH pseudo-answers. With no
    informative answer anywhere the crowd's mean is chance, 1/K: a lone answer from an
    unknown crowd cannot raise the confidence above chance.
    """
    k = enc.n_classes
    lone_task = answer_counts == 1
    if enc.gold_task_idx.size:
        lone_task[enc.gold_task_idx] = False
    if k <= 1 or not lone_task.any():
        return
    informative = ~lone_task[enc.task_idx]
    right = post[enc.task_idx, enc.label_idx] * informative
    n_inf = np.bincount(enc.worker_idx, weights=informative, minlength=enc.n_workers)
    r_inf = np.bincount(enc.worker_idx, weights=right, minlength=enc.n_workers)
    total = n_inf.sum()
    crowd = float(r_inf.sum() / total) if total else 1.0 / k
    accuracy = (r_inf + LONE_PRIOR_STRENGTH * crowd) / (n_inf + LONE_PRIOR_STRENGTH)
    lone_answers = np.flatnonzero(lone_task[enc.task_idx])
    tasks = enc.task_idx[lone_answers]
    chosen = accuracy[enc.worker_idx[lone_answers]]
    post[tasks] = ((1.0 - chosen) / (k - 1))[:, None]
    post[tasks, enc.label_idx[lone_answers]] = chosen


def _given_argmax(enc: Encoded, post: np.ndarray) -> np.ndarray:
    """Per task, the most probable label among those some worker gave it (or its gold label).

    A model may put more mass on a label nobody gave (a learned class prior, a worker's
    confusion matrix); the label returned is still one a worker gave, and its confidence is
    its own posterior, so the mass on the other labels reads as doubt.
    """
    k = enc.n_classes
    if k == 0:
        return np.zeros(enc.n_tasks, dtype=np.intp)
    given = np.zeros(enc.n_tasks * k, dtype=bool)
    given[enc.task_idx * k + enc.label_idx] = True
    given = given.reshape(enc.n_tasks, k)
    if enc.gold_task_idx.size:
        given[enc.gold_task_idx, enc.gold_label_idx] = True
    # Posteriors lie in [0, 1]: -1 puts every label nobody gave below any given one.
    return _argmax_with_ties(np.where(given, post, -1.0))


def _result(enc: Encoded, method: str, post: np.ndarray, iterations: int = 0) -> CategoricalResult:
    answer_counts = np.bincount(enc.task_idx, minlength=enc.n_tasks)
    _lone_answer_posteriors(enc, post, answer_counts)
    return CategoricalResult(
        method=method,
        tasks=enc.tasks,
        workers=enc.workers,
        classes=enc.classes,
        posteriors=post,
        label_idx=_given_argmax(enc, post),
        answer_counts=answer_counts,
        worker_skill=_expected_accuracy(enc, post),
        iterations=iterations,
        model=method,
    )


def _mv_posteriors(enc: Encoded) -> np.ndarray:
    return _clamp_gold(enc, _normalise_rows(_counts(enc)))


def _wawa_weights(enc: Encoded, mv_labels: np.ndarray) -> np.ndarray:
    """Per worker: the share of their answers equal to the majority vote."""
    agrees = (mv_labels[enc.task_idx] == enc.label_idx).astype(float)
    total = np.bincount(enc.worker_idx, minlength=enc.n_workers)
    return np.bincount(enc.worker_idx, weights=agrees, minlength=enc.n_workers) / np.maximum(
        total, 1
    )


def _expected_counts(enc: Encoded, post: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """(workers, K answered, K true): the expected number of times each worker gave answer l
    when the truth was j, under posteriors `post` (answers weighted by `weights`)."""
    k = enc.n_classes
    matrix = enc.matrix if weights is None else enc.answer_matrix(weights)
    # matrix.T is a CSC view: the product reads the posteriors in order and scatters into
    # the small (workers*K, K) result, four times faster than a CSR transpose's gather.
    return np.asarray(matrix.T @ post).reshape(enc.n_workers, k, k)


def _log_likelihoods(
    enc: Encoded, log_prior: np.ndarray, log_table: np.ndarray, matrix=None
) -> np.ndarray:
    """(tasks, K) log P(truth j, the task's answers) for per-worker tables log P(answer l |
    truth j) given as (workers, K answered, K true); `matrix`, a weighted `enc.answer_matrix`,
    scales each answer's log-likelihood by its weight."""
    k = enc.n_classes
    matrix = enc.matrix if matrix is None else matrix
    logpost = np.asarray(matrix @ log_table.reshape(enc.n_workers * k, k))
    logpost += log_prior
    return logpost


def _em(
    enc: Encoded,
    init: np.ndarray,
    m_step: Callable[[np.ndarray, np.ndarray | None], Any],
    e_step: Callable[[Any], tuple[np.ndarray, float]],
    *,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, float, int]:
    """Alternate M and E steps from posteriors `init` until the objective (the E-step's log
    likelihood with the method's priors) changes by less than `tol` per answer.

    The first M-step weighs answers by `_first_step_weights` (gold first), the others evenly.
    `e_step` returns log posteriors up to a constant per task and the objective less the data
    log-likelihood (the log prior of the parameters, 0 for none).
    Returns (posteriors, the objective of the last E-step, iterations).
    """
    post = init
    weights = _first_step_weights(enc)
    objective = -np.inf
    iterations = 0
    per_answer = max(enc.n_answers, 1)
    while iterations < max_iter:
        iterations += 1
        params = m_step(post, weights)
        weights = None
        logpost, penalty = e_step(params)
        post, evidence = _softmax_rows(logpost)
        post = _clamp_gold(enc, post)
        previous, objective = objective, evidence + penalty
        if abs(objective - previous) < tol * per_answer:
            break
    return post, objective, iterations


def _random_posteriors(enc: Encoded, rng: np.random.Generator) -> np.ndarray:
    post = rng.dirichlet(np.ones(enc.n_classes), size=enc.n_tasks)
    # Lean towards the votes so a restart explores near plausible answers, not anywhere.
    return _clamp_gold(enc, _normalise_rows(post + _counts(enc)))


def _best_of_restarts(enc, run, *, restarts: int, seed: int, init: np.ndarray | None = None):
    """Run `run(init)` from `init` (the majority vote by default) and from `restarts` seeded
    random starts; keep the run with the highest objective (penalised log-likelihood)."""
    best = run(_mv_posteriors(enc) if init is None else init)
    rng = np.random.default_rng(seed)
    for _ in range(restarts):
        candidate = run(_random_posteriors(enc, rng))
        if candidate[1] > best[1]:
            best = candidate
    return best


# ---------------------------------------------------------------------------------------------
# Methods


def _weighted_mv_posteriors(enc: Encoded, worker_weights: np.ndarray | None) -> np.ndarray:
    """The majority vote with each worker's votes weighted (quality rules' LOWER_WEIGHT); a
    task answered only by workers of weight 0 falls back to its plain votes."""
    if worker_weights is None:
        return _mv_posteriors(enc)
    counts = _counts(enc, worker_weights)
    empty = counts.sum(axis=1) == 0
    if empty.any():
        counts[empty] = _counts(enc)[empty]
    return _clamp_gold(enc, _normalise_rows(counts))


def majority_vote(enc: Encoded, *, worker_weights: np.ndarray | None = None) -> CategoricalResult:
    """The most frequent label; confidence is its share of the task's votes. `worker_weights`
    (one per worker, 1 by default) weigh each worker's votes."""
    return _result(enc, "majority_vote", _weighted_mv_posteriors(enc, worker_weights))


def _wawa_posteriors(enc: Encoded, worker_weights: np.ndarray | None = None) -> np.ndarray:
    mv = _weighted_mv_posteriors(enc, worker_weights)
    weights = _wawa_weights(enc, _argmax_with_ties(mv))
    if worker_weights is not None:
        weights = weights * worker_weights
    post = _clamp_gold(enc, _normalise_rows(_counts(enc, weights)))
    # A task whose every answer comes from a worker weighted 0 falls back to its plain votes.
    empty = post.sum(axis=1) == 0
    if empty.any():
        post[empty] = mv[empty]
    return post


def wawa(enc: Encoded, *, worker_weights: np.ndarray | None = None) -> CategoricalResult:
    """Worker Agreement With Aggregate: weigh each worker by their agreement with the majority
    vote (on gold tasks, with gold), then take the weighted vote. `worker_weights` weigh the
    majority vote and multiply each worker's agreement weight."""
    return _result(enc, "wawa", _wawa_posteriors(enc, worker_weights))


# A worker's one-coin accuracy (the centre of the shrinkage below) is itself shrunk towards the
# crowd's with this many pseudo-answers, as one-coin DS does.
COIN_ACCURACY_STRENGTH = 10.0


def _one_coin_shape(counts: np.ndarray) -> np.ndarray:
    """(workers, K answered, K true): each worker's confusion matrix if they were a one-coin
    worker, the centre towards which `coin_prior` shrinks their full matrix.

    The diagonal is the worker's accuracy over all their answers, shrunk towards the crowd's
    with COIN_ACCURACY_STRENGTH pseudo-answers; the errors are spread like the crowd's errors
    for that true class (not uniformly: a crowd that mistakes "2" for "1" more than for "3"
    keeps that shape). One number per worker is learned from all their answers at once, so a
    worker seen on three tasks gets a sensible matrix; a worker seen on many keeps their own.
    """
    k = counts.shape[1]
    diagonal = np.arange(k)
    right = counts[:, diagonal, diagonal].sum(axis=1)
    total = counts.sum(axis=(1, 2))
    crowd_accuracy = float(right.sum() / max(total.sum(), 1e-12))
    accuracy = (right + COIN_ACCURACY_STRENGTH * crowd_accuracy) / (total + COIN_ACCURACY_STRENGTH)
    errors = counts.sum(axis=0) + 1e-3  # (answered, true) over the crowd
    errors[diagonal, diagonal] = 0.0
    errors /= errors.sum(axis=0, keepdims=True)
    shape = (1.0 - accuracy)[:, None, None] * errors[None, :, :]
    shape[:, diagonal, diagonal] = accuracy[:, None]
    return shape


def _dawid_skene_fit(
    enc: Encoded,
    *,
    smoothing: float,
    pooling: float,
    max_iter: int,
    tol: float,
    worker_weights: np.ndarray | None = None,
    coin_prior: float = 0.0,
) -> tuple[np.ndarray, int]:
    k, t_n = enc.n_classes, enc.n_tasks
    # Weights temper each worker's evidence: an answer of weight 0.5 counts as half an
    # observation in the starting vote, the confusion counts and the log-likelihoods.
    answer_weight = None if worker_weights is None else worker_weights[enc.worker_idx]
    weighted = None if answer_weight is None else enc.answer_matrix(answer_weight)

    def m_step(post, weights):
        if answer_weight is not None:
            weights = answer_weight if weights is None else weights * answer_weight
        prior = (post.sum(axis=0) + smoothing) / (t_n + k * smoothing)
        counts = _expected_counts(enc, post, weights)
        table = counts + smoothing
        if pooling:
            crowd = counts.sum(axis=0) + smoothing
            table += pooling * crowd / crowd.sum(axis=0, keepdims=True)
        if coin_prior:
            table += coin_prior * _one_coin_shape(counts)
        table /= table.sum(axis=1, keepdims=True)
        return np.log(np.maximum(prior, EPS)), np.log(np.maximum(table, EPS))

    def e_step(params):
        log_prior, log_table = params
        return _log_likelihoods(enc, log_prior, log_table, weighted), 0.0

    init = _weighted_mv_posteriors(enc, worker_weights)
    post, _, iterations = _em(enc, init, m_step, e_step, max_iter=max_iter, tol=tol)
    return post, iterations


def dawid_skene(
    enc: Encoded,
    *,
    smoothing: float = 0.01,
    pooling: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-5,
    worker_weights: np.ndarray | None = None,
    coin_prior: float = 0.0,
) -> CategoricalResult:
    """Dawid & Skene (1979): a full confusion matrix per worker, fitted by EM from the majority
    vote. `worker_weights` (one per worker, 1 by default) temper each worker's evidence. `smoothing` is a pseudo-count added to every confusion cell (a flat Dirichlet prior),
    so a worker seen on few tasks of a class does not get a 0 or 1 probability.

    `pooling` (0 by default, as in Dawid & Skene and crowd-kit) adds that many pseudo-answers
    per true class spread like the whole crowd's confusion matrix: partial pooling, which pulls
    a worker seen a few times towards the crowd and leaves a worker seen often as they are.
    """
    post, iterations = _dawid_skene_fit(
        enc,
        smoothing=smoothing,
        pooling=pooling,
        max_iter=max_iter,
        tol=tol,
        worker_weights=worker_weights,
        coin_prior=coin_prior,
    )
    return _result(enc, "dawid_skene", post, iterations)


def _one_coin_table(p_right: np.ndarray, k: int) -> np.ndarray:
    """(workers, K, K) log P(answer l | truth j): right with p_right[w], otherwise any of the
    other K-1 labels alike."""
    p_right = np.clip(p_right, EPS, 1 - EPS)
    log_wrong = np.log((1 - p_right) / max(k - 1, 1))
    table = np.repeat(log_wrong[:, None, None], k, axis=1).repeat(k, axis=2)
    diagonal = np.arange(k)
    table[:, diagonal, diagonal] = np.log(p_right)[:, None]
    return table


def _one_coin_e_step(enc: Encoded, log_prior, p_right: np.ndarray) -> np.ndarray:
    """Log posteriors when answer i is right with probability p_right[i] (a per-answer array)
    and otherwise any of the other K-1 labels alike."""
    k = enc.n_classes
    p_right = np.clip(p_right, EPS, 1 - EPS)
    log_right = np.log(p_right)
    log_wrong = np.log((1 - p_right) / max(k - 1, 1))
    base = np.bincount(enc.task_idx, weights=log_wrong, minlength=enc.n_tasks)
    bonus = np.bincount(
        enc.task_idx * k + enc.label_idx,
        weights=log_right - log_wrong,
        minlength=enc.n_tasks * k,
    ).reshape(enc.n_tasks, k)
    return log_prior[None, :] + base[:, None] + bonus


def one_coin_dawid_skene(
    enc: Encoded,
    *,
    prior_strength: float = 10.0,
    max_iter: int = 100,
    tol: float = 1e-5,
    restarts: int = 0,
    seed: int = 0,
    learn_prior: bool = False,
) -> CategoricalResult:
    """One-coin Dawid-Skene: each worker is right with one probability, wrong labels uniform.

    One-coin EM drifts to bad optima on class-biased crowds (crowd-kit's reaches 0.258 on
    S_Rel, 0.583 on Duck): a learned class prior and the accuracies of workers who overuse one
    label reinforce each other until that label wins everywhere. Guards: EM starts from the
    majority vote; the class prior stays uniform unless `learn_prior`; each worker's accuracy
    has a Beta prior worth `prior_strength` answers at the crowd's mean agreement with the
    majority vote; `restarts` seeded random starts are kept only if their penalised likelihood
    is higher. docs/quality-aggregation.md has what each guard bought.
    """
    k, t_n = enc.n_classes, enc.n_tasks
    diagonal = np.arange(k)
    # Shrink each worker towards the crowd's mean agreement with the majority vote.
    mean = float(np.clip(_expected_accuracy(enc, _mv_posteriors(enc)).mean(), 0.05, 0.95))
    a, b = prior_strength * mean, prior_strength * (1 - mean)

    def m_step(post, weights):
        prior = (post.sum(axis=0) + 1.0) / (t_n + k) if learn_prior else np.full(k, 1.0 / k)
        counts = _expected_counts(enc, post, weights)
        correct = counts[:, diagonal, diagonal].sum(axis=1)
        answered = counts.sum(axis=(1, 2))
        accuracy = (correct + a) / (answered + a + b)
        return np.log(prior), accuracy

    def e_step(params):
        log_prior, accuracy = params
        logpost = _log_likelihoods(enc, log_prior, _one_coin_table(accuracy, k))
        acc = np.clip(accuracy, EPS, 1 - EPS)
        return logpost, float((a * np.log(acc) + b * np.log(1 - acc)).sum())

    def run(init):
        return _em(enc, init, m_step, e_step, max_iter=max_iter, tol=tol)

    post, _, iterations = _best_of_restarts(enc, run, restarts=restarts, seed=seed)
    return _result(enc, "one_coin_ds", post, iterations)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def glad(
    enc: Encoded,
    *,
    alpha_prior: tuple[float, float] = (1.0, 1.0),
    log_beta_prior: tuple[float, float] = (0.0, 1.0),
    max_iter: int = 100,
    tol: float = 1e-5,
    newton_steps: int = 2,
    learn_prior: bool = False,
) -> CategoricalResult:
    """GLAD (Whitehill et al. 2009): answer right with probability sigmoid(alpha_w * beta_t),
    worker ability alpha (may be negative: adversarial) and task easiness beta = exp(b) > 0.

    The M-step takes a few diagonal Newton steps on alpha and b under Gaussian priors
    N(mean, variance) given by `alpha_prior` and `log_beta_prior`; it starts from the majority
    vote with alpha set from each worker's agreement with it.
    """
    k, t_n = enc.n_classes, enc.n_tasks
    t, w = enc.task_idx, enc.worker_idx
    a_mean, a_var = alpha_prior
    b_mean, b_var = log_beta_prior
    mv_post = _mv_posteriors(enc)
    start_acc = np.clip(_expected_accuracy(enc, mv_post, _first_step_weights(enc)), 0.05, 0.95)
    state = {
        "alpha": np.log(start_acc / (1 - start_acc)),
        "b": np.full(t_n, b_mean),
    }

    def m_step(post, weights):
        prior = (post.sum(axis=0) + 1.0) / (t_n + k) if learn_prior else np.full(k, 1.0 / k)
        q = post[t, enc.label_idx]
        weight = 1.0 if weights is None else weights
        alpha, b = state["alpha"], state["b"]
        for _ in range(newton_steps):
            beta_t = np.exp(b)[t]
            s = _sigmoid(alpha[w] * beta_t)
            g = (q - s) * weight
            curvature = s * (1 - s) * weight
            grad = np.bincount(w, weights=g * beta_t, minlength=enc.n_workers)
            grad -= (alpha - a_mean) / a_var
            hess = np.bincount(w, weights=curvature * beta_t**2, minlength=enc.n_workers)
            alpha = alpha + np.clip(grad / (hess + 1.0 / a_var), -1.0, 1.0)

            x = alpha[w] * beta_t
            s = _sigmoid(x)
            g = (q - s) * weight
            grad = np.bincount(t, weights=g * x, minlength=t_n) - (b - b_mean) / b_var
            hess = np.bincount(t, weights=s * (1 - s) * x**2 * weight, minlength=t_n)
            b = b + np.clip(grad / (hess + 1.0 / b_var), -1.0, 1.0)
        state["alpha"], state["b"] = alpha, b
        return np.log(prior), alpha, b

    def e_step(params):
        log_prior, alpha, b = params
        logpost = _one_coin_e_step(enc, log_prior, _sigmoid(alpha[w] * np.exp(b)[t]))
        penalty = -0.5 * (((alpha - a_mean) ** 2).sum() / a_var + ((b - b_mean) ** 2).sum() / b_var)
        return logpost, float(penalty)

    post, _, iterations = _em(enc, mv_post, m_step, e_step, max_iter=max_iter, tol=tol)
    return _result(enc, "glad", post, iterations)


def _mace_fit(
    enc: Encoded,
    *,
    smoothing: float,
    max_iter: int,
    tol: float,
    restarts: int,
    seed: int,
    learn_prior: bool,
    theta_prior: tuple[float, float] | None = None,
    strategy_prior: float | None = None,
    variational: bool = False,
    start: str = "majority",
    strategy_pooling: float = 0.0,
    know_pooling: float = 0.0,
) -> tuple[np.ndarray, int]:
    k, t_n = enc.n_classes, enc.n_tasks
    diagonal = np.arange(k)
    log_uniform = np.full(k, -np.log(max(k, 1)))
    know_prior, spam_prior = (smoothing, smoothing) if theta_prior is None else theta_prior
    xi_prior = smoothing if strategy_prior is None else strategy_prior
    state: dict = {}

    def m_step(post, weights):
        counts = _expected_counts(enc, post, weights)  # (w, answered l, true j)
        right = counts[:, diagonal, diagonal]  # expected answers l given when the truth was l
        given = counts.sum(axis=2)  # answers l given
        if "know" not in state:
            # First step: competence from agreement with the start, strategy from label use.
            state["know"] = np.clip(
                right.sum(axis=1) / np.maximum(given.sum(axis=1), 1e-12), 0.05, 0.95
            )
            state["spam"] = 1 - state["know"]
            use = _counts_by_worker(enc) + smoothing
            state["xi"] = use / use.sum(axis=1, keepdims=True)
        know, spam_p, xi = state["know"], state["spam"], state["xi"]
        # Of the answers l that were right, the share given knowingly rather than by spamming.
        knows = know[:, None] / np.maximum(know[:, None] + spam_p[:, None] * xi, EPS)
        competent = right * knows
        spam = given - competent
        total, competent_total = given.sum(axis=1), competent.sum(axis=1)
        if variational:
            # Variational Bayes (crowd-kit's default): exp(digamma(count + prior)) over
            # exp(digamma(total + priors)), which shrinks workers seen on few answers harder.
            norm = digamma(total + know_prior + spam_prior)
            know = np.exp(digamma(competent_total + know_prior) - norm)
            spam_p = np.exp(digamma(total - competent_total + spam_prior) - norm)
            xi = np.exp(
                digamma(spam + xi_prior) - digamma((spam + xi_prior).sum(axis=1, keepdims=True))
            )
        else:
            if know_pooling:
                # Partial pooling of competence: pseudo-answers at the crowd's knowing rate,
                # so a worker seen on three answers is not judged on those three alone.
                crowd_know = competent_total.sum() / max(total.sum(), EPS)
                know = (competent_total + know_prior + know_pooling * crowd_know) / (
                    total + know_prior + spam_prior + know_pooling
                )
            else:
                know = (competent_total + know_prior) / (total + know_prior + spam_prior)
            spam_p = 1 - know
            xi = spam + xi_prior
            if strategy_pooling:
                # Partial pooling: pseudo-answers spread like the whole crowd's spamming.
                crowd = spam.sum(axis=0) + xi_prior
                xi = xi + strategy_pooling * crowd / crowd.sum()
            xi /= xi.sum(axis=1, keepdims=True)
        state["know"], state["spam"], state["xi"] = know, spam_p, xi
        log_prior = np.log((post.sum(axis=0) + 1.0) / (t_n + k)) if learn_prior else log_uniform
        return know, spam_p, xi, log_prior

    def e_step(params):
        know, spam_p, xi, log_prior = params
        table = (spam_p[:, None] * xi)[:, :, None].repeat(k, axis=2)  # (w, l, j)
        table[:, diagonal, diagonal] += know[:, None]
        return _log_likelihoods(enc, log_prior, np.log(np.maximum(table, EPS))), 0.0

    def run(init):
        state.clear()
        return _em(enc, init, m_step, e_step, max_iter=max_iter, tol=tol)

    init = None
    if start == "soft":
        # crowd-kit's start: every worker knows half the time and spams uniformly, i.e. a
        # vote where each answer multiplies its label's odds by K + 1.
        init = _clamp_gold(enc, _softmax_rows(_counts(enc) * np.log(k + 1.0))[0])
    post, _, iterations = _best_of_restarts(enc, run, restarts=restarts, seed=seed, init=init)
    return post, iterations


def mace(
    enc: Encoded,
    *,
    smoothing: float = 0.01,
    max_iter: int = 100,
    tol: float = 1e-5,
    restarts: int = 0,
    seed: int = 0,
    learn_prior: bool = False,
    theta_prior: tuple[float, float] | None = None,
    strategy_prior: float | None = None,
    variational: bool = False,
    start: str = "majority",
    strategy_pooling: float = 0.0,
    know_pooling: float = 0.0,
) -> CategoricalResult:
    """MACE (Hovy et al. 2013): a worker either knows the answer (probability theta_w) and
    gives it, or spams a label drawn from their own strategy xi_w. True labels have a uniform
    prior, as in MACE, unless `learn_prior`. EM from the majority vote, `smoothing`
    pseudo-counts on theta and xi; optional seeded restarts kept by likelihood.

    crowd-kit's MACE differs in its priors and start; these options reproduce each piece
    (docs/quality-aggregation.md, "MACE against crowd-kit's"): `theta_prior=(know, spam)`
    pseudo-counts on theta (crowd-kit: (0.5, 0.5)), `strategy_prior` pseudo-counts per label
    on xi (crowd-kit: 10), `variational=True` for its variational-Bayes M-step, and
    `start="soft"` for its start (every worker half knowing, half spamming uniformly).
    `strategy_pooling` and `know_pooling` add that many pseudo-answers spread like the crowd's
    spamming and at the crowd's knowing rate (partial pooling; bench/aggregate_robust.py
    measures them, off by default)."""
    post, iterations = _mace_fit(
        enc,
        smoothing=smoothing,
        max_iter=max_iter,
        tol=tol,
        restarts=restarts,
        seed=seed,
        learn_prior=learn_prior,
        theta_prior=theta_prior,
        strategy_prior=strategy_prior,
        variational=variational,
        start=start,
        strategy_pooling=strategy_pooling,
        know_pooling=know_pooling,
    )
    return _result(enc, "mace", post, iterations)


def ds_mace(
    enc: Encoded,
    *,
    pooling: float = 2.0,
    max_iter: int = 100,
    tol: float = 1e-5,
    worker_weights: np.ndarray | None = None,
) -> CategoricalResult:
    """The default: the normalised geometric mean of two models' posteriors, Dawid-Skene with
    `pooling` (class-biased workers) and MACE with a learned class prior (spammers).

    Each model covers the other's blind spot: a confusion matrix per worker needs many answers
    per worker and overfits sparse crowds, MACE cannot represent a worker who confuses two
    particular classes. Where they disagree the more confident one wins, and a task both
    models are unsure of stays unsure. docs/quality-aggregation.md has how it was chosen.
    `worker_weights` temper the workers' evidence in the Dawid-Skene half only.
    """
    ds_post, ds_iterations = _dawid_skene_fit(
        enc,
        smoothing=0.01,
        pooling=pooling,
        max_iter=max_iter,
        tol=tol,
        worker_weights=worker_weights,
    )
    mace_post, mace_iterations = _mace_fit(
        enc, smoothing=0.01, max_iter=max_iter, tol=tol, restarts=0, seed=0, learn_prior=True
    )
    log_mean = 0.5 * (np.log(np.maximum(ds_post, EPS)) + np.log(np.maximum(mace_post, EPS)))
    post, _ = _softmax_rows(log_mean)
    return _result(enc, "ds_mace", _clamp_gold(enc, post), ds_iterations + mace_iterations)


def shrunk_ds_mace(
    enc: Encoded,
    *,
    coin_prior: float = 10.0,
    max_iter: int = 100,
    tol: float = 1e-5,
    worker_weights: np.ndarray | None = None,
) -> CategoricalResult:
    """The fixed robust ensemble (issue #20), `auto`'s first candidate: the normalised
    geometric mean of the posteriors of Dawid-Skene shrunk towards one-coin (`coin_prior`
    pseudo-answers per true class centred on the worker's one-coin matrix,
    `_one_coin_shape`) and MACE with a learned class prior.

    The shrinkage is what changed from `ds_mace` (whose DS half pools towards the crowd's
    matrix instead): a worker seen on a few tasks is described by one accuracy, learned from
    all their answers, rather than by K x K cells fitted to noise, which is where full
    confusion matrices lost on sparse crowds with spammers; a worker seen on many tasks keeps
    their own matrix. MACE covers spammers and one-label workers. Chosen by minimax regret
    over the shared data sets and simulated stress regimes (bench/aggregate_robust.py;
    docs/quality-aggregation.md). `worker_weights` temper the DS half only, as in ds_mace.
    """
    ds_post, mace_post, iterations = _shrunk_ds_and_mace(
        enc, coin_prior=coin_prior, max_iter=max_iter, tol=tol, worker_weights=worker_weights
    )
    result = ensemble(enc, [ds_post, mace_post], "shrunk_ds_mace")
    return replace(result, iterations=iterations)


def _shrunk_ds_and_mace(
    enc: Encoded,
    *,
    coin_prior: float,
    max_iter: int,
    tol: float,
    worker_weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The raw posteriors of shrunk_ds_mace's two halves, and their iterations together."""
    ds_post, ds_iterations = _dawid_skene_fit(
        enc,
        smoothing=0.01,
        pooling=0.0,
        max_iter=max_iter,
        tol=tol,
        worker_weights=worker_weights,
        coin_prior=coin_prior,
    )
    mace_post, mace_iterations = _mace_fit(
        enc, smoothing=0.01, max_iter=max_iter, tol=tol, restarts=0, seed=0, learn_prior=True
    )
    return ds_post, mace_post, ds_iterations + mace_iterations


def ensemble(enc: Encoded, posteriors: Sequence[np.ndarray], method: str) -> CategoricalResult:
    """The normalised geometric mean of several models' posteriors on `enc` (gold pinned)."""
    log_mean = sum(np.log(np.maximum(p, EPS)) for p in posteriors) / len(posteriors)
    post, _ = _softmax_rows(log_mean)
    return _result(enc, method, _clamp_gold(enc, post))


def _counts_by_worker(enc: Encoded) -> np.ndarray:
    """(workers, K): how often each worker gave each label."""
    k = enc.n_classes
    return np.bincount(enc.worker_idx * k + enc.label_idx, minlength=enc.n_workers * k).reshape(
        enc.n_workers, k
    )


# The per-batch choice (`auto`, issue #20). Every constant was fixed before its first run
# (bench/aggregate_choice.py); docs/quality-aggregation.md has what it measured.
AUTO_CANDIDATES = ("shrunk_ds_mace", "dawid_skene coin_prior=10", "dawid_skene", "one_coin_ds")
AUTO_FOLDS = 5
# Another candidate replaces shrunk_ds_mace only for a held-out gain over this many standard
# errors, so noise does not move the choice.
AUTO_MARGIN_SE = 2.0
# Larger batches choose on a seeded sample of whole tasks with about this many answers, and
# score whole folds only until this many held-out answers are scored (every fold of a batch
# up to 5,000 answers, one of the 25,000-answer sample): each fold scored costs four fits on
# 80% of the sample, so at 1M answers the choice costs about a quarter of the final fit.
AUTO_MAX_ANSWERS = 25_000
AUTO_SCORED_ANSWERS = 5_000


def _subset(enc: Encoded, keep: np.ndarray) -> Encoded:
    """`enc` restricted to the answers selected by the boolean mask `keep`, its tasks and
    workers renumbered in their order (classes unchanged)."""
    kept_tasks, task_idx = np.unique(enc.task_idx[keep], return_inverse=True)
    kept_workers, worker_idx = np.unique(enc.worker_idx[keep], return_inverse=True)
    position = np.full(enc.n_tasks, -1, dtype=np.intp)
    position[kept_tasks] = np.arange(len(kept_tasks))
    gold_task = position[enc.gold_task_idx]
    has_gold = gold_task >= 0
    return Encoded(
        tasks=[enc.tasks[i] for i in kept_tasks.tolist()],
        workers=[enc.workers[i] for i in kept_workers.tolist()],
        classes=enc.classes,
        task_idx=task_idx.reshape(-1).astype(np.intp),
        worker_idx=worker_idx.reshape(-1).astype(np.intp),
        label_idx=enc.label_idx[keep],
        gold_task_idx=gold_task[has_gold],
        gold_label_idx=enc.gold_label_idx[has_gold],
    )


def _auto_candidates(
    enc: Encoded, worker_weights: np.ndarray | None, *, max_iter: int, tol: float
) -> dict[str, CategoricalResult]:
    """Each candidate of `auto` fitted on `enc`; shrunk_ds_mace shares its DS half with the
    shrunk DS candidate. With `worker_weights`, one-coin DS (which cannot honour them) is
    left out."""
    ds_post, mace_post, _ = _shrunk_ds_and_mace(
        enc, coin_prior=10.0, max_iter=max_iter, tol=tol, worker_weights=worker_weights
    )
    fitted = {
        "shrunk_ds_mace": ensemble(enc, [ds_post, mace_post], "shrunk_ds_mace"),
        # _result adjusts lone-answer posteriors in place: the ensemble above used the raw ones.
        "dawid_skene coin_prior=10": _result(enc, "dawid_skene", ds_post.copy()),
        "dawid_skene": dawid_skene(enc, max_iter=max_iter, tol=tol, worker_weights=worker_weights),
    }
    if worker_weights is None:
        fitted["one_coin_ds"] = one_coin_dawid_skene(enc, max_iter=max_iter, tol=tol)
    return fitted


def held_out_log_likelihoods(
    enc: Encoded,
    worker_weights: np.ndarray | None = None,
    *,
    max_iter: int = 100,
    tol: float = 1e-5,
) -> dict[str, np.ndarray]:
    """Per candidate of `auto`: the log-likelihood of each scored answer of `enc` when it was
    held out (every answer of a batch up to AUTO_SCORED_ANSWERS, else those of the first
    folds that reach it, in the order of `enc`).

    The answers are split into AUTO_FOLDS folds by a seeded permutation. Each candidate is
    fitted on the other folds; an answer (w, t, l) of the fold is scored
    log sum_k q_t(k) T_w(l | k), q_t the candidate's posterior of t from the training answers
    (a task with none: the candidate's mean posterior) and T_w worker w's shrunk Dawid-Skene
    table under q (10 pseudo-answers towards their one-coin matrix; a worker with no training
    answer gets the crowd's). One worker model for every candidate, so they are compared on
    how well their truths explain answers they did not see.
    """
    fold = np.random.default_rng(0).permutation(enc.n_answers) % AUTO_FOLDS
    per_fold = max(enc.n_answers / AUTO_FOLDS, 1.0)
    n_scored = min(AUTO_FOLDS, int(np.ceil(AUTO_SCORED_ANSWERS / per_fold)))
    scored = fold < n_scored
    scores: dict[str, np.ndarray] = {}
    for f in range(n_scored):
        held = fold == f
        train = replace(
            enc,
            task_idx=enc.task_idx[~held],
            worker_idx=enc.worker_idx[~held],
            label_idx=enc.label_idx[~held],
        )
        answered = np.bincount(train.task_idx, minlength=enc.n_tasks) > 0
        tasks, workers, labels = enc.task_idx[held], enc.worker_idx[held], enc.label_idx[held]
        fitted = _auto_candidates(train, worker_weights, max_iter=max_iter, tol=tol)
        for name, result in fitted.items():
            q = np.array(result.posteriors, dtype=float)
            if answered.any():
                q[~answered] = q[answered].mean(axis=0)
            counts = _expected_counts(train, q, None)  # (workers, answered, true)
            table = counts + 0.01 + COIN_ACCURACY_STRENGTH * _one_coin_shape(counts)
            table /= table.sum(axis=1, keepdims=True)
            p = (q[tasks] * table[workers, labels, :]).sum(axis=1)
            scores.setdefault(name, np.zeros(enc.n_answers))[held] = np.log(np.maximum(p, EPS))
    return {name: per_answer[scored] for name, per_answer in scores.items()}


def auto_choice(enc: Encoded, worker_weights: np.ndarray | None = None, **fit) -> str:
    """The candidate `auto` picks for `enc`: shrunk_ds_mace unless another explains the
    held-out answers better by more than AUTO_MARGIN_SE standard errors (paired per answer);
    of those, the largest gain. A batch of more than AUTO_MAX_ANSWERS answers chooses on a
    seeded sample of whole tasks."""
    sample, weights = enc, worker_weights
    if enc.n_answers > AUTO_MAX_ANSWERS:
        per_task = np.bincount(enc.task_idx, minlength=enc.n_tasks)
        order = np.random.default_rng(0).permutation(enc.n_tasks)
        chosen = order[: int(np.searchsorted(np.cumsum(per_task[order]), AUTO_MAX_ANSWERS)) + 1]
        keep = np.zeros(enc.n_tasks, dtype=bool)
        keep[chosen] = True
        mask = keep[enc.task_idx]
        sample = _subset(enc, mask)
        if worker_weights is not None:
            weights = worker_weights[np.unique(enc.worker_idx[mask])]
    scores = held_out_log_likelihoods(sample, weights, **fit)
    base = scores[AUTO_CANDIDATES[0]]
    best, best_gain = AUTO_CANDIDATES[0], 0.0
    for name in AUTO_CANDIDATES[1:]:
        if name not in scores or len(base) < 2:
            continue
        gain = scores[name] - base
        mean, se = float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(len(gain)))
        if mean > AUTO_MARGIN_SE * se and mean > best_gain:
            best, best_gain = name, mean
    return best


def auto(
    enc: Encoded,
    *,
    max_iter: int = 100,
    tol: float = 1e-5,
    worker_weights: np.ndarray | None = None,
) -> CategoricalResult:
    """The default: the model chosen for this batch from its own answers (`auto_choice`),
    fitted on all of them: shrunk_ds_mace, shrunk DS alone (sparse crowds), Dawid-Skene
    (dense, class-biased workers) or one-coin DS (many workers seen a few times, some at
    random). The choice is a fixed procedure, so its accuracy on a data set nobody tuned it on
    is its accuracy there.
    `result.model` names the model chosen. `worker_weights` go to the candidates that honour
    them; with weights, one-coin DS is not a candidate."""
    chosen = auto_choice(enc, worker_weights, max_iter=max_iter, tol=tol)
    fitted = {
        "shrunk_ds_mace": lambda: shrunk_ds_mace(
            enc, max_iter=max_iter, tol=tol, worker_weights=worker_weights
        ),
        "dawid_skene coin_prior=10": lambda: dawid_skene(
            enc, max_iter=max_iter, tol=tol, worker_weights=worker_weights, coin_prior=10.0
        ),
        "dawid_skene": lambda: dawid_skene(
            enc, max_iter=max_iter, tol=tol, worker_weights=worker_weights
        ),
        "one_coin_ds": lambda: one_coin_dawid_skene(enc, max_iter=max_iter, tol=tol),
    }[chosen]()
    return replace(fitted, method="auto", model=chosen)


METHODS: dict[str, Callable[..., CategoricalResult]] = {
    "majority_vote": majority_vote,
    "wawa": wawa,
    "one_coin_ds": one_coin_dawid_skene,
    "dawid_skene": dawid_skene,
    "glad": glad,
    "mace": mace,
    "ds_mace": ds_mace,
    "shrunk_ds_mace": shrunk_ds_mace,
    "auto": auto,
}
# The model chosen per batch by held-out likelihood (bench/aggregate_choice.py), among
# shrunk_ds_mace (chosen for robustness by bench/aggregate_robust.py) and three others;
# docs/quality-aggregation.md and ADR 0029. It was ds_mace, then shrunk_ds_mace (issue #20).
DEFAULT_METHOD = "auto"
# The methods that honour per-worker weights (quality rules' LOWER_WEIGHT); the ensembles in
# their Dawid-Skene half. The others ignore them.
WEIGHTED_METHODS = frozenset(
    {"majority_vote", "wawa", "dawid_skene", "ds_mace", "shrunk_ds_mace", "auto"}
)


def aggregate(
    answers: Iterable[Answer] | Encoded,
    method: str = DEFAULT_METHOD,
    gold: dict | None = None,
    worker_weights: dict | None = None,
    **options,
) -> CategoricalResult:
    """Aggregate `(worker, task, label)` answers with `method` (a key of METHODS).

    `gold` maps tasks to known labels, used as fixed truths. With `gold_choice=True` and at
    least MIN_GOLD_TO_CHOOSE gold tasks answered, the default method picks its model by
    held-out gold (choose_by_gold); off by default, as it did not help on the shared data
    sets or the simulations (docs/quality-aggregation.md, "Gold"). `worker_weights` maps workers to
    the weight of their answers (1 when absent) for the methods in WEIGHTED_METHODS; the others
    ignore it. `options` go to the method (e.g. `smoothing=`, `restarts=`, `seed=`). Raise
    UnknownMethod for an unknown method name.
    """
    if method not in METHODS:
        raise UnknownMethod(method)
    enc = answers if isinstance(answers, Encoded) else encode(answers, gold)
    if worker_weights and method in WEIGHTED_METHODS:
        options["worker_weights"] = np.array(
            [float(worker_weights.get(worker, 1.0)) for worker in enc.workers]
        )
    if enc.n_classes <= 1 or enc.n_tasks == 0:
        # One class (or nothing): every model agrees, and EM has nothing to estimate.
        return replace(majority_vote(enc), method=method)
    gold_choice = options.pop("gold_choice", False)
    if method == DEFAULT_METHOD and gold_choice and enc.gold_task_idx.size >= MIN_GOLD_TO_CHOOSE:
        return choose_by_gold(enc, worker_weights=options.get("worker_weights"))
    return METHODS[method](enc, **options)


# With at least this many gold tasks answered, the default picks its model by gold.
MIN_GOLD_TO_CHOOSE = 20
# The models the default chooses among on a batch with gold, the default itself first.
GOLD_CANDIDATES: dict[str, tuple[str, dict]] = {
    "shrunk_ds_mace": ("shrunk_ds_mace", {}),
    "dawid_skene coin_prior=10": ("dawid_skene", {"coin_prior": 10.0}),
    "dawid_skene": ("dawid_skene", {}),
    "mace learn_prior": ("mace", {"learn_prior": True}),
    "one_coin_ds": ("one_coin_ds", {}),
    "majority_vote": ("majority_vote", {}),
}
GOLD_FOLDS = 2


def _with_gold(enc: Encoded, keep: np.ndarray) -> Encoded:
    """`enc` with only the gold tasks selected by the boolean mask `keep` given as gold."""
    return replace(
        enc, gold_task_idx=enc.gold_task_idx[keep], gold_label_idx=enc.gold_label_idx[keep]
    )


def gold_fold_scores(enc: Encoded, candidates: dict | None = None) -> dict[str, int]:
    """Per candidate model: how many gold tasks it labels right when that gold is hidden.

    The gold tasks are split into GOLD_FOLDS folds by their order (task order of first
    appearance: every second gold task); each candidate is fitted with the other folds as
    gold and scored on the hidden fold. Nothing random: the same batch gives the same scores.
    """
    candidates = GOLD_CANDIDATES if candidates is None else candidates
    order = np.argsort(enc.gold_task_idx, kind="stable")
    fold = np.empty(len(order), dtype=np.intp)
    fold[order] = np.arange(len(order)) % GOLD_FOLDS
    scores = dict.fromkeys(candidates, 0)
    for f in range(GOLD_FOLDS):
        hidden = fold == f
        fitted_on = _with_gold(enc, ~hidden)
        tasks, truth = enc.gold_task_idx[hidden], enc.gold_label_idx[hidden]
        for name, (method, options) in candidates.items():
            result = METHODS[method](fitted_on, **options)
            scores[name] += int((result.label_idx[tasks] == truth).sum())
    return scores


def choose_by_gold(enc: Encoded, *, worker_weights: np.ndarray | None = None) -> CategoricalResult:
    """The default on a batch with gold: the model of GOLD_CANDIDATES that labels the most
    hidden gold tasks right (gold_fold_scores), refitted with all the gold.

    Another model replaces the default only when it gets more than 1% of the gold tasks (and
    at least two tasks) more right than the default does, so noise on a small gold set does
    not move the choice. Gold also anchors every candidate: pinned posteriors, and worker
    models started from gold answers (_first_step_weights).
    """
    scores = gold_fold_scores(enc)
    default = next(iter(GOLD_CANDIDATES))
    margin = max(2, int(np.ceil(0.01 * enc.gold_task_idx.size)))
    best = max(scores, key=lambda name: (scores[name], name == default))
    chosen = best if scores[best] >= scores[default] + margin else default
    method, options = GOLD_CANDIDATES[chosen]
    if worker_weights is not None and method in WEIGHTED_METHODS:
        options = {**options, "worker_weights": worker_weights}
    result = METHODS[method](enc, **options)
    return replace(result, method=DEFAULT_METHOD, model=chosen)


# ---------------------------------------------------------------------------------------------
# Multi-label


@dataclass(frozen=True)
class MultiLabelResult:
    """Per task: the chosen label set, each candidate label's vote share, and a confidence (the
    least certain of the task's include/exclude decisions)."""

    labels: dict  # task -> tuple of labels, sorted
    shares: dict  # task -> {label: share of the task's workers who chose it}
    confidence: dict  # task -> float
    n_answers: dict  # task -> int


def aggregate_multilabel(
    answers: Iterable[tuple[Hashable, Hashable, Sequence[Hashable]]], *, threshold: float = 0.5
) -> MultiLabelResult:
    """Per-label binary vote: a label is in a task's set when strictly more than `threshold` of
    the task's answers include it (so a 2-2 split leaves it out).

    Confidence of one decision is max(share, 1 - share); a task's confidence is the smallest
    over its candidate labels (1.0 for a task where every answer is the empty set).
    """
    per_task: dict = {}
    for _worker, task, chosen in answers:
        counts, n = per_task.get(task, ({}, 0))
        for label in set(chosen or ()):
            counts[label] = counts.get(label, 0) + 1
        per_task[task] = (counts, n + 1)
    labels, shares, confidence, n_answers = {}, {}, {}, {}
    for task, (counts, n) in per_task.items():
        task_shares = {label: counts[label] / n for label in _sorted_labels(counts)}
        labels[task] = tuple(label for label, s in task_shares.items() if s > threshold)
        shares[task] = task_shares
        confidence[task] = min((max(s, 1 - s) for s in task_shares.values()), default=1.0)
        n_answers[task] = n
    return MultiLabelResult(labels, shares, confidence, n_answers)
