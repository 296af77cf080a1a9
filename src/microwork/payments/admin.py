"""Staff see the books in the admin, read-only: money moves only through payments.services
(the deposit and payout pages), never by editing rows."""

from django.contrib import admin

from microwork.common.admin import ReadOnlyAdmin
from microwork.common.money import format_money
from microwork.payments.models import (
    Account,
    Bonus,
    CardDeposit,
    LedgerEntry,
    Payout,
    PayoutMethod,
    Posting,
    Receipt,
    StripeEvent,
)
from microwork.payments.services import balance


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount_cents", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "owner", "batch", "currency", "current_balance"]
    list_filter = ["kind", "currency"]
    search_fields = ["key", "owner__email", "owner__worker_id"]

    @admin.display(description="balance")
    def current_balance(self, account):
        return format_money(balance(account), account.currency)


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "idempotency_key", "memo", "actor"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "memo"]
    inlines = [EntryInline]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = [
        "requested_at",
        "worker",
        "amount_cents",
        "currency",
        "state",
        "external_reference",
    ]
    list_filter = ["state"]


@admin.register(Bonus)
class BonusAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "assignment", "amount_cents", "fee_cents", "currency", "reason"]


@admin.register(CardDeposit)
class CardDepositAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "requester",
        "amount_cents",
        "currency",
        "state",
        "refunded_cents",
        "disputed_cents",
        "stripe_payment_intent",
    ]
    list_filter = ["state"]
    search_fields = ["requester__email", "stripe_session_id", "stripe_payment_intent"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event_id", "type", "outcome", "deposit", "note"]
    list_filter = ["outcome", "type"]
    search_fields = ["event_id", "payment_intent"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "issued_at", "requester", "amount_cents", "currency", "channel"]
    list_filter = ["year", "channel"]
    search_fields = ["number", "requester__email", "reference"]


@admin.register(PayoutMethod)
class PayoutMethodAdmin(ReadOnlyAdmin):
    list_display = ["worker", "kind", "iban", "bic", "holder", "paypal_email", "changed_at"]
    list_filter = ["kind"]
    search_fields = ["worker__email", "worker__worker_id", "iban", "paypal_email"]
