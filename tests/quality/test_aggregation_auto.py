"""`auto` (issue #20): the model chosen per batch by the held-out likelihood of its answers."""

import numpy as np

from microwork.quality.aggregation import categorical
from microwork.quality.aggregation.categorical import (
    AUTO_CANDIDATES,
    _subset,
    aggregate,
    auto_choice,
    encode,
    held_out_log_likelihoods,
)


def test_auto_on_a_sparse_crowd_with_random_answerers_is_one_coin_refitted_on_everything():
    answers = _sparse_random()

    result = aggregate(answers, method="auto")
    one_coin = aggregate(answers, method="one_coin_ds")

    assert (result.method, result.model) == ("auto", "one_coin_ds")
    np.testing.assert_array_equal(result.posteriors, one_coin.posteriors)
    assert aggregate(answers, method="auto").model == "one_coin_ds"  # the same choice again


def test_auto_with_weights_leaves_out_one_coin_and_passes_the_weights_on():
    answers = _sparse_random()
    weights = {"w1": 0.5}

    result = aggregate(answers, method="auto", worker_weights=weights)
    shrunk = aggregate(answers, method="dawid_skene", worker_weights=weights, coin_prior=10.0)

    assert result.model == "dawid_skene coin_prior=10"
    np.testing.assert_array_equal(result.posteriors, shrunk.posteriors)


def test_auto_keeps_the_default_when_no_model_explains_the_answers_better():
    # Three workers always right: every candidate predicts held-out answers alike.
    answers = [(w, f"t{i}", i % 3) for i in range(30) for w in ("a", "b", "c")]

    assert aggregate(answers, method="auto").model == "shrunk_ds_mace"


def test_held_out_scores_cover_every_answer_for_every_candidate():
    enc = encode(_sparse_random())

    scores = held_out_log_likelihoods(enc)

    assert list(scores) == list(AUTO_CANDIDATES)
    for per_answer in scores.values():
        assert per_answer.shape == (enc.n_answers,)
        assert np.all(per_answer < 0)


def test_subset_renumbers_tasks_and_workers_and_keeps_only_their_gold():
    enc = encode(
        [("a", "t1", "x"), ("b", "t2", "y"), ("c", "t3", "x"), ("a", "t3", "y")],
        gold={"t1": "x", "t3": "y"},
    )

    sub = _subset(enc, enc.task_idx != 0)  # drop t1's answer

    assert sub.tasks == ["t2", "t3"]
    assert sub.workers == ["a", "b", "c"]  # their order in enc
    assert sub.classes == ["x", "y"]
    assert sub.task_idx.tolist() == [0, 1, 1]
    assert sub.worker_idx.tolist() == [1, 2, 0]
    assert sub.label_idx.tolist() == [1, 0, 1]
    assert sub.gold_task_idx.tolist() == [1]
    assert sub.gold_label_idx.tolist() == [1]


def test_auto_on_a_large_batch_chooses_on_a_sample_of_whole_tasks(monkeypatch):
    enc = encode(_sparse_random())
    monkeypatch.setattr(categorical, "AUTO_MAX_ANSWERS", 1000)
    seen = []
    real = categorical.held_out_log_likelihoods

    def spy(sample, *args, **kwargs):
        seen.append(sample)
        return real(sample, *args, **kwargs)

    monkeypatch.setattr(categorical, "held_out_log_likelihoods", spy)

    chosen = auto_choice(enc)

    (sample,) = seen
    assert chosen in AUTO_CANDIDATES
    assert 1000 <= sample.n_answers < 1000 + 5  # whole tasks of 5 answers, just past the cap
    assert np.all(np.bincount(sample.task_idx) == 5)


def _sparse_random(seed=1):
    """600 binary tasks, 5 answers each from 1,000 workers (3 a worker), 30% at random."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(2, size=600)
    spam = rng.random(1000) < 0.3
    accuracy = rng.beta(4, 1.5, size=1000)
    answers = []
    for t in range(600):
        for w in rng.choice(1000, size=5, replace=False):
            if spam[w]:
                label = int(rng.integers(2))
            else:
                right = rng.random() < accuracy[w]
                label = int(truth[t]) if right else 1 - int(truth[t])
            answers.append((f"w{w}", f"t{t}", label))
    return answers
