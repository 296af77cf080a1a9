from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    REQUESTER_AVAILABLE = "requester_available", _("Requester funds")
    ESCROW = "escrow", _("Escrow of a batch")
    WORKER_AVAILABLE = "worker_available", _("Worker earnings")
    WORKER_PAYOUT_PENDING = "worker_payout_pending", _("Payouts requested")
    PLATFORM_FEES = "platform_fees", _("Platform fees")
    EXTERNAL = "external", _("Outside world (deposits and payouts)")
    # What a requester owes after a card payment was refunded or disputed once its money was
    # spent: never above zero, below it by the amount owed (docs/deposits.md).
    REQUESTER_DEBT = "requester_debt", _("Owed after a reversed payment")


# Only the outside world may go below zero: it is where deposits come from and payouts go; and
# a requester's debt account, whose negative balance is what they owe.
MAY_GO_NEGATIVE = frozenset({AccountKind.EXTERNAL, AccountKind.REQUESTER_DEBT})


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
    DEPOSIT_REVERSAL = "deposit_reversal", _("Card payment refunded or disputed")
    DEBT_REPAYMENT = "debt_repayment", _("Debt repaid")
    PAYOUT_FAILED = "payout_failed", _("Payout returned by the bank")


class PayoutState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SENT = "sent", _("Sent to the bank")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


# Payouts still owed to the worker: their money waits in payout-pending.
PAYOUT_OPEN_STATES = frozenset({PayoutState.REQUESTED, PayoutState.SENT})


class BankLineState(models.TextChoices):
    """What an imported bank statement line did (payments/banking.py)."""

    CREDITED = "credited", _("Credited to a requester")
    UNMATCHED = "unmatched", _("Waiting for staff")
    DISMISSED = "dismissed", _("Dismissed")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    PAYOUT_FAILED = "payout_failed", _("Payout returned")
    IGNORED = "ignored", _("Not for microwork")


class PayoutFileFormat(models.TextChoices):
    SEPA_09 = "pain.001.001.09", _("SEPA credit transfer (pain.001.001.09)")
    SEPA_03 = "pain.001.001.03", _("SEPA credit transfer (pain.001.001.03)")
    CSV = "csv", _("CSV for other rails")


class DepositChannel(models.TextChoices):
    """How a deposit's money came in: it is written on its receipt."""

    STAFF = "staff", _("Recorded by staff")
    TRANSFER = "transfer", _("Bank transfer")
    CARD = "card", _("Card payment")


class CardDepositState(models.TextChoices):
    CREATED = "created", _("Waiting for payment")
    PROCESSING = "processing", _("Payment processing")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Expired unpaid")


class StripeEventOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    WAITING = "waiting", _("Waiting for its payment")
    IGNORED = "ignored", _("Ignored")


class PayoutMethodKind(models.TextChoices):
    IBAN = "iban", _("Bank account (IBAN)")
    PAYPAL = "paypal", _("PayPal")
