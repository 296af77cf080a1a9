"""Real threads against PostgreSQL: the claim and submit paths under contention.

Skipped on SQLite (one writer at a time, nothing to race); .ci/run runs the suite on both.
"""

from collections import Counter

import pytest
from django.db import connection

from microwork.work import services
from microwork.work.enums import SLOT_HOLDING_STATES, AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.threads import run_in_threads
from tests.work.factories import AssignmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32


def test_32_threads_claiming_never_over_assign_or_duplicate():
    assert connection.vendor == "postgresql"
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    tasks = make_tasks(batch, 20)  # 60 slots for 32 workers who each want as many as they can get
    workers = WorkerFactory.create_batch(THREADS)
    claimed = Counter()

    def claim_until_empty(index: int) -> None:
        worker = workers[index]
        for _attempt in range(len(tasks) + 1):  # bounded: a worker can do each task once
            try:
                assignment = services.assignment_claim_next(worker=worker, project=batch.project)
            except services.NoTaskAvailable:
                return
            claimed[index] += 1
            services.assignment_submit(
                assignment=assignment, fields={"answer": ["x"]}, worker=worker
            )

    errors = run_in_threads(THREADS, claim_until_empty)

    assert errors == []
    assignments = Assignment.objects.filter(task__batch=batch)
    assert assignments.count() == 60
    assert sum(claimed.values()) == 60
    per_task = Counter(assignments.values_list("task_id", flat=True))
    assert per_task == {task.pk: 3 for task in tasks}
    pairs = list(assignments.values_list("task_id", "worker_id"))
    assert len(pairs) == len(set(pairs))
    assert set(batch.tasks.values_list("open_slots", flat=True)) == {0}


def test_threads_claiming_and_returning_keep_slot_counts_exact():
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    tasks = make_tasks(batch, 10)
    workers = WorkerFactory.create_batch(THREADS)

    def claim_return_claim(index: int) -> None:
        worker = workers[index]
        try:
            first = services.assignment_claim_next(worker=worker, project=batch.project)
        except services.NoTaskAvailable:
            return
        if index % 2:
            services.assignment_return(assignment=first, worker=worker)
        else:
            services.assignment_submit(assignment=first, fields={"answer": ["x"]}, worker=worker)
        try:
            services.assignment_claim_next(worker=worker, project=batch.project)
        except services.NoTaskAvailable:
            pass

    errors = run_in_threads(THREADS, claim_return_claim)

    assert errors == []
    for task in tasks:
        task.refresh_from_db()
        holding = task.assignments.filter(state__in=SLOT_HOLDING_STATES).count()
        assert holding <= 3
        assert task.open_slots == 3 - holding
    pairs = list(Assignment.objects.values_list("task_id", "worker_id"))
    assert len(pairs) == len(set(pairs))


def test_concurrent_submits_of_one_assignment_store_exactly_one_answer():
    assignment = AssignmentFactory()
    outcomes: list[str] = []

    def submit(index: int) -> None:
        try:
            services.assignment_submit(
                assignment=assignment, fields={"answer": [f"answer {index}"]}
            )
            outcomes.append("stored")
        except services.AssignmentNotOpen:
            outcomes.append("refused")

    errors = run_in_threads(8, submit)

    assert errors == []
    assert sorted(outcomes) == ["refused"] * 7 + ["stored"]
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.answers["answer"].startswith("answer ")
