"""Fixtures of the requester endpoints' tests: two requesters (the owner, with funds, and
another), a worker, a client for each kind of caller, and a published batch with answers."""

from dataclasses import dataclass

import pytest

from microwork.payments import services as payments
from microwork.projects import services as projects
from microwork.projects.models import Batch
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.api.conftest import api_client_for
from tests.projects.factories import project_fields
from tests.work.factories import SubmittedAssignmentFactory

FUNDS = 1_000_00


def deposit(requester, cents: int = FUNDS) -> None:
    staff = UserFactory(role="requester", is_staff=True)
    payments.deposit_record(
        requester=requester,
        amount_cents=cents,
        external_reference=f"api-tests-{requester.pk}-{staff.pk}",
        actor=staff,
    )


def make_project(requester, **overrides):
    return projects.project_create(requester=requester, **project_fields(**overrides))


def make_batch(requester, *, rows: int = 2, slots: int = 2, publish: bool = True, **project):
    """A batch of `rows` tasks of `slots` assignments, uploaded (and published) through the
    services, as the pages do."""
    import io

    project = make_project(requester, assignments_per_task=slots, **project)
    text = "text\n" + "".join(f"sentence {n}\n" for n in range(1, rows + 1))
    batch = projects.batch_create_from_upload(
        project=project, file=io.BytesIO(text.encode()), filename="rows.csv", name="May"
    )
    return projects.batch_publish(batch=batch) if publish else batch


def submit(batch: Batch, count: int, **fields) -> list[Assignment]:
    """`count` submissions, one worker each, spread over the batch's tasks' slots."""
    made = []
    tasks = list(batch.tasks.order_by("row_number"))
    for index in range(count):
        task = tasks[index % len(tasks)]
        made.append(SubmittedAssignmentFactory(task=task, worker=WorkerFactory(), **fields))
    return made


@dataclass
class Callers:
    owner: object
    other: object
    worker: object
    api: object  # the owner's write token
    read: object  # the owner's read token
    other_api: object
    worker_api: object
    anonymous: object


@pytest.fixture
def callers(db) -> Callers:
    owner = RequesterFactory()
    other = RequesterFactory()
    worker = WorkerFactory()
    deposit(owner)
    deposit(other)
    return Callers(
        owner=owner,
        other=other,
        worker=worker,
        api=api_client_for(owner),
        read=api_client_for(owner, scope="read"),
        other_api=api_client_for(other),
        worker_api=api_client_for(worker),
        anonymous=api_client_for(None),
    )
