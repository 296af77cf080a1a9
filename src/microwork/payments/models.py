"""An append-only, double-entry ledger in integer minor units.

A posting is one money movement: a set of entries that sums to zero, written once under a
unique idempotency key. Entries are never updated or deleted (database triggers refuse it); a
correction is a new, reversing posting. A balance is the SUM of an account's entries, so there
is no stored total to drift.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.payments.enums import AccountKind, PayoutState, PostingKind


class Account(models.Model):
    """Where money sits. `key` names it uniquely, e.g. "requester_available:12:EUR"."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="money_accounts",
    )
    batch = models.ForeignKey(
        "projects.Batch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="money_accounts",
    )
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in AccountKind]),
                name="account_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="escrow") | Q(batch__isnull=False),
                name="account_escrow_has_batch",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Posting(models.Model):
    """One balanced movement of money, written once."""

    # Not a column: True on the instance post() has just written, False on one it found
    # under its key (a retry), so the caller tells what happened only once.
    is_new = False

    idempotency_key = models.CharField(max_length=200, unique=True)
    # A hash of what was asked, so a reused key with different terms is refused, not replayed.
    fingerprint = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=32, choices=PostingKind.choices)
    memo = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "projects.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        "work.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in PostingKind]),
                name="posting_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class LedgerEntry(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="entry_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "amount_cents"], name="entry_account_amount")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount_cents} {self.currency}"


class Bonus(models.Model):
    """A bonus a requester sent a worker for one of their assignments; the reason is shown."""

    assignment = models.ForeignKey(
        "work.Assignment", on_delete=models.PROTECT, related_name="bonuses"
    )
    amount_cents = models.BigIntegerField()
    fee_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.TextField(max_length=1024)
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="bonus")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("bonuses")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="bonus_positive")
        ]

    def __str__(self) -> str:
        return f"bonus {self.amount_cents} {self.currency} for {self.assignment_id}"


class Payout(models.Model):
    """A worker's request to be paid their available earnings; staff settle it outside."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(
        max_length=16, choices=PayoutState.choices, default=PayoutState.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    external_reference = models.CharField(_("external reference"), max_length=200, blank=True)
    request_posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="payout")
    settle_posting = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="settled_payout"
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payout_positive"),
            models.CheckConstraint(
                condition=Q(state="requested")
                | Q(settle_posting__isnull=False, settled_at__isnull=False),
                name="payout_settled_has_posting",
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount_cents} {self.currency} to {self.worker_id} ({self.state})"
