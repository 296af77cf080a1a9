"""batch_aggregate() and worker_skills() read a batch's answers from the database."""

import pytest

from microwork.quality.aggregation import UnknownMethod
from microwork.quality.aggregation.batch import (
    AggregatedRow,
    EmptyLabels,
    batch_aggregate,
    worker_skills,
)
from microwork.work.enums import AssignmentState
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    return PublishedBatchFactory(project=ProjectFactory(assignments_per_task=4))


@pytest.fixture
def workers():
    return WorkerFactory.create_batch(4)


def answer(task, worker, state=AssignmentState.SUBMITTED, **answers):
    extra = {"feedback": "Not done"} if state == AssignmentState.REJECTED else {}
    return SubmittedAssignmentFactory(
        task=task, worker=worker, state=state, answers=answers, **extra
    )


def test_batch_aggregate_votes_per_task_in_row_order(batch, workers):
    second = TaskFactory(batch=batch, row_number=3)
    first = TaskFactory(batch=batch, row_number=2)
    for worker, label in zip(workers[:3], ["cat", "cat", "dog"], strict=True):
        answer(first, worker, animal=label)
    answer(second, workers[0], animal="dog", note="blurry")
    answer(second, workers[1], state=AssignmentState.APPROVED, animal="dog")

    rows = list(batch_aggregate(batch, field="animal", method="majority_vote"))

    assert rows == [
        AggregatedRow(first.public_id, 2, "cat", pytest.approx(2 / 3), 3),
        AggregatedRow(second.public_id, 3, "dog", 1.0, 2),
    ]


def test_batch_aggregate_leaves_out_rejected_and_unanswered_fields(batch, workers):
    task = TaskFactory(batch=batch, row_number=2)
    answer(task, workers[0], animal="cat")
    answer(task, workers[1], state=AssignmentState.REJECTED, animal="dog")
    answer(task, workers[2], state=AssignmentState.REJECTED, animal="dog")
    answer(task, workers[3], other="x")
    TaskFactory(batch=batch, row_number=3)  # nobody answered it

    rows = list(batch_aggregate(batch, field="animal"))

    assert rows == [AggregatedRow(task.public_id, 2, "cat", 1.0, 1)]


def test_batch_aggregate_ignores_other_batches(batch, workers):
    task = TaskFactory(batch=batch, row_number=2)
    answer(task, workers[0], animal="cat")
    answer(TaskFactory(row_number=2), workers[1], animal="dog")

    assert [row.label for row in batch_aggregate(batch, field="animal")] == ["cat"]


def test_batch_aggregate_uses_gold_as_fixed_truth(batch, workers):
    task = TaskFactory(batch=batch, row_number=2)
    for worker in workers[:3]:
        answer(task, worker, animal="cat")

    rows = list(batch_aggregate(batch, field="animal", gold={task.public_id: "dog"}))

    assert rows == [AggregatedRow(task.public_id, 2, "dog", 1.0, 3)]


def test_batch_aggregate_text_numbers_and_checkboxes(batch, workers):
    task = TaskFactory(batch=batch, row_number=2)
    answer(task, workers[0], text="Hello, world", score="4", tags=["a", "b"])
    answer(task, workers[1], text="hello world!", score="6", tags=["a"])
    answer(task, workers[2], text="Goodbye", score="100", tags=["b", "a"])

    text = list(batch_aggregate(batch, field="text", method="text"))
    median = list(batch_aggregate(batch, field="score", method="median"))
    tags = list(batch_aggregate(batch, field="tags", method="multilabel"))

    assert [(row.label, row.n_answers) for row in text] == [("Hello, world", 3)]
    assert [(row.label, row.n_answers) for row in median] == [(6.0, 3)]
    assert [(row.label, row.confidence) for row in tags] == [(("a", "b"), pytest.approx(2 / 3))]


def test_batch_aggregate_refuses_an_unknown_method(batch):
    with pytest.raises(UnknownMethod):
        list(batch_aggregate(batch, field="animal", method="oracle"))


def test_worker_skills_by_worker_id(batch, workers):
    tasks = [TaskFactory(batch=batch, row_number=n) for n in (2, 3)]
    for task in tasks:
        answer(task, workers[0], animal="cat")
        answer(task, workers[1], animal="cat")
        answer(task, workers[2], animal="dog")

    skills = worker_skills(batch, field="animal", method="majority_vote")

    assert skills == {
        workers[0].worker_id: pytest.approx(2 / 3),
        workers[1].worker_id: pytest.approx(2 / 3),
        workers[2].worker_id: pytest.approx(1 / 3),
    }
    with pytest.raises(UnknownMethod):
        worker_skills(batch, field="animal", method="median")


def test_batch_aggregate_skips_blank_answers_so_a_blank_never_wins(batch, workers):
    task = TaskFactory(batch=batch, row_number=2)
    answer(task, workers[0], animal=" ")
    answer(task, workers[1], animal="  ")
    answer(task, workers[2], animal="cat")
    blank_only = TaskFactory(batch=batch, row_number=3)
    answer(blank_only, workers[0], animal="\t")

    for method in ("majority_vote", "ds_mace", "text"):
        rows = list(batch_aggregate(batch, field="animal", method=method))

        assert [(row.task_id, row.label, row.n_answers) for row in rows] == [
            (task.public_id, "cat", 1)
        ]


def test_batch_aggregate_refuses_blank_answers_when_asked(batch, workers):
    task = TaskFactory(batch=batch, row_number=7)
    answer(task, workers[0], animal=" ")
    answer(task, workers[1], animal="cat")

    with pytest.raises(
        EmptyLabels, match=r"1 answers to 'animal' are blank, on the tasks of rows 7"
    ):
        list(batch_aggregate(batch, field="animal", empty_labels="refuse"))
