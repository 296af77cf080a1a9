"""Staff see the books in the admin, read-only: money moves only through payments.services
(the deposit and payout pages), never by editing rows."""

from django.contrib import admin

from microwork.common.money import format_money
from microwork.payments.models import Account, Bonus, LedgerEntry, Payout, Posting
from microwork.payments.services import balance


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
