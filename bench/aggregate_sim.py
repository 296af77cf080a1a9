"""Simulated crowds for stress-testing answer aggregation (seeded, no data files).

    from aggregate_sim import REGIMES, simulate
    crowd = simulate("sparse", seed=0)   # crowd.workers, crowd.tasks, crowd.labels, crowd.truth

Each regime is a small generative model of a crowd that real campaigns produce and that one
aggregation model or another handles badly. Every crowd is drawn from
`numpy.random.default_rng(seed)` only, so a (regime, seed) pair always gives the same answers.

How a worker answers: an honest worker has an accuracy p (Beta(a, b)) and, when wrong, picks a
label from their own error distribution (Dirichlet(0.7) over the other labels, so some workers
confuse particular classes: what a confusion-matrix model is for). A spammer answers uniformly
at random; a one-label spammer always gives the same label; an adversarial worker gives a wrong
label on purpose (the truth's successor); colluders share one wrong label per task (a
deterministic function of the task), so they agree with each other and not with the truth.

Workers are drawn for each task's slots from an activity distribution (Zipf-like weights), so a
few workers answer many tasks and many answer few, as on real platforms; `answers_per_worker`
sets the mean. A worker answers a task at most once.

Regimes (REGIMES, each a dict of `Spec` overrides):
- baseline: 5 classes, overlap 5, 30 answers a worker on average, 10% spammers;
- sparse: 3 answers a worker on average (thousands of workers seen on a handful of tasks);
- spammers30: 30% uniform spammers, 5% one-label spammers;
- adversarial: 10% adversarial and 10% colluding workers;
- imbalance: 3 classes drawn 85/10/5%, workers biased towards the common class;
- many_classes: 20 classes, overlap 5;
- overlap_2_10: each task gets between 2 and 10 answers (uniform);
- dense_biased: 30 workers answering hundreds of tasks each, with strongly class-biased
  errors (Dawid-Skene's home ground).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Spec:
    n_tasks: int = 2000
    n_classes: int = 5
    overlap: tuple[int, int] = (5, 5)  # answers per task, drawn uniformly in [lo, hi]
    answers_per_worker: float = 30.0  # mean; sets the number of workers
    accuracy: tuple[float, float] = (4.0, 1.5)  # Beta(a, b) of an honest worker's accuracy
    class_prior: tuple[float, ...] | None = None  # None: uniform
    bias_to: int | None = None  # honest workers' errors lean to this class
    error_concentration: float = 0.7  # Dirichlet of an honest worker's errors
    spammers: float = 0.10  # uniform at random
    one_label: float = 0.0  # always the same label
    adversarial: float = 0.0  # always a wrong label (the truth's successor)
    colluders: float = 0.0  # one shared wrong label per task
    activity: float = 1.0  # Zipf-like exponent of the workers' activity weights


REGIMES: dict[str, dict] = {
    "baseline": {},
    "sparse": {"answers_per_worker": 3.0, "activity": 0.5},
    "spammers30": {"spammers": 0.30, "one_label": 0.05},
    "adversarial": {"adversarial": 0.10, "colluders": 0.10},
    "imbalance": {"n_classes": 3, "class_prior": (0.85, 0.10, 0.05), "bias_to": 0},
    "many_classes": {"n_classes": 20},
    "overlap_2_10": {"overlap": (2, 10)},
    "dense_biased": {
        "answers_per_worker": 330.0,
        "activity": 0.0,
        "error_concentration": 0.2,
        "accuracy": (3.0, 2.0),
    },
}


# Checks, never inputs to a choice: crowds like the ones issue #20 says the default lost on
# (many workers answering a few tasks each, some at random), binary and 4-class, with fewer
# answers a task. bench/aggregate_robust.py --checks scores the candidates on them after the
# choice is made.
CHECKS: dict[str, dict] = {
    "sparse_random_2": {
        "n_classes": 2,
        "answers_per_worker": 3.0,
        "activity": 0.5,
        "spammers": 0.30,
        "overlap": (3, 7),
    },
    "sparse_random_4": {
        "n_classes": 4,
        "answers_per_worker": 3.0,
        "activity": 0.5,
        "spammers": 0.30,
        "overlap": (3, 7),
    },
    "mixed_activity_random_2": {
        "n_classes": 2,
        "answers_per_worker": 8.0,
        "activity": 1.2,
        "spammers": 0.25,
        "one_label": 0.05,
        "overlap": (3, 7),
    },
}


@dataclass(frozen=True)
class Crowd:
    workers: np.ndarray  # int worker ids, one per answer
    tasks: np.ndarray  # int task ids
    labels: np.ndarray  # int labels
    truth: np.ndarray  # (n_tasks,) true label of each task
    kind: np.ndarray  # (n_workers,) "honest", "spammer", ... for each worker


def spec_of(regime: str, **overrides) -> Spec:
    return replace(Spec(), **{**(REGIMES | CHECKS)[regime], **overrides})


def simulate(regime: str | Spec, seed: int = 0, **overrides) -> Crowd:
    """Draw one crowd of `regime` (a name in REGIMES or a Spec) with `seed`."""
    spec = regime if isinstance(regime, Spec) else spec_of(regime, **overrides)
    rng = np.random.default_rng(seed)
    k, n = spec.n_classes, spec.n_tasks
    prior = np.full(k, 1.0 / k) if spec.class_prior is None else np.asarray(spec.class_prior)
    truth = rng.choice(k, size=n, p=prior / prior.sum())
    lo, hi = spec.overlap
    per_task = rng.integers(lo, hi + 1, size=n)
    n_workers = max(int(round(per_task.sum() / spec.answers_per_worker)), hi + 1)

    # Worker kinds, in fixed shares.
    kinds = np.full(n_workers, "honest", dtype=object)
    order = rng.permutation(n_workers)
    start = 0
    for kind, share in (
        ("spammer", spec.spammers),
        ("one_label", spec.one_label),
        ("adversarial", spec.adversarial),
        ("colluder", spec.colluders),
    ):
        count = int(round(share * n_workers))
        kinds[order[start : start + count]] = kind
        start += count
    accuracy = rng.beta(*spec.accuracy, size=n_workers)
    favourite = rng.integers(0, k, size=n_workers)
    errors = rng.dirichlet(np.full(k - 1, spec.error_concentration), size=n_workers)
    if spec.bias_to is not None:
        # Errors lean towards one class: most of a wrong answer's mass goes to it.
        errors = 0.3 * errors
    activity = 1.0 / np.arange(1, n_workers + 1) ** spec.activity
    activity = activity[rng.permutation(n_workers)]
    activity /= activity.sum()

    workers, tasks, labels = [], [], []
    for t in range(n):
        m = min(int(per_task[t]), n_workers)
        chosen = rng.choice(n_workers, size=m, replace=False, p=activity)
        truth_t = truth[t]
        collusion = (truth_t + 1 + (t * 7919) % max(k - 1, 1)) % k
        if collusion == truth_t:
            collusion = (truth_t + 1) % k
        for w in chosen:
            kind = kinds[w]
            if kind == "spammer":
                label = rng.integers(0, k)
            elif kind == "one_label":
                label = favourite[w]
            elif kind == "adversarial":
                label = (truth_t + 1) % k
            elif kind == "colluder":
                label = collusion
            elif rng.random() < accuracy[w]:
                label = truth_t
            else:
                others = np.delete(np.arange(k), truth_t)
                if spec.bias_to is not None and spec.bias_to != truth_t:
                    weights = errors[w] + 0.7 * (others == spec.bias_to)
                else:
                    weights = errors[w].copy()
                label = others[rng.choice(k - 1, p=weights / weights.sum())]
            workers.append(w)
            tasks.append(t)
            labels.append(label)
    return Crowd(
        workers=np.asarray(workers, dtype=np.int64),
        tasks=np.asarray(tasks, dtype=np.int64),
        labels=np.asarray(labels, dtype=np.int64),
        truth=truth,
        kind=kinds,
    )


if __name__ == "__main__":
    for name in REGIMES:
        crowd = simulate(name, seed=0)
        n_workers = len(crowd.kind)
        print(
            f"{name}: {len(crowd.tasks)} answers, {len(crowd.truth)} tasks, {n_workers} workers, "
            f"{len(crowd.tasks) / n_workers:.1f} answers a worker"
        )
