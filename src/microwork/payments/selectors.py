"""Reads of money: balances, statements, earnings, spending."""

from django.db.models import Sum

from microwork.accounts.models import User
from microwork.payments.enums import AccountKind, PayoutState
from microwork.payments.models import Account, LedgerEntry, Payout
from microwork.payments.services import (
    balance,
    overlap_headroom_slots,
    requester_available,
    slot_price,
    worker_available,
)
from microwork.projects.models import Batch, Task
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment


def batch_slots(batch: Batch) -> int:
    """How many assignments the batch pays for: every task times its redundancy, or its
    maximum overlap with dynamic overlap (ADR 0012)."""
    slots = Task.objects.filter(batch=batch).aggregate(total=Sum("max_assignments"))["total"] or 0
    return slots + overlap_headroom_slots(batch)


def batch_cost(batch: Batch) -> dict:
    """What publishing costs, for the requester to see first: rewards, fees, total (cents)."""
    slots = batch_slots(batch)
    reward, fee = slot_price(batch.project, batch)
    return {
        "slots": slots,
        "rewards_cents": slots * reward,
        "fees_cents": slots * fee,
        "total_cents": slots * (reward + fee),
        "fee_per_assignment_cents": fee,
    }


def _sum(entries) -> int:
    return entries.aggregate(total=Sum("amount_cents"))["total"] or 0


def requester_money(requester: User) -> dict:
    """Available funds, what sits in escrow for their batches, and what they spent."""
    available = requester_available(requester)
    escrow = _sum(
        LedgerEntry.objects.filter(account__kind=AccountKind.ESCROW, account__owner=requester)
    )
    entries = LedgerEntry.objects.filter(account=available)
    return {
        "currency": available.currency,
        "available_cents": balance(available),
        "escrow_cents": escrow,
        "deposited_cents": _sum(entries.filter(posting__kind="deposit")),
        "rewards_cents": -_sum(
            LedgerEntry.objects.filter(
                account__kind=AccountKind.ESCROW, account__owner=requester, posting__kind="reward"
            )
        )
        - _sum(entries.filter(posting__kind__in=["overturn", "topup"])),
        "bonuses_cents": -_sum(entries.filter(posting__kind="bonus")),
    }


def requester_statement(requester: User):
    """Entries of the requester's funds account, oldest first (for a running balance)."""
    return (
        LedgerEntry.objects.filter(account=requester_available(requester))
        .select_related("posting", "posting__batch")
        .order_by("pk")
    )


def worker_money(worker: User) -> dict:
    """What the worker has earned: available, asked to be paid out, paid out, and the rewards
    of submitted work still waiting for review (not money yet, but money they can expect)."""
    available = worker_available(worker)
    pending_payout = Account.objects.filter(
        kind=AccountKind.WORKER_PAYOUT_PENDING, owner=worker
    ).first()
    paid = Payout.objects.filter(worker=worker, state=PayoutState.PAID).aggregate(
        total=Sum("amount_cents")
    )
    awaiting = Assignment.objects.filter(worker=worker, state=AssignmentState.SUBMITTED).aggregate(
        total=Sum("task__batch__project__reward_cents")
    )
    return {
        "currency": available.currency,
        "available_cents": balance(available),
        "payout_pending_cents": balance(pending_payout) if pending_payout else 0,
        "paid_out_cents": paid["total"] or 0,
        "awaiting_review_cents": awaiting["total"] or 0,
    }


def worker_earnings_history(worker: User):
    """Money that reached the worker: rewards and bonuses (with the requester's reason)."""
    return (
        LedgerEntry.objects.filter(account=worker_available(worker))
        .select_related("posting__assignment__task__batch__project", "posting__bonus")
        .order_by("-pk")
    )
