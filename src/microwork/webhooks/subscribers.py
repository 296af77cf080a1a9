"""The webhooks' answers to the events of the apps below, wired in apps.py: each writes one
delivery per subscribed endpoint of the requester concerned (never anyone else's), in the
act's transaction, and queues it after the commit (services.deliveries_create). The payload is
read only when some endpoint wants the event."""

from django.utils import timezone

from microwork.fairness.events import AppealOpened
from microwork.payments.events import BalanceLow
from microwork.webhooks import payloads, services
from microwork.webhooks.enums import EventType
from microwork.work.events import AssignmentSubmitted, BatchFinished


def deliver_assignment_submitted(event: AssignmentSubmitted) -> None:
    assignment = event.assignment
    services.deliveries_create(
        owner_id=assignment.task.batch.project.requester_id,
        event_type=EventType.ASSIGNMENT_SUBMITTED,
        data=lambda: payloads.assignment_submitted(assignment),
        now=event.now,
    )


def deliver_batch_finished(event: BatchFinished) -> None:
    services.deliveries_create(
        owner_id=event.requester_id,
        event_type=EventType.BATCH_FINISHED,
        data=lambda: payloads.batch_finished(event.batch_id),
        now=timezone.now(),
    )


def deliver_appeal_opened(event: AppealOpened) -> None:
    services.deliveries_create(
        owner_id=event.requester_id,
        event_type=EventType.APPEAL_OPENED,
        data=lambda: payloads.appeal_opened(event.appeal_id),
        now=timezone.now(),
    )


def deliver_balance_low(event: BalanceLow) -> None:
    services.deliveries_create(
        owner_id=event.requester_id,
        event_type=EventType.BALANCE_LOW,
        data=lambda: payloads.balance_low(
            currency=event.currency, available_cents=event.available_cents
        ),
        now=timezone.now(),
    )
