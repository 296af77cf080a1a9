"""The worker's endpoints under real concurrency (PostgreSQL, threads): the door maps each
refusal of the use case to its problem, and the database holds one answer per act."""

from collections import Counter

import pytest
from django.db import connection

from microwork.projects.models import Task
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.api.conftest import ApiClient, api_client_for
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.threads import run_in_threads
from tests.work.factories import AssignmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def test_many_workers_accepting_the_last_slot_at_once_get_one_201():
    assert connection.vendor == "postgresql"
    project = ProjectFactory(assignments_per_task=1)
    task = TaskFactory(batch=PublishedBatchFactory(project=project))
    clients = [api_client_for(WorkerFactory()) for _ in range(THREADS)]
    answers = Counter()

    def accept(index: int) -> None:
        response = clients[index].post(f"/api/v1/worker/projects/{project.public_id}/accept")
        slug = response.json().get("type", "").rsplit("/", 1)[-1]
        answers[response.status_code, slug] += 1

    assert run_in_threads(THREADS, accept) == []

    assert answers == {(201, ""): 1, (409, "no-task-available"): THREADS - 1}
    assert Assignment.objects.filter(task=task).count() == 1
    assert Task.objects.get(pk=task.pk).open_slots == 0


def test_one_assignment_submitted_from_many_threads_at_once_is_stored_once():
    assignment = AssignmentFactory(task=TaskFactory(batch=PublishedBatchFactory()))
    secret = api_client_for(assignment.worker).secret
    answers = Counter()

    def submit(index: int) -> None:
        response = ApiClient(secret).post(
            f"/api/v1/worker/assignments/{assignment.public_id}/submit",
            {"answers": {"answer": f"try {index}"}},
        )
        answers[response.status_code] += 1

    assert run_in_threads(THREADS, submit) == []

    assert answers == {200: 1, 409: THREADS - 1}
    stored = Assignment.objects.get(pk=assignment.pk)
    assert stored.state == AssignmentState.SUBMITTED
    assert stored.answers["answer"].startswith("try ")
