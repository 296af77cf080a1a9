"""What payments publishes: once per act, nothing on a refused act or a retry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.payments import events
from microwork.payments import services as payments
from microwork.projects import services as projects
from microwork.projects.models import Batch
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.recording import recorded
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

SLOT = 60  # reward 0.50 + fee 0.10


def _draft(requester, tasks=1, redundancy=3):
    batch = BatchFactory(
        project=ProjectFactory(requester=requester, assignments_per_task=redundancy)
    )
    for row in range(tasks):
        TaskFactory(
            batch=batch, row_number=row + 2, max_assignments=redundancy, open_slots=redundancy
        )
    batch.task_count = tasks
    batch.save()
    return batch


def test_bonus_sent_once_and_not_on_a_retry_or_a_refusal():
    assignment = SubmittedAssignmentFactory()
    requester = assignment.task.batch.project.requester
    fund(requester, 1000)

    with recorded(events.bonus_sent) as published:
        bonus = payments.bonus_send(
            requester=requester,
            assignment=assignment,
            amount_cents=30,
            reason="Nice",
            request_key="b1",
        )
        payments.bonus_send(
            requester=requester,
            assignment=assignment,
            amount_cents=30,
            reason="Nice",
            request_key="b1",
        )
        with pytest.raises(payments.PaymentRefused):
            payments.bonus_send(
                requester=requester,
                assignment=assignment,
                amount_cents=0,
                reason="x",
                request_key="b2",
            )
        with pytest.raises(payments.InsufficientFunds):
            payments.bonus_send(
                requester=requester,
                assignment=assignment,
                amount_cents=10_000,
                reason="x",
                request_key="b3",
            )

    assert published == [
        events.BonusSent(
            bonus_id=bonus.pk,
            assignment_id=assignment.pk,
            worker_id=assignment.worker_id,
            requester_id=requester.pk,
            amount_cents=30,
            currency="EUR",
        )
    ]


def test_payout_paid_once_and_not_on_cancel():
    worker = WorkerFactory()
    staff = UserFactory(role="requester", is_staff=True)
    assignment = SubmittedAssignmentFactory(worker=worker)
    requester = assignment.task.batch.project.requester
    fund(requester, 3000)
    payments.bonus_send(
        requester=requester, assignment=assignment, amount_cents=1200, reason="r", request_key="e"
    )
    paid = payments.payout_request(worker=worker, request_key="p1", amount_cents=600)
    cancelled = payments.payout_request(worker=worker, request_key="p2", amount_cents=500)

    with recorded(events.payout_paid) as published:
        payments.payout_mark_paid(payout=paid, external_reference="BANK-1", actor=staff)
        payments.payout_mark_paid(payout=paid, external_reference="BANK-1", actor=staff)
        payments.payout_cancel(payout=cancelled, actor=staff)
        with pytest.raises(payments.PaymentRefused):
            payments.payout_mark_paid(payout=cancelled, external_reference="BANK-2", actor=staff)

    assert published == [
        events.PayoutPaid(payout_id=paid.pk, worker_id=worker.pk, amount_cents=600, currency="EUR")
    ]


def test_balance_low_once_per_crossing(settings):
    settings.MICROWORK_BALANCE_LOW_CENTS = 500
    requester = RequesterFactory()
    fund(requester, 3 * SLOT + 3 * SLOT + 450)  # two batches of 3 slots, then 4.50 left

    with recorded(events.balance_low) as published:
        projects.batch_publish(batch=_draft(requester))  # 6.30 left: above
        assert published == []
        projects.batch_publish(batch=_draft(requester))  # 4.50 left: crossed
        assert published == [
            events.BalanceLow(requester_id=requester.pk, currency="EUR", available_cents=450)
        ]
        projects.batch_publish(batch=_draft(requester, redundancy=1))  # 3.90: still below
        assert len(published) == 1


def test_balance_low_not_on_a_refused_publish(settings):
    settings.MICROWORK_BALANCE_LOW_CENTS = 500
    requester = RequesterFactory()
    fund(requester, 100)

    with recorded(events.balance_low) as published:
        with pytest.raises(payments.InsufficientFunds):
            projects.batch_publish(batch=_draft(requester))

    assert published == []


def test_balance_low_on_a_top_up_that_crosses(settings):
    settings.MICROWORK_BALANCE_LOW_CENTS = 500
    requester = RequesterFactory()
    fund(requester, 3 * SLOT + 520)
    batch = projects.batch_publish(batch=_draft(requester))  # 5.20 left

    with recorded(events.balance_low) as published:
        projects.task_add_assignments(task=batch.tasks.get(), count=1)  # 4.60 left

    assert published == [
        events.BalanceLow(requester_id=requester.pk, currency="EUR", available_cents=460)
    ]


def test_escrow_returned_once_when_an_ended_batch_gives_back():
    requester = RequesterFactory()
    fund(requester, 10_000)
    batch = projects.batch_publish(batch=_draft(requester, tasks=2))
    Batch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with recorded(events.escrow_returned) as published:
        payments.batches_release_ended()
        payments.batches_release_ended()

    assert published == [
        events.EscrowReturned(
            batch_id=batch.pk, requester_id=requester.pk, amount_cents=6 * SLOT, currency="EUR"
        )
    ]


def test_escrow_returned_on_cancel():
    requester = RequesterFactory()
    fund(requester, 10_000)
    batch = projects.batch_publish(batch=_draft(requester))

    with recorded(events.escrow_returned) as published:
        projects.batch_cancel(batch=batch)

    assert [payload.amount_cents for payload in published] == [3 * SLOT]
