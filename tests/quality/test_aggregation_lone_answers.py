"""Every method returns, for each task, a label some worker gave it; a task with a single
answer gets that answer with a confidence learned from its worker's other tasks (issue #20)."""

import numpy as np
import pytest

from microwork.quality.aggregation import METHODS, aggregate
from microwork.quality.aggregation.categorical import LONE_PRIOR_STRENGTH


def _lone_answers(n_tasks=1000, n_workers=50, k=5, seed=1):
    """One answer per task, from workers of accuracy Beta(4, 1.5)."""
    rng = np.random.default_rng(seed)
    worker = rng.integers(0, n_workers, n_tasks)
    truth = rng.integers(0, k, n_tasks)
    accuracy = rng.beta(4, 1.5, n_workers)
    wrong = (truth + rng.integers(1, k, n_tasks)) % k
    label = np.where(rng.random(n_tasks) < accuracy[worker], truth, wrong)
    return [(f"w{w}", f"t{t}", f"c{c}") for t, (w, c) in enumerate(zip(worker, label, strict=True))]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_lone_answer_is_the_label_and_chance_is_its_confidence_without_overlap(method):
    answers = _lone_answers()

    result = aggregate(answers, method=method)

    # Before: ds_mace gave 546 of these 1,000 tasks a label nobody gave, and the methods
    # reported 0.73 to 1.0 from one worker nobody else could vouch for.
    assert result.labels == {task: label for _worker, task, label in answers}
    assert list(result.confidence.values()) == [pytest.approx(1 / 5)] * 1000
    assert result.n_answers == {task: 1 for _worker, task, _label in answers}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_lone_answers_confidence_is_its_workers_record_on_shared_tasks(method):
    # w1 and w2 agree on 8 shared tasks (both right); w3 gives a lone answer with no record.
    shared = [(w, f"s{i}", "a" if i % 2 else "b") for i in range(8) for w in ("w1", "w2")]
    answers = [*shared, ("w1", "lone1", "b"), ("w3", "lone3", "a")]

    result = aggregate(answers, method=method)

    assert result.labels["lone1"] == "b"
    assert result.labels["lone3"] == "a"
    record = sum(result.confidence[f"s{i}"] for i in range(8))  # w1's expected right answers
    crowd = record / 8  # both workers' record is the same
    expected_w1 = (record + LONE_PRIOR_STRENGTH * crowd) / (8 + LONE_PRIOR_STRENGTH)
    assert result.confidence["lone1"] == pytest.approx(expected_w1)
    assert result.confidence["lone3"] == pytest.approx(crowd)
    assert result.probabilities("lone3") == {
        "a": pytest.approx(crowd),
        "b": pytest.approx(1 - crowd),
    }


def test_majority_vote_lone_answer_confidence_exact_figures():
    # w1 agrees with the vote on t1 (share 2/3) and disagrees on t2 (share 1/3).
    answers = [
        ("w1", "t1", "a"),
        ("w2", "t1", "a"),
        ("w3", "t1", "b"),
        ("w1", "t2", "b"),
        ("w2", "t2", "a"),
        ("w3", "t2", "a"),
        ("w1", "t3", "a"),
    ]

    result = aggregate(answers, method="majority_vote")

    crowd = (2 / 3 + 2 / 3 + 1 / 3 + 1 / 3 + 2 / 3 + 2 / 3) / 6
    assert result.confidence["t3"] == pytest.approx(
        (1.0 + LONE_PRIOR_STRENGTH * crowd) / (2 + LONE_PRIOR_STRENGTH)
    )
    assert result.labels["t3"] == "a"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_lone_answer_on_a_gold_task_keeps_the_gold_label(method):
    answers = [("w1", "t1", "a"), ("w2", "t1", "a"), ("w1", "t2", "b")]

    result = aggregate(answers, method=method, gold={"t2": "a"})

    assert result.labels["t2"] == "a"
    assert result.confidence["t2"] == 1.0


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_method_returns_a_label_nobody_gave(method, seed):
    # Sparse, class-biased crowds of 1 to 3 answers a task: where a learned class prior or a
    # worker's confusion matrix can favour a label no worker gave the task.
    rng = np.random.default_rng(seed)
    k, n_tasks, n_workers = int(rng.integers(2, 7)), 200, int(rng.integers(3, 40))
    per_task = rng.integers(1, 4, n_tasks)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = rng.integers(0, n_workers, task.size)
    bias = rng.integers(0, k, n_workers)
    truth = rng.choice(k, n_tasks, p=rng.dirichlet(np.ones(k) * 0.5))
    label = np.where(rng.random(task.size) < 0.5, truth[task], bias[worker])
    label = np.where(rng.random(task.size) < 0.2, rng.integers(0, k, task.size), label)
    answers = [(f"w{w}", f"t{t}", int(c)) for w, t, c in zip(worker, task, label, strict=True)]
    given: dict = {}
    for _w, t, c in answers:
        given.setdefault(t, set()).add(c)

    result = aggregate(answers, method=method)

    assert all(result.labels[t] in labels for t, labels in given.items())
    assert all(0.0 <= c <= 1.0 for c in result.confidence.values())
