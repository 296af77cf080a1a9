"""Categorical answer aggregation: from redundant noisy labels to one label per task.

Every method takes `(worker, task, label)` triples and returns a `CategoricalResult`: per task a
label and a confidence (the posterior probability of that label under the method's model), per
worker a skill. Answers are encoded once as integer index arrays; every EM step is a handful of
`np.bincount` calls over those arrays, so no Python loop runs over answers inside an iteration
(the loops that remain run over classes).

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
from typing import Any

import numpy as np

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


def encode(answers: Iterable[Answer], gold: dict | None = None) -> Encoded:
    """Turn triples into index arrays. Gold labels of tasks nobody answered are ignored."""
    task_pos: dict = {}
    worker_pos: dict = {}
    t_list, w_list, raw_labels = [], [], []
    for worker, task, label in answers:
        t_list.append(task_pos.setdefault(task, len(task_pos)))
        w_list.append(worker_pos.setdefault(worker, len(worker_pos)))
        raw_labels.append(label)
    gold_items = [
        (task_pos[task], label) for task, label in (gold or {}).items() if task in task_pos
    ]
    classes = _sorted_labels([*raw_labels, *(label for _, label in gold_items)])
    class_pos = {label: i for i, label in enumerate(classes)}
    return Encoded(
        tasks=list(task_pos),
        workers=list(worker_pos),
        classes=classes,
        task_idx=np.array(t_list, dtype=np.intp),
        worker_idx=np.array(w_list, dtype=np.intp),
        label_idx=np.array([class_pos[label] for label in raw_labels], dtype=np.intp),
        gold_task_idx=np.array([t for t, _ in gold_items], dtype=np.intp),
        gold_label_idx=np.array([class_pos[label] for _, label in gold_items], dtype=np.intp),
    )


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


def _softmax_rows(logp: np.ndarray) -> np.ndarray:
    logp = logp - logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


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

    A worker who answered gold tasks is first modelled on those answers alone, so a crowd that
    outvotes the truth cannot teach the models its mistake before gold has a say; a worker with
    no gold answers starts from the majority vote as usual.
    """
    if not enc.gold_task_idx.size:
        return None
    is_gold = np.zeros(enc.n_tasks, dtype=bool)
    is_gold[enc.gold_task_idx] = True
    on_gold = is_gold[enc.task_idx]
    has_gold = np.bincount(enc.worker_idx, weights=on_gold, minlength=enc.n_workers) > 0
    return (on_gold | ~has_gold[enc.worker_idx]).astype(float)


def _result(enc: Encoded, method: str, post: np.ndarray, iterations: int = 0) -> CategoricalResult:
    return CategoricalResult(
        method=method,
        tasks=enc.tasks,
        workers=enc.workers,
        classes=enc.classes,
        posteriors=post,
        label_idx=_argmax_with_ties(post),
        answer_counts=np.bincount(enc.task_idx, minlength=enc.n_tasks),
        worker_skill=_expected_accuracy(enc, post),
        iterations=iterations,
    )


def _mv_posteriors(enc: Encoded) -> np.ndarray:
    return _clamp_gold(enc, _normalise_rows(_counts(enc)))


def _em(
    enc: Encoded,
    init: np.ndarray,
    m_step: Callable[[np.ndarray, np.ndarray | None], Any],
    e_step: Callable[[Any], tuple[np.ndarray, float]],
    *,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, float, int]:
    """Alternate M and E steps from posteriors `init` until they move less than `tol`.

    The first M-step weighs answers by `_first_step_weights` (gold first), the others evenly.
    Returns (posteriors, the objective of the last E-step, iterations).
    """
    post = init
    weights = _first_step_weights(enc)
    objective = -np.inf
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        params = m_step(post, weights)
        weights = None
        logpost, objective = e_step(params)
        new = _clamp_gold(enc, _softmax_rows(logpost))
        delta = float(np.abs(new - post).max()) if new.size else 0.0
        post = new
        if delta < tol:
            break
    return post, objective, iterations


def _log_evidence(logpost: np.ndarray) -> float:
    """Sum over tasks of log sum_k exp(logpost): the data log-likelihood of an E-step."""
    if logpost.size == 0:
        return 0.0
    top = logpost.max(axis=1)
    return float((top + np.log(np.exp(logpost - top[:, None]).sum(axis=1))).sum())


def _random_posteriors(enc: Encoded, rng: np.random.Generator) -> np.ndarray:
    post = rng.dirichlet(np.ones(enc.n_classes), size=enc.n_tasks)
    # Lean towards the votes so a restart explores near plausible answers, not anywhere.
    return _clamp_gold(enc, _normalise_rows(post + _counts(enc)))


def _best_of_restarts(enc, run, *, restarts: int, seed: int):
    """Run `run(init)` from the majority vote and from `restarts` seeded random starts; keep
    the run with the highest objective (penalised log-likelihood)."""
    best = run(_mv_posteriors(enc))
    rng = np.random.default_rng(seed)
    for _ in range(restarts):
        candidate = run(_random_posteriors(enc, rng))
        if candidate[1] > best[1]:
            best = candidate
    return best


# ---------------------------------------------------------------------------------------------
# Methods


def majority_vote(enc: Encoded) -> CategoricalResult:
    """The most frequent label; confidence is its share of the task's votes."""
    counts = _counts(enc)
    post = _clamp_gold(enc, _normalise_rows(counts))
    return _result(enc, "majority_vote", post)


def wawa(enc: Encoded) -> CategoricalResult:
    """Worker Agreement With Aggregate: weigh each worker by their agreement with the majority
    vote (on gold tasks, with gold), then take the weighted vote."""
    mv = majority_vote(enc)
    agrees = (mv.label_idx[enc.task_idx] == enc.label_idx).astype(float)
    total = np.bincount(enc.worker_idx, minlength=enc.n_workers)
    weights = np.bincount(enc.worker_idx, weights=agrees, minlength=enc.n_workers) / np.maximum(
        total, 1
    )
    post = _clamp_gold(enc, _normalise_rows(_counts(enc, weights)))
    # A task whose every answer comes from a worker weighted 0 falls back to its plain votes.
    empty = post.sum(axis=1) == 0
    if empty.any():
        post[empty] = mv.posteriors[empty]
    return _result(enc, "wawa", post)


def dawid_skene(
    enc: Encoded, *, smoothing: float = 0.01, max_iter: int = 100, tol: float = 1e-5
) -> CategoricalResult:
    """Dawid & Skene (1979): a full confusion matrix per worker, fitted by EM from the majority
    vote. `smoothing` is a pseudo-count added to every confusion cell (a flat Dirichlet prior),
    so a worker seen on few tasks of a class does not get a 0 or 1 probability."""
    k, w_n, t_n = enc.n_classes, enc.n_workers, enc.n_tasks
    t, w, label = enc.task_idx, enc.worker_idx, enc.label_idx
    worker_label = w * k + label

    def m_step(post, weights):
        prior = (post.sum(axis=0) + smoothing) / (t_n + k * smoothing)
        conf = np.empty((w_n, k, k))
        post_of_answer = post[t] if weights is None else post[t] * weights[:, None]
        for true in range(k):
            conf[:, true, :] = np.bincount(
                worker_label, weights=post_of_answer[:, true], minlength=w_n * k
            ).reshape(w_n, k)
        conf += smoothing
        conf /= conf.sum(axis=2, keepdims=True)
        return np.log(np.maximum(prior, EPS)), np.log(np.maximum(conf, EPS))

    def e_step(params):
        log_prior, log_conf = params
        logpost = np.empty((t_n, k))
        for true in range(k):
            logpost[:, true] = log_prior[true] + np.bincount(
                t, weights=log_conf[w, true, label], minlength=t_n
            )
        return logpost, _log_evidence(logpost)

    post, _, iterations = _em(enc, _mv_posteriors(enc), m_step, e_step, max_iter=max_iter, tol=tol)
    return _result(enc, "dawid_skene", post, iterations)


def _one_coin_e_step(enc: Encoded, log_prior, p_right: np.ndarray) -> np.ndarray:
    """Log posteriors when answer i is right with probability p_right[i] and otherwise any of
    the other K-1 labels alike."""
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
    # Shrink each worker towards the crowd's mean agreement with the majority vote.
    mean = float(np.clip(_expected_accuracy(enc, _mv_posteriors(enc)).mean(), 0.05, 0.95))
    a, b = prior_strength * mean, prior_strength * (1 - mean)

    def m_step(post, weights):
        prior = (post.sum(axis=0) + 1.0) / (t_n + k) if learn_prior else np.full(k, 1.0 / k)
        right = post[enc.task_idx, enc.label_idx]
        if weights is not None:
            right = right * weights
        answered = np.bincount(enc.worker_idx, weights=weights, minlength=enc.n_workers)
        correct = np.bincount(enc.worker_idx, weights=right, minlength=enc.n_workers)
        accuracy = (correct + a) / (answered + a + b)
        return np.log(prior), accuracy

    def e_step(params):
        log_prior, accuracy = params
        logpost = _one_coin_e_step(enc, log_prior, accuracy[enc.worker_idx])
        acc = np.clip(accuracy, EPS, 1 - EPS)
        log_beta_prior = (a * np.log(acc) + b * np.log(1 - acc)).sum()
        return logpost, _log_evidence(logpost) + float(log_beta_prior)

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
            beta = np.exp(b)
            s = _sigmoid(alpha[w] * beta[t])
            g = (q - s) * weight
            curvature = s * (1 - s) * weight
            grad = np.bincount(w, weights=g * beta[t], minlength=enc.n_workers)
            grad -= (alpha - a_mean) / a_var
            hess = np.bincount(w, weights=curvature * beta[t] ** 2, minlength=enc.n_workers)
            alpha = alpha + np.clip(grad / (hess + 1.0 / a_var), -1.0, 1.0)

            x = alpha[w] * beta[t]
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
        return logpost, _log_evidence(logpost)

    post, _, iterations = _em(enc, mv_post, m_step, e_step, max_iter=max_iter, tol=tol)
    return _result(enc, "glad", post, iterations)


def mace(
    enc: Encoded,
    *,
    smoothing: float = 0.01,
    max_iter: int = 100,
    tol: float = 1e-5,
    restarts: int = 0,
    seed: int = 0,
    learn_prior: bool = False,
) -> CategoricalResult:
    """MACE (Hovy et al. 2013): a worker either knows the answer (probability theta_w) and
    gives it, or spams a label drawn from their own strategy xi_w. True labels have a uniform
    prior, as in MACE. EM from the majority vote, `smoothing` pseudo-counts on theta and xi;
    optional seeded restarts kept by likelihood."""
    k, w_n, t_n = enc.n_classes, enc.n_workers, enc.n_tasks
    t, w, label = enc.task_idx, enc.worker_idx, enc.label_idx
    log_uniform = np.full(k, -np.log(max(k, 1)))
    state: dict = {}

    def m_step(post, weights):
        if "theta" not in state:
            # First step: competence from agreement with the start, strategy from label use.
            state["theta"] = np.clip(_expected_accuracy(enc, post, weights), 0.05, 0.95)
            use = np.bincount(w * k + label, minlength=w_n * k).reshape(w_n, k) + smoothing
            state["xi"] = use / use.sum(axis=1, keepdims=True)
        theta, xi = state["theta"], state["xi"]
        q = post[t, label]
        knows = theta[w]
        spam_here = (1 - theta[w]) * xi[w, label]
        competent = q * knows / np.maximum(knows + spam_here, EPS)
        spam = 1.0 - competent
        if weights is not None:
            competent, spam = competent * weights, spam * weights
        answered = np.bincount(w, weights=weights, minlength=w_n)
        theta = (np.bincount(w, weights=competent, minlength=w_n) + smoothing) / (
            answered + 2 * smoothing
        )
        xi = np.bincount(w * k + label, weights=spam, minlength=w_n * k).reshape(w_n, k)
        xi += smoothing
        xi /= xi.sum(axis=1, keepdims=True)
        state["theta"], state["xi"] = theta, xi
        log_prior = np.log((post.sum(axis=0) + 1.0) / (t_n + k)) if learn_prior else log_uniform
        return theta, xi, log_prior

    def e_step(params):
        theta, xi, log_prior = params
        spam_here = (1 - theta[w]) * xi[w, label]
        log_right = np.log(np.maximum(theta[w] + spam_here, EPS))
        log_wrong = np.log(np.maximum(spam_here, EPS))
        base = np.bincount(t, weights=log_wrong, minlength=t_n)
        bonus = np.bincount(
            t * k + label, weights=log_right - log_wrong, minlength=t_n * k
        ).reshape(t_n, k)
        logpost = log_prior[None, :] + base[:, None] + bonus
        return logpost, _log_evidence(logpost)

    def run(init):
        state.clear()
        return _em(enc, init, m_step, e_step, max_iter=max_iter, tol=tol)

    post, _, iterations = _best_of_restarts(enc, run, restarts=restarts, seed=seed)
    return _result(enc, "mace", post, iterations)


METHODS: dict[str, Callable[..., CategoricalResult]] = {
    "majority_vote": majority_vote,
    "wawa": wawa,
    "one_coin_ds": one_coin_dawid_skene,
    "dawid_skene": dawid_skene,
    "glad": glad,
    "mace": mace,
}
# Chosen by bench/aggregation.py across every categorical data set; see docs/quality-aggregation.md.
DEFAULT_METHOD = "dawid_skene"


def aggregate(
    answers: Iterable[Answer] | Encoded,
    method: str = DEFAULT_METHOD,
    gold: dict | None = None,
    **options,
) -> CategoricalResult:
    """Aggregate `(worker, task, label)` answers with `method` (a key of METHODS).

    `gold` maps tasks to known labels, used as fixed truths. `options` go to the method (e.g.
    `smoothing=`, `restarts=`, `seed=`). Raise UnknownMethod for an unknown method name.
    """
    if method not in METHODS:
        raise UnknownMethod(method)
    enc = answers if isinstance(answers, Encoded) else encode(answers, gold)
    if enc.n_classes <= 1 or enc.n_tasks == 0:
        # One class (or nothing): every model agrees, and EM has nothing to estimate.
        return replace(majority_vote(enc), method=method)
    return METHODS[method](enc, **options)


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
