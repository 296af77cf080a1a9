"""The requester's money: balance and statement (the entries of their funds account)."""

from datetime import datetime

from django.db.models import F
from ninja import Query, Router, Schema

from microwork.api import auth
from microwork.api.pagination import Page, PageParams, paginate
from microwork.payments import selectors

router = Router(auth=auth.requester, tags=["requester: money"])


class BalanceOut(Schema):
    currency: str
    available_cents: int
    escrow_cents: int
    due_back_cents: int
    auto_approvals_due_cents: int
    deposited_cents: int
    rewards_cents: int
    bonuses_cents: int


class StatementLineOut(Schema):
    id: int
    created_at: datetime
    kind: str
    memo: str
    batch_id: int | None
    assignment_id: str | None
    amount_cents: int
    currency: str


@router.get("/balance", response=BalanceOut, url_name="requester-balance")
def balance(request):
    """Funds available, held in escrow for live batches, and due back from ended ones (the
    sweep gives it back within a minute)."""
    money = selectors.requester_money(request.auth)
    return {
        "currency": money["currency"],
        "available_cents": money["available_cents"],
        "escrow_cents": money["escrow_cents"],
        "due_back_cents": money["escrow_back_cents"],
        "auto_approvals_due_cents": money["auto_approvals_cents"],
        "deposited_cents": money["deposited_cents"],
        "rewards_cents": money["rewards_cents"],
        "bonuses_cents": money["bonuses_cents"],
    }


def _line(entry) -> dict:
    posting = entry.posting
    return {
        "id": entry.pk,
        "created_at": posting.created_at,
        "kind": posting.kind,
        "memo": posting.memo,
        "batch_id": posting.batch_id,
        "assignment_id": posting.assignment.public_id if posting.assignment_id else None,
        "amount_cents": entry.amount_cents,
        "currency": entry.currency,
    }


@router.get("/statement", response=Page[StatementLineOut], url_name="requester-statement")
def statement(request, page: Query[PageParams]):
    """Every movement of your funds, newest first."""
    entries = (
        selectors.requester_statement(request.auth)
        .select_related("posting__assignment")
        .annotate(written_at=F("posting__created_at"))
    )
    return paginate(entries, page, key="written_at", item=_line)
