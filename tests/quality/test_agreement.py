"""Krippendorff's alpha, confusion against gold, per-worker figures and the batch quality page."""

import pytest
from django.urls import reverse

from microwork.quality.agreement import (
    Rate,
    batch_report,
    confusion_against_gold,
    krippendorff_alpha_nominal,
)
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import SubmittedAssignmentFactory


def _answers(table: dict) -> list:
    return [
        (worker, unit, value)
        for worker, values in table.items()
        for unit, value in enumerate(values)
        if value is not None
    ]


def test_alpha_of_krippendorffs_worked_example_is_0_743():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal data.
    table = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }

    assert krippendorff_alpha_nominal(_answers(table)) == pytest.approx(0.743, abs=5e-4)


def test_alpha_by_hand_two_coders():
    # n=8 values (3 a, 5 b), one disagreeing unit: 1 - (2/8) / (1 - 26/56) = 16/30.
    table = {"A": ["a", "a", "b", "b"], "B": ["a", "b", "b", "b"]}

    assert krippendorff_alpha_nominal(_answers(table)) == pytest.approx(16 / 30)


def test_alpha_is_one_for_perfect_agreement_and_none_when_undefined():
    assert krippendorff_alpha_nominal(_answers({"A": ["a", "b"], "B": ["a", "b"]})) == 1.0
    assert krippendorff_alpha_nominal(_answers({"A": ["a", "a"], "B": ["a", "a"]})) is None
    assert krippendorff_alpha_nominal(_answers({"A": ["a", "b"]})) is None
    assert krippendorff_alpha_nominal([]) is None


def test_confusion_against_gold_counts_given_labels_per_right_label():
    answers = [("w1", "t1", "cat"), ("w2", "t1", "dog"), ("w1", "t2", "dog"), ("w2", "t3", "x")]

    confusion = confusion_against_gold(answers, {"t1": "cat", "t2": "dog"})

    assert confusion.classes == ["cat", "dog"]
    assert confusion.rows() == [
        {"right": "cat", "counts": [1, 1], "total": 2, "accuracy": Rate(1, 2)},
        {"right": "dog", "counts": [0, 1], "total": 1, "accuracy": Rate(1, 1)},
    ]


@pytest.fixture
def batch(db):
    """w1 right everywhere, w2 wrong on gold and outvoted, w3 rejected once."""
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    w1, w2, w3 = (WorkerFactory(worker_id=f"W{n}") for n in (1, 2, 3))
    gold = TaskFactory(batch=batch, row_number=2, gold={"answer": "cat"})
    plain = TaskFactory(batch=batch, row_number=3)

    def answer(task, worker, label, seconds, state=AssignmentState.SUBMITTED):
        extra = {"feedback": "Wrong"} if state == AssignmentState.REJECTED else {}
        SubmittedAssignmentFactory(
            task=task,
            worker=worker,
            answers={"answer": label},
            work_seconds=seconds,
            state=state,
            **extra,
        )

    answer(gold, w1, "cat", 10, AssignmentState.APPROVED)
    answer(gold, w2, "dog", 2)
    answer(gold, w3, "cat", 30, AssignmentState.APPROVED)
    answer(plain, w1, "dog", 20)
    answer(plain, w2, "cat", 4)
    answer(plain, w3, "dog", 50, AssignmentState.REJECTED)
    return batch


def test_batch_report_gives_alpha_confusion_and_per_worker_figures(batch):
    report = batch_report(batch, method="majority_vote")

    (field,) = report["fields"]
    assert (field.name, field.n_tasks, field.n_answers) == ("answer", 2, 5)
    # cat,dog,cat (2 agreeing pairs / (3-1)) and dog,cat (none): observed 1/5; 3 cats and
    # 2 dogs: expected (3*2 + 2*1) / (5*4). The rejected answer is left out.
    assert field.alpha == pytest.approx(1 - (1 - 1 / 5) / (1 - 8 / 20))
    assert field.alpha == pytest.approx(-1 / 3)
    assert field.confusion.rows() == [
        {"right": "cat", "counts": [2, 1], "total": 3, "accuracy": Rate(2, 3)}
    ]
    by_worker = {stats.worker_id: stats for stats in report["workers"]}
    assert list(by_worker) == ["W1", "W2", "W3"]
    w1, w2, w3 = by_worker["W1"], by_worker["W2"], by_worker["W3"]
    assert (w1.gold_accuracy, w2.gold_accuracy, w3.gold_accuracy) == (
        Rate(1, 1),
        Rate(0, 1),
        Rate(1, 1),
    )
    # Plain task: dog vs cat ties 1:1 without the rejected answer; ties go to "cat".
    assert (w1.agreement, w2.agreement, w3.agreement) == (Rate(1, 2), Rate(1, 2), Rate(1, 1))
    assert (w1.median_seconds, w1.timed) == (15, 2)
    assert (w3.rejection_rate, w2.rejection_rate) == (Rate(1, 2), Rate(0, 0))
    assert w2.rejection_rate.value is None


def test_batch_quality_page_shows_alpha_and_workers_to_the_owner(client, batch):
    client.force_login(batch.project.requester)

    response = client.get(reverse("quality:batch-quality", args=[batch.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Krippendorff" in body
    assert "W2" in body
    assert "(n=2)" in body
    assert reverse("quality:batch-export", args=[batch.pk, "csv"]) in body


def test_batch_quality_page_is_404_for_another_requester_and_refuses_workers(client, batch):
    client.force_login(RequesterFactory())
    assert client.get(reverse("quality:batch-quality", args=[batch.pk])).status_code == 404

    client.force_login(WorkerFactory())
    assert client.get(reverse("quality:batch-quality", args=[batch.pk])).status_code in (302, 403)
