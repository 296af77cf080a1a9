"""Real threads on PostgreSQL: reviews finishing one batch at once tell its requester once."""

import pytest
from django.db import connection

from microwork.fairness.settlement import settle_due
from microwork.notifications.enums import NotificationKind
from microwork.notifications.models import Notification
from microwork.projects import services as projects
from microwork.work import services as work
from microwork.work.models import BatchFinish
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture
def immediate_queue():
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


def test_concurrent_last_reviews_finish_the_batch_once(immediate_queue):
    assert connection.vendor == "postgresql"
    batch = BatchFactory(project=ProjectFactory(assignments_per_task=1))
    for row in range(THREADS):
        TaskFactory(batch=batch, row_number=row + 2, max_assignments=1, open_slots=1)
    batch.task_count = THREADS
    batch.save()
    requester = batch.project.requester
    fund(requester, 10_000)
    projects.batch_publish(batch=batch)
    submitted = []
    for _ in range(THREADS):
        worker = WorkerFactory()
        assignment = work.assignment_claim_next(worker=worker, project=batch.project)
        submitted.append(
            work.assignment_submit(assignment=assignment, fields={"answer": ["x"]}, worker=worker)
        )

    errors = run_in_threads(
        THREADS,
        lambda index: work.assignment_approve(assignment=submitted[index], requester=requester),
    )
    # Two reviews that each saw the other's work pending leave it to the sweep.
    settle_due()
    settle_due()

    assert errors == []
    assert BatchFinish.objects.filter(batch=batch).count() == 1
    assert (
        Notification.objects.filter(
            recipient=requester, kind=NotificationKind.BATCH_FINISHED
        ).count()
        == 1
    )
    assert Notification.objects.filter(kind=NotificationKind.ASSIGNMENT_APPROVED).count() == THREADS
