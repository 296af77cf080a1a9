"""Calibrated confidence (issue #20): temperature, ECE and the one-coin posterior."""

import numpy as np
import pytest

from microwork.quality.aggregation.calibration import (
    DEFAULT_TEMPERATURE,
    MIN_GOLD_TO_CALIBRATE,
    apply_temperature,
    calibrated,
    expected_calibration_error,
    fit_temperature,
    gold_temperature,
    one_coin_confidence,
)
from microwork.quality.aggregation.categorical import aggregate, encode


def test_ece_by_hand():
    # Bin 0.9: two tasks, one right (gap 0.4); bin 0.6: two tasks, both right (gap 0.4).
    ece = expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, False, True, True])

    assert ece == pytest.approx(0.4)


def test_temperature_two_softens_by_square_root():
    post = np.array([[0.9, 0.1]])

    softer = apply_temperature(post, 2.0)

    expected = np.sqrt(0.9) / (np.sqrt(0.9) + np.sqrt(0.1))
    np.testing.assert_allclose(softer, [[expected, 1 - expected]])


def test_fit_temperature_softens_overconfidence():
    # Always 0.99 sure, right three times in four: a softer temperature fits better.
    post = np.array([[0.99, 0.01]] * 4)
    truth = np.array([0, 0, 0, 1])

    assert fit_temperature(post, truth) > 1.0
    assert fit_temperature(np.zeros((0, 2)), np.zeros(0, dtype=int)) == 1.0


def test_one_coin_confidence_by_hand():
    label, p = one_coin_confidence(["a", "a"], [0.8, 0.8], n_classes=2)

    assert label == "a"
    assert p == pytest.approx(0.64 / 0.68)


def test_one_coin_confidence_of_a_split_vote_goes_to_the_better_worker():
    label, p = one_coin_confidence(["a", "b"], [0.9, 0.6], n_classes=2)

    assert label == "a"
    assert p == pytest.approx(0.9 * 0.4 / (0.9 * 0.4 + 0.1 * 0.6))
    assert one_coin_confidence([], [], n_classes=2) == (None, 0.0)


def test_calibration_keeps_labels_and_gold_certain():
    answers = [(w, f"t{i}", i % 2) for i in range(6) for w in "abc"]
    answers += [("d", f"t{i}", 1 - i % 2) for i in range(6)]
    enc = encode(answers, gold={"t0": 0})
    result = aggregate(enc)

    softer = calibrated(result, 2.0, enc)

    assert softer.labels == result.labels
    assert softer.confidence["t0"] == 1.0
    assert softer.confidence["t1"] < result.confidence["t1"]


def test_too_little_gold_keeps_the_default_temperature():
    answers = [(w, f"t{i}", i % 2) for i in range(30) for w in "abc"]
    gold = {f"t{i}": i % 2 for i in range(MIN_GOLD_TO_CALIBRATE - 1)}

    assert gold_temperature(encode(answers, gold=gold)) == DEFAULT_TEMPERATURE


@pytest.mark.django_db
def test_the_batch_path_gives_the_default_methods_confidence_at_the_default_temperature():
    from microwork.quality.aggregation.batch import batch_aggregate
    from tests.accounts.factories import RequesterFactory, WorkerFactory
    from tests.api.requester.conftest import deposit, make_batch
    from tests.work.factories import SubmittedAssignmentFactory

    requester = RequesterFactory()
    deposit(requester)
    batch = make_batch(requester, rows=2, slots=3)
    first, second = batch.tasks.order_by("row_number")
    answers = []
    for task, values in ((first, ("a", "a", "b")), (second, ("b", "b", "b"))):
        for value in values:
            worker = WorkerFactory()
            SubmittedAssignmentFactory(task=task, worker=worker, answers={"answer": value})
            answers.append((worker.worker_id, task.public_id, value))

    rows = list(batch_aggregate(batch, field="answer"))
    raw = aggregate(answers)

    expected = calibrated(raw, DEFAULT_TEMPERATURE).confidence
    assert [(row.label, row.confidence) for row in rows] == [
        (raw.labels[first.public_id], pytest.approx(expected[first.public_id])),
        (raw.labels[second.public_id], pytest.approx(expected[second.public_id])),
    ]
    assert rows[0].confidence < raw.confidence[first.public_id]
