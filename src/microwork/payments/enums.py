from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    REQUESTER_AVAILABLE = "requester_available", _("Requester funds")
    ESCROW = "escrow", _("Escrow of a batch")
    WORKER_AVAILABLE = "worker_available", _("Worker earnings")
    WORKER_PAYOUT_PENDING = "worker_payout_pending", _("Payouts requested")
    PLATFORM_FEES = "platform_fees", _("Platform fees")
    EXTERNAL = "external", _("Outside world (deposits and payouts)")


# Only the outside world may go below zero: it is where deposits come from and payouts go.
MAY_GO_NEGATIVE = frozenset({AccountKind.EXTERNAL})


class PostingKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    ESCROW_RESERVE = "escrow_reserve", _("Reserved for a batch")
    ESCROW_RELEASE = "escrow_release", _("Unused escrow returned")
    REWARD = "reward", _("Reward for approved work")
    REJECTION_REFUND = "rejection_refund", _("Rejected work refunded")
    OVERTURN = "overturn", _("Rejection overturned")
    BONUS = "bonus", _("Bonus")
    TOPUP = "topup", _("Pay floor top-up")
    PAYOUT_REQUEST = "payout_request", _("Payout requested")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    PAYOUT_CANCEL = "payout_cancel", _("Payout cancelled")


class PayoutState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
