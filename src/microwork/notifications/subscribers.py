"""Notifications' answers to the events below (wired in apps.py): each event of the act makes
the notification of the person it concerns, in the act's transaction (a refused act makes
none); its email is queued for after the commit (services.notify).

Parameters are gathered here, once, from the payload and at most one read, so the list page
and the emails render them without reading other tables (messages.py)."""

from microwork.accounts.events import TermsPublished
from microwork.accounts.models import TermsVersion, User
from microwork.fairness.events import AppealDecided, AppealOpened
from microwork.fairness.models import Appeal
from microwork.notifications.enums import NotificationKind as Kind
from microwork.notifications.services import notify, notify_many
from microwork.payments.events import (
    BalanceLow,
    BonusSent,
    DepositReversed,
    EscrowReturned,
    PayoutMethodChanged,
    PayoutPaid,
)
from microwork.payments.models import Bonus
from microwork.projects.models import Batch
from microwork.quality.events import QualificationGranted, WorkerBlocked, WorkerUnblocked
from microwork.quality.models import QualificationType, WorkerBlock
from microwork.work.events import (
    AssignmentApproved,
    AssignmentRejected,
    AssignmentsApproved,
    AssignmentsRejected,
    BatchFinished,
)


def _requester_name(user_id: int) -> str:
    user = User.objects.only("role", "email", "display_name", "worker_id").get(pk=user_id)
    return user.public_name


# --- a worker's ----------------------------------------------------------------------------


def _approved(event: AssignmentApproved) -> tuple[int, Kind, dict]:
    assignment = event.assignment
    batch = assignment.task.batch
    return (
        assignment.worker_id,
        Kind.ASSIGNMENT_APPROVED,
        {
            "assignment": assignment.public_id,
            "project": batch.project.title,
            "reward_cents": batch.reward_cents,
            "currency": batch.project.currency,
            "feedback": assignment.feedback,
            "automatic": event.automatic,
        },
    )


def _rejected(event: AssignmentRejected) -> tuple[int, Kind, dict]:
    assignment = event.assignment
    return (
        assignment.worker_id,
        Kind.ASSIGNMENT_REJECTED,
        {
            "assignment": assignment.public_id,
            "project": assignment.task.batch.project.title,
            "reason": assignment.feedback,
        },
    )


def assignment_approved(event: AssignmentApproved) -> None:
    recipient_id, kind, params = _approved(event)
    notify(recipient_id=recipient_id, kind=kind, params=params)


def assignment_rejected(event: AssignmentRejected) -> None:
    recipient_id, kind, params = _rejected(event)
    notify(recipient_id=recipient_id, kind=kind, params=params)


def assignments_approved(event: AssignmentsApproved) -> None:
    """A bulk review's approvals: the same notifications, written at once."""
    notify_many(notes=[_approved(item) for item in event.approvals])


def assignments_rejected(event: AssignmentsRejected) -> None:
    notify_many(notes=[_rejected(item) for item in event.rejections])


def bonus_sent(event: BonusSent) -> None:
    bonus = Bonus.objects.select_related("assignment__task__batch__project").get(pk=event.bonus_id)
    notify(
        recipient_id=event.worker_id,
        kind=Kind.BONUS_SENT,
        params={
            "project": bonus.assignment.task.batch.project.title,
            "amount_cents": event.amount_cents,
            "currency": event.currency,
            "reason": bonus.reason,
        },
    )


def appeal_decided(event: AppealDecided) -> None:
    appeal = Appeal.objects.only("public_id", "answer", "subject").get(pk=event.appeal_id)
    notify(
        recipient_id=event.worker_id,
        kind=Kind.APPEAL_DECIDED,
        params={
            "appeal": appeal.public_id,
            "subject": appeal.subject,
            "granted": event.granted,
            "answer": appeal.answer,
        },
    )


def payout_paid(event: PayoutPaid) -> None:
    notify(
        recipient_id=event.worker_id,
        kind=Kind.PAYOUT_PAID,
        params={
            "payout_id": event.payout_id,
            "amount_cents": event.amount_cents,
            "currency": event.currency,
        },
    )


def payout_method_changed(event: PayoutMethodChanged) -> None:
    notify(
        recipient_id=event.worker_id,
        kind=Kind.PAYOUT_METHOD_CHANGED,
        params={
            "kind": event.kind,
            "destination": event.destination,
            "payouts_from": event.payouts_from,
        },
    )


def worker_blocked(event: WorkerBlocked) -> None:
    block = WorkerBlock.objects.select_related("requester").get(pk=event.block_id)
    notify(
        recipient_id=event.worker_id,
        kind=Kind.WORKER_BLOCKED,
        params={"requester": block.requester.public_name, "reason": block.reason},
    )


def worker_unblocked(event: WorkerUnblocked) -> None:
    notify(
        recipient_id=event.worker_id,
        kind=Kind.WORKER_UNBLOCKED,
        params={"requester": _requester_name(event.requester_id)},
    )


def qualification_granted(event: QualificationGranted) -> None:
    name = QualificationType.objects.values_list("name", flat=True).get(
        pk=event.qualification_type_id
    )
    notify(
        recipient_id=event.worker_id,
        kind=Kind.QUALIFICATION_GRANTED,
        params={"qualification": name, "value": event.integer_value},
    )


# --- a requester's -------------------------------------------------------------------------


def batch_finished(event: BatchFinished) -> None:
    batch = (
        Batch.objects.select_related("project")
        .only("name", "project__title")
        .get(pk=event.batch_id)
    )
    notify(
        recipient_id=event.requester_id,
        kind=Kind.BATCH_FINISHED,
        params={"batch_id": event.batch_id, "batch": batch.name, "project": batch.project.title},
    )


def appeal_opened(event: AppealOpened) -> None:
    appeal = (
        Appeal.objects.select_related("worker")
        .only("public_id", "subject", "worker__worker_id")
        .get(pk=event.appeal_id)
    )
    notify(
        recipient_id=event.requester_id,
        kind=Kind.APPEAL_OPENED,
        params={
            "appeal": appeal.public_id,
            "subject": appeal.subject,
            "worker": appeal.worker.worker_id,
        },
    )


def balance_low(event: BalanceLow) -> None:
    notify(
        recipient_id=event.requester_id,
        kind=Kind.BALANCE_LOW,
        params={"available_cents": event.available_cents, "currency": event.currency},
    )


def deposit_reversed(event: DepositReversed) -> None:
    notify(
        recipient_id=event.requester_id,
        kind=Kind.DEPOSIT_REVERSED,
        params={
            "amount_cents": event.amount_cents,
            "owed_cents": event.owed_cents,
            "currency": event.currency,
        },
    )


def escrow_returned(event: EscrowReturned) -> None:
    name = Batch.objects.values_list("name", flat=True).get(pk=event.batch_id)
    notify(
        recipient_id=event.requester_id,
        kind=Kind.ESCROW_RETURNED,
        params={
            "batch_id": event.batch_id,
            "batch": name,
            "amount_cents": event.amount_cents,
            "currency": event.currency,
        },
    )


# --- everyone's ----------------------------------------------------------------------------


def terms_published(event: TermsPublished) -> None:
    """Every active worker and requester is told of a new version of the terms, with its
    summary of changes in both languages (the reader's is shown): one INSERT for all."""
    version = TermsVersion.objects.only("summary_en", "summary_fr").get(pk=event.version_id)
    params = {
        "number": event.number,
        "effective_at": event.effective_at.isoformat(),
        "summary_en": version.summary_en,
        "summary_fr": version.summary_fr,
    }
    recipients = User.objects.filter(is_active=True, role__in=("worker", "requester"))
    notify_many(
        notes=[
            (pk, Kind.TERMS_PUBLISHED, params)
            for pk in recipients.order_by("pk").values_list("pk", flat=True)
        ]
    )
