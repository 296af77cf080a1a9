"""The robust default (issue #20): Dawid-Skene shrunk towards one-coin, with MACE."""

import numpy as np
import pytest

from microwork.quality.aggregation.categorical import (
    COIN_ACCURACY_STRENGTH,
    DEFAULT_METHOD,
    WEIGHTED_METHODS,
    _one_coin_shape,
    aggregate,
)


def test_the_default_is_the_choice_per_batch_and_honours_weights():
    assert DEFAULT_METHOD == "auto"
    assert DEFAULT_METHOD in WEIGHTED_METHODS
    assert "shrunk_ds_mace" in WEIGHTED_METHODS


def test_one_coin_shape_of_two_workers_by_hand():
    # counts[w, answered, true]: worker 0 saw truth 0 four times and answered 0 three times;
    # worker 1 saw truth 1 four times and answered 1 every time. 7 of 8 right: crowd 7/8.
    counts = np.zeros((2, 2, 2))
    counts[0, 0, 0], counts[0, 1, 0] = 3, 1
    counts[1, 1, 1] = 4

    shape = _one_coin_shape(counts)

    assert COIN_ACCURACY_STRENGTH == 10
    first = (3 + 10 * 7 / 8) / (4 + 10)  # 0.8393
    second = (4 + 10 * 7 / 8) / (4 + 10)  # 0.9107
    np.testing.assert_allclose(shape[0], [[first, 1 - first], [1 - first, first]])
    np.testing.assert_allclose(shape[1], [[second, 1 - second], [1 - second, second]])


def test_one_coin_shape_spreads_errors_like_the_crowds():
    # Three classes; when the truth is 0 the crowd answers 1 (twice), never 2.
    counts = np.zeros((1, 3, 3))
    counts[0, 0, 0], counts[0, 1, 0] = 8, 2

    shape = _one_coin_shape(counts)[0]

    accuracy = (8 + 10 * 0.8) / (10 + 10)  # 0.8: the worker is the crowd
    assert shape[0, 0] == pytest.approx(accuracy)
    assert shape[1, 0] == pytest.approx(1 - accuracy, rel=1e-3)  # all the errors on 1
    assert shape[2, 0] == pytest.approx(0.0, abs=1e-3)
    assert shape[:, 0].sum() == pytest.approx(1.0)
    # Classes nobody was wrong about: errors spread evenly.
    assert shape[0, 1] == pytest.approx(shape[2, 1])


def test_without_shrinkage_dawid_skene_is_unchanged():
    answers = _crowd()

    plain = aggregate(answers, method="dawid_skene")
    zero = aggregate(answers, method="dawid_skene", coin_prior=0.0)

    np.testing.assert_array_equal(plain.posteriors, zero.posteriors)


def test_zero_weight_changes_the_default_like_ds_mace():
    answers = _crowd()

    weighted = aggregate(answers, method=DEFAULT_METHOD, worker_weights={"s": 0.0})
    plain = aggregate(answers, method=DEFAULT_METHOD)

    assert not np.allclose(weighted.posteriors, plain.posteriors)


def _crowd(seed=7):
    """40 tasks of 3 classes, 5 decent workers and a spammer "s"."""
    rng = np.random.default_rng(seed)
    answers = []
    for i in range(40):
        label = int(rng.integers(3))
        for worker in ("w1", "w2", "w3", "w4", "w5"):
            right = rng.random() < 0.75
            answers.append((worker, f"t{i}", label if right else (label + 1) % 3))
        answers.append(("s", f"t{i}", int(rng.integers(3))))
    return answers


def test_mace_without_competence_pooling_is_unchanged():
    answers = _crowd()

    plain = aggregate(answers, method="mace", learn_prior=True)
    zero = aggregate(answers, method="mace", learn_prior=True, know_pooling=0.0)

    np.testing.assert_array_equal(plain.posteriors, zero.posteriors)


def test_mace_competence_pooling_pulls_a_lone_dissenter_towards_the_crowd():
    # "x" answers once, against four workers who always agree; unpooled, MACE fits x as a
    # spammer from one answer. Pooled with 10 pseudo-answers at the crowd's knowing rate,
    # x is judged mostly like the crowd, so the task's posterior moves towards x's label.
    answers = [(w, f"t{i}", i % 2) for i in range(20) for w in ("a", "b", "c", "d")]
    answers += [("e", "t0", 1), ("x", "t0", 1)]

    plain = aggregate(answers, method="mace", learn_prior=True)
    pooled = aggregate(answers, method="mace", learn_prior=True, know_pooling=10.0)

    assert pooled.probabilities("t0")[1] > 1000 * plain.probabilities("t0")[1]
    assert pooled.labels["t0"] == plain.labels["t0"] == 0  # four regulars still outweigh them
