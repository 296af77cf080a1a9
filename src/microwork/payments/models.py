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

from microwork.payments.enums import (
    AccountKind,
    BankLineState,
    CardDepositState,
    DepositChannel,
    PayoutFileFormat,
    PayoutMethodKind,
    PayoutState,
    PostingKind,
    StripeEventOutcome,
)


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
    # The assignment this entry pays its worker for: the posting's assignment, repeated on each
    # entry to a worker's earnings (reward, overturn, pay floor top-up, bonus, or a reversal of
    # one) when the posting is written; null on every other entry. Pay per assignment is then
    # read from the ledger alone, through the index below, instead of joining every entry to
    # its posting and account (the observatory's snapshot, docs/adr/0026).
    assignment = models.ForeignKey(
        "work.Assignment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="entry_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["account", "amount_cents"], name="entry_account_amount"),
            models.Index(
                fields=["assignment", "amount_cents"],
                condition=Q(assignment__isnull=False),
                name="entry_pays_assignment",
            ),
        ]

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
    # Sent in a payout file (SEPA or CSV, payments/banking.py); the bank's statement
    # finds it again by its end-to-end id.
    payout_file = models.ForeignKey(
        "PayoutFile", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    end_to_end_id = models.CharField(max_length=35, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payout_positive"),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "sent"])
                | Q(settle_posting__isnull=False, settled_at__isnull=False),
                name="payout_settled_has_posting",
            ),
            models.CheckConstraint(
                condition=Q(state="requested")
                | Q(state="cancelled", payout_file__isnull=True)
                | Q(payout_file__isnull=False, sent_at__isnull=False) & ~Q(end_to_end_id="")
                | Q(state="paid", payout_file__isnull=True),
                name="payout_sent_has_file",
            ),
            models.UniqueConstraint(
                fields=["end_to_end_id"],
                condition=~Q(end_to_end_id=""),
                name="payout_end_to_end_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount_cents} {self.currency} to {self.worker_id} ({self.state})"


class PayoutFile(models.Model):
    """A file of payouts handed to a bank (SEPA pain.001) or another rail (CSV), kept as sent so
    that it can be downloaded again."""

    message_id = models.CharField(max_length=35, unique=True)
    format = models.CharField(max_length=20, choices=PayoutFileFormat.choices)
    content = models.TextField()
    currency = models.CharField(max_length=3)
    payout_count = models.PositiveIntegerField()
    total_cents = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.message_id

    @property
    def file_name(self) -> str:
        extension = "csv" if self.format == PayoutFileFormat.CSV else "xml"
        return f"{self.message_id}.{extension}"


class BankStatement(models.Model):
    """One import of a bank statement file (CAMT.053, CAMT.054 or CSV) by staff."""

    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=20)
    account_iban = models.CharField(max_length=34, blank=True)
    statement_id = models.CharField(max_length=100, blank=True)
    lines_new = models.PositiveIntegerField(default=0)
    lines_known = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.format} {self.statement_id or self.file_name}"


class BankLine(models.Model):
    """One booked transaction of a bank statement, imported once: `key` (the account and the
    bank's own reference of the entry) is unique, so importing a statement again adds nothing."""

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    key = models.CharField(max_length=200, unique=True)
    entry_reference = models.CharField(max_length=100)
    booked_on = models.DateField(null=True, blank=True)
    # Signed: a credit to the operator's account is positive, a debit negative.
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    counterparty_name = models.CharField(max_length=140, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    remittance = models.CharField(max_length=500, blank=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    return_reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=16, choices=BankLineState.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_lines",
    )
    payout = models.ForeignKey(
        Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    posting = models.ForeignKey(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    # Why a line waits for staff, or why staff dismissed it.
    note = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="bank_line_not_zero"),
            models.CheckConstraint(
                condition=~Q(state="credited") | Q(requester__isnull=False, posting__isnull=False),
                name="bank_line_credited_has_posting",
            ),
        ]
        indexes = [models.Index(fields=["state", "id"], name="bank_line_state")]

    def __str__(self) -> str:
        return f"{self.entry_reference}: {self.amount_cents} {self.currency} ({self.state})"


# --- card deposits, receipts, payout details (docs/deposits.md, docs/adr/0024) -------------


class CardDeposit(models.Model):
    """A requester's payment by card through a Stripe Checkout Session.

    Created before the requester is sent to Stripe; only a signed webhook event credits it
    (`posting`), once. Refunds and disputes add to `reversed_cents` with reversing postings.
    """

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="card_deposits"
    )
    # The form's key: a double click or a resubmitted page makes one deposit, one session.
    request_key = models.CharField(max_length=64)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(
        max_length=16, choices=CardDepositState.choices, default=CardDepositState.CREATED
    )
    stripe_session_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    stripe_payment_intent = models.CharField(max_length=255, blank=True)
    posting = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="card_deposit"
    )
    # Cumulative amounts taken back: refunds as Stripe counts them (a charge's amount_refunded),
    # disputes as the sum of their amounts.
    refunded_cents = models.BigIntegerField(default=0)
    disputed_cents = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="card_deposit_positive"),
            models.UniqueConstraint(
                fields=["requester", "request_key"], name="card_deposit_request_key_unique"
            ),
            models.UniqueConstraint(
                fields=["stripe_session_id"],
                condition=~Q(stripe_session_id=""),
                name="card_deposit_session_unique",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(posting__isnull=False, paid_at__isnull=False),
                name="card_deposit_paid_has_posting",
            ),
            models.CheckConstraint(
                condition=Q(refunded_cents__gte=0, disputed_cents__gte=0),
                name="card_deposit_reversals_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["stripe_payment_intent"], name="card_deposit_intent"),
        ]

    def __str__(self) -> str:
        return f"card deposit {self.amount_cents} {self.currency} ({self.state})"

    @property
    def reversed_cents(self) -> int:
        return self.refunded_cents + self.disputed_cents


class StripeEvent(models.Model):
    """A verified Stripe event, recorded once under its id: a replay or a duplicate delivery
    finds it and changes nothing. An event about a payment not yet known (a refund that came
    before its checkout.session.completed) waits here with its object, and is applied when
    the payment is."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    outcome = models.CharField(max_length=16, choices=StripeEventOutcome.choices)
    payment_intent = models.CharField(max_length=255, blank=True)
    deposit = models.ForeignKey(
        CardDeposit, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    # The event's object, kept only while it waits.
    data = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)
    stripe_created = models.BigIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["stripe_created", "pk"]
        indexes = [
            models.Index(fields=["payment_intent", "outcome"], name="stripe_event_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"


class ReceiptCounter(models.Model):
    """The last receipt number given in a year: locked by each new receipt, so numbers have no
    gap and no duplicate (the deposit's transaction takes it back with the number if it rolls
    back)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Receipt(models.Model):
    """The receipt of one deposit, numbered per year without gap ("2026-000001"). What it says
    of the operator is copied when it is issued: a receipt never changes afterwards."""

    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="receipt")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receipts"
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    channel = models.CharField(max_length=16, choices=DepositChannel.choices)
    reference = models.CharField(max_length=200, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    # The requester as billed, and the operator's details, when issued.
    customer = models.JSONField(default=dict)
    operator = models.JSONField(default=dict)

    class Meta:
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="receipt_year_sequence"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="receipt_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class PayoutMethod(models.Model):
    """Where a worker's payouts go: an IBAN and its holder, or a PayPal address.

    Payouts wait 24 hours after any change (`changed_at`): payout_request() refuses until then,
    and the SEPA export skips them, so a stolen session cannot redirect money before the
    worker, told by email, can react.
    """

    worker = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_method"
    )
    kind = models.CharField(max_length=8, choices=PayoutMethodKind.choices)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)  # compact, upper-case
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder = models.CharField(_("account holder"), max_length=70, blank=True)
    paypal_email = models.EmailField(_("PayPal email"), blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="iban", paypal_email="") & ~Q(iban="") & ~Q(holder="")
                | Q(kind="paypal", iban="", bic="", holder="") & ~Q(paypal_email=""),
                name="payout_method_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.worker_id}"
