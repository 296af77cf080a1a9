from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    # A worker's
    ASSIGNMENT_APPROVED = "assignment_approved", _("Work approved")
    ASSIGNMENT_REJECTED = "assignment_rejected", _("Work rejected")
    BONUS_SENT = "bonus_sent", _("Bonus received")
    APPEAL_DECIDED = "appeal_decided", _("Appeal answered")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    WORKER_BLOCKED = "worker_blocked", _("Blocked by a requester")
    WORKER_UNBLOCKED = "worker_unblocked", _("Block lifted")
    QUALIFICATION_GRANTED = "qualification_granted", _("Qualification granted")
    REQUESTER_MESSAGE = "requester_message", _("Message from a requester")
    # A security notice: always emailed at once, so not in WORKER_KINDS (no preference).
    PAYOUT_METHOD_CHANGED = "payout_method_changed", _("Payout details changed")
    # Everyone's, and always emailed at once: a notice of a change in the terms of service.
    TERMS_PUBLISHED = "terms_published", _("Terms of service changed")
    # A requester's
    BATCH_FINISHED = "batch_finished", _("Batch finished")
    APPEAL_OPENED = "appeal_opened", _("Appeal opened")
    BALANCE_LOW = "balance_low", _("Balance low")
    ESCROW_RETURNED = "escrow_returned", _("Escrow returned")
    DEPOSIT_REVERSED = "deposit_reversed", _("Card payment taken back")


WORKER_KINDS = (
    NotificationKind.ASSIGNMENT_APPROVED,
    NotificationKind.ASSIGNMENT_REJECTED,
    NotificationKind.BONUS_SENT,
    NotificationKind.APPEAL_DECIDED,
    NotificationKind.PAYOUT_PAID,
    NotificationKind.WORKER_BLOCKED,
    NotificationKind.WORKER_UNBLOCKED,
    NotificationKind.QUALIFICATION_GRANTED,
    NotificationKind.REQUESTER_MESSAGE,
)
REQUESTER_KINDS = (
    NotificationKind.BATCH_FINISHED,
    NotificationKind.APPEAL_OPENED,
    NotificationKind.BALANCE_LOW,
    NotificationKind.ESCROW_RETURNED,
    NotificationKind.DEPOSIT_REVERSED,
)


class Delivery(models.TextChoices):
    """How a person gets a kind of notification by email; the site's list shows them all."""

    # A new notification's, until the job after the commit reads the recipient's preference.
    PENDING = "pending", _("Not decided yet")
    IMMEDIATE = "immediate", _("Email at once")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("No email")


# Without a preference: what a worker may act on (a rejection to appeal, a block) or would
# miss (a message) comes at once; approvals, which come by the hundred, in the daily digest.
DEFAULT_DELIVERY = {
    NotificationKind.ASSIGNMENT_APPROVED: Delivery.DIGEST,
    NotificationKind.ESCROW_RETURNED: Delivery.DIGEST,
}
