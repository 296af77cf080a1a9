"""The other events a requester's endpoint may subscribe to: a batch finished, an appeal opened,
a balance low. Each reaches the owner's subscribed endpoints, signed, and nobody else's."""

import pytest

from microwork.fairness import services as fairness
from microwork.projects import services as projects
from microwork.webhooks import payloads, services
from microwork.webhooks.models import Delivery
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_endpoints")]

EVERY_EVENT = ["assignment.submitted", "batch.finished", "appeal.opened", "balance.low"]
SLOT = 60  # reward 0.50 + fee 0.10, the factories' project


def _listening(receivers, owner, event_types=EVERY_EVENT):
    receiver = receivers()
    _endpoint, secret = services.endpoint_create(
        owner=owner, url=receiver.url, event_types=event_types
    )
    receiver.secrets = [secret]
    return receiver


def _draft(requester, tasks=1):
    batch = BatchFactory(project=ProjectFactory(requester=requester, assignments_per_task=1))
    for row in range(tasks):
        TaskFactory(batch=batch, row_number=row + 2, max_assignments=1, open_slots=1)
    batch.task_count = tasks
    batch.save()
    return batch


def _types(receiver) -> list[str]:
    assert all(arrival.verified == [True] for arrival in receiver.arrivals)
    return [arrival.payload["type"] for arrival in receiver.arrivals]


def test_a_batch_finished_reaches_its_owner(
    requester, receivers, django_capture_on_commit_callbacks
):
    fund(requester, 10_000)
    batch = projects.batch_publish(batch=_draft(requester))
    worker = WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)
    mine = _listening(receivers, requester, ["batch.finished"])
    theirs = _listening(receivers, RequesterFactory())

    with django_capture_on_commit_callbacks(execute=True):
        work.assignment_approve(assignment=assignment, requester=requester)

    assert _types(mine) == ["batch.finished"]
    assert mine.arrivals[0].payload["data"] == {
        "batch_id": batch.pk,
        "project_id": batch.project.public_id,
        "name": batch.name,
    }
    assert theirs.arrivals == []


def test_an_appeal_opened_reaches_the_requester_appealed_to(
    requester, receivers, django_capture_on_commit_callbacks
):
    fund(requester, 10_000)
    batch = projects.batch_publish(batch=_draft(requester))
    worker = WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    assignment = work.assignment_submit(
        assignment=assignment, fields={"answer": ["yes"]}, worker=worker
    )
    work.assignment_reject(assignment=assignment, requester=requester, reason="Off topic.")
    mine = _listening(receivers, requester, ["appeal.opened"])
    theirs = _listening(receivers, RequesterFactory())

    with django_capture_on_commit_callbacks(execute=True):
        appeal = fairness.appeal_rejection_open(
            worker=worker, assignment=assignment, message="It answers the question."
        )

    assert _types(mine) == ["appeal.opened"]
    assert mine.arrivals[0].payload["data"] == {
        "appeal_id": appeal.public_id,
        "subject": "rejection",
        "worker_id": worker.worker_id,
        "assignment_id": assignment.public_id,
        "answer_due_at": payloads.iso(appeal.answer_due_at),
    }
    assert theirs.arrivals == []


def test_a_balance_low_reaches_its_requester_once_per_crossing(
    requester, receivers, settings, django_capture_on_commit_callbacks
):
    settings.MICROWORK_BALANCE_LOW_CENTS = 500
    fund(requester, 3 * SLOT + 450)
    mine = _listening(receivers, requester, ["balance.low"])
    theirs = _listening(receivers, RequesterFactory())

    with django_capture_on_commit_callbacks(execute=True):
        projects.batch_publish(batch=_draft(requester, tasks=3))  # 4.50 left: crossed
        projects.batch_publish(batch=_draft(requester, tasks=1))  # 3.90: still below

    assert _types(mine) == ["balance.low"]
    assert mine.arrivals[0].payload["data"] == {
        "currency": "EUR",
        "available_cents": 450,
        "threshold_cents": 500,
    }
    assert theirs.arrivals == []


def test_an_endpoint_gets_only_the_events_it_subscribes_to(
    requester, receivers, django_capture_on_commit_callbacks
):
    fund(requester, 10_000)
    batch = projects.batch_publish(batch=_draft(requester))
    submitted_only = _listening(receivers, requester, ["assignment.submitted"])
    finished_only = _listening(receivers, requester, ["batch.finished"])
    worker = WorkerFactory()

    with django_capture_on_commit_callbacks(execute=True):
        assignment = work.assignment_claim_next(worker=worker, project=batch.project)
        work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)
    with django_capture_on_commit_callbacks(execute=True):
        work.assignment_approve(assignment=assignment, requester=requester)

    assert _types(submitted_only) == ["assignment.submitted"]
    assert _types(finished_only) == ["batch.finished"]
    assert Delivery.objects.count() == 2
