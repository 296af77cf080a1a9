"""Each act makes exactly one notification, for the right person, with what its words need; a
refused act makes none."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from microwork.fairness import services as fairness
from microwork.notifications.enums import NotificationKind as Kind
from microwork.notifications.models import Notification
from microwork.payments import services as payments
from microwork.projects import services as projects
from microwork.projects.models import Batch
from microwork.quality import services as quality
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.quality.factories import QualificationTypeFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _made():
    return list(Notification.objects.order_by("pk").values_list("recipient_id", "kind", "params"))


def _submitted(**project):
    assignment = SubmittedAssignmentFactory(
        task__batch__project__title="Tweets", task__batch__project__reward_cents=50, **project
    )
    return assignment, assignment.task.batch.project.requester


def test_approval_notifies_the_worker_once():
    assignment, requester = _submitted()

    work.assignment_approve(assignment=assignment, requester=requester, feedback="Thanks")
    with pytest.raises(work.ReviewRefused):
        work.assignment_approve(assignment=assignment, requester=requester)

    assert _made() == [
        (
            assignment.worker_id,
            Kind.ASSIGNMENT_APPROVED,
            {
                "assignment": assignment.public_id,
                "project": "Tweets",
                "reward_cents": 50,
                "currency": "EUR",
                "feedback": "Thanks",
                "automatic": False,
            },
        )
    ]


def test_rejection_notifies_the_worker_with_the_reason_and_a_refused_one_nothing():
    assignment, requester = _submitted()

    with pytest.raises(work.ReviewRefused):
        work.assignment_reject(assignment=assignment, requester=requester, reason="  ")
    assert _made() == []
    with pytest.raises(work.ReviewRefused):
        work.assignment_reject(assignment=assignment, requester=RequesterFactory(), reason="No")
    assert _made() == []

    work.assignment_reject(assignment=assignment, requester=requester, reason="Off topic.")

    assert _made() == [
        (
            assignment.worker_id,
            Kind.ASSIGNMENT_REJECTED,
            {"assignment": assignment.public_id, "project": "Tweets", "reason": "Off topic."},
        )
    ]


def test_bonus_notifies_the_worker_once_and_a_retry_nothing():
    assignment, requester = _submitted()
    fund(requester, 1000)

    for _ in range(2):
        payments.bonus_send(
            requester=requester,
            assignment=assignment,
            amount_cents=25,
            reason="Careful work",
            request_key="k1",
        )
    with pytest.raises(payments.PaymentRefused):
        payments.bonus_send(
            requester=requester, assignment=assignment, amount_cents=25, reason="", request_key="k2"
        )

    assert _made() == [
        (
            assignment.worker_id,
            Kind.BONUS_SENT,
            {"project": "Tweets", "amount_cents": 25, "currency": "EUR", "reason": "Careful work"},
        )
    ]


def test_appeal_opened_notifies_the_requester_and_its_answer_the_worker():
    assignment, requester = _submitted()
    work.assignment_reject(assignment=assignment, requester=requester, reason="Off topic.")
    Notification.objects.all().delete()

    appeal = fairness.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look again"
    )
    with pytest.raises(fairness.FairnessRefused):
        fairness.appeal_rejection_open(
            worker=assignment.worker, assignment=assignment, message="Twice"
        )
    with pytest.raises(ValidationError):
        fairness.appeal_answer(appeal=appeal, requester=requester, grant=False, answer="")
    fairness.appeal_answer(appeal=appeal, requester=requester, grant=False, answer="It is not.")

    assert _made() == [
        (
            requester.pk,
            Kind.APPEAL_OPENED,
            {
                "appeal": appeal.public_id,
                "subject": "rejection",
                "worker": assignment.worker.worker_id,
            },
        ),
        (
            assignment.worker_id,
            Kind.APPEAL_DECIDED,
            {
                "appeal": appeal.public_id,
                "subject": "rejection",
                "granted": False,
                "answer": "It is not.",
            },
        ),
    ]


def test_payout_paid_notifies_the_worker_once(settings):
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 10
    assignment, requester = _submitted()
    work.assignment_approve(assignment=assignment, requester=requester)
    payout = payments.payout_request(worker=assignment.worker, request_key="p")
    staff = UserFactory(role="requester", is_staff=True)
    Notification.objects.all().delete()

    payments.payout_mark_paid(payout=payout, external_reference="BANK-1", actor=staff)
    payments.payout_mark_paid(payout=payout, external_reference="BANK-1", actor=staff)

    assert _made() == [
        (
            assignment.worker_id,
            Kind.PAYOUT_PAID,
            {"payout_id": payout.pk, "amount_cents": 50, "currency": "EUR"},
        )
    ]


def test_block_and_its_lifting_notify_the_worker_once_each():
    requester = RequesterFactory(display_name="Acme Lab")
    worker = WorkerFactory()

    quality.worker_block_create(requester=requester, worker=worker, reason="Copied answers.")
    quality.worker_block_create(requester=requester, worker=worker, reason="Copied, again.")
    quality.worker_block_delete(requester=requester, worker=worker)
    quality.worker_block_delete(requester=requester, worker=worker)

    assert _made() == [
        (worker.pk, Kind.WORKER_BLOCKED, {"requester": "Acme Lab", "reason": "Copied answers."}),
        (worker.pk, Kind.WORKER_UNBLOCKED, {"requester": "Acme Lab"}),
    ]


def test_qualification_granted_notifies_the_worker_when_it_changes():
    kind = QualificationTypeFactory(name="English C1")
    worker = WorkerFactory()

    quality.qualification_grant(qualification_type=kind, worker=worker, requester=kind.owner)
    quality.qualification_grant(qualification_type=kind, worker=worker, requester=kind.owner)
    with pytest.raises(quality.QualityRefused):
        quality.qualification_grant(
            qualification_type=kind, worker=worker, requester=RequesterFactory()
        )

    assert _made() == [
        (worker.pk, Kind.QUALIFICATION_GRANTED, {"qualification": "English C1", "value": 1})
    ]


def _published(requester, tasks=1, redundancy=1):
    batch = BatchFactory(
        name="March",
        project=ProjectFactory(
            requester=requester, title="Tweets", assignments_per_task=redundancy
        ),
    )
    for row in range(tasks):
        TaskFactory(
            batch=batch, row_number=row + 2, max_assignments=redundancy, open_slots=redundancy
        )
    batch.task_count = tasks
    batch.save()
    return projects.batch_publish(batch=batch)


def test_a_finished_batch_notifies_its_requester_once_with_the_escrow_returned():
    requester = RequesterFactory()
    fund(requester, 10_000)
    batch = _published(requester, tasks=2)
    Notification.objects.all().delete()

    projects.batch_cancel(batch=batch)
    Batch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    work.batches_finish_done()

    assert _made() == [
        (
            requester.pk,
            Kind.BATCH_FINISHED,
            {"batch_id": batch.pk, "batch": "March", "project": "Tweets"},
        ),
        (
            requester.pk,
            Kind.ESCROW_RETURNED,
            {"batch_id": batch.pk, "batch": "March", "amount_cents": 120, "currency": "EUR"},
        ),
    ]


def test_balance_low_notifies_the_requester_once_per_crossing(settings):
    settings.MICROWORK_BALANCE_LOW_CENTS = 500
    requester = RequesterFactory()
    fund(requester, 60 + 60 + 450)

    _published(requester)  # 5.10 left
    _published(requester)  # 4.50 left: crossed
    _published(requester)  # 3.90 left: still below

    assert _made() == [
        (requester.pk, Kind.BALANCE_LOW, {"available_cents": 450, "currency": "EUR"})
    ]


def test_a_refused_publish_notifies_nobody(settings):
    settings.MICROWORK_BALANCE_LOW_CENTS = 500
    requester = RequesterFactory()
    fund(requester, 10)

    with pytest.raises(payments.InsufficientFunds):
        _published(requester)

    assert _made() == []
