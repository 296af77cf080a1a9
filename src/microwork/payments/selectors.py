"""Reads of money: balances, statements, earnings, spending, and what is due.

A read never writes, not even an empty account on first use: accounts are looked up by key
and a missing one holds nothing. What time alone has decided (work past its auto-approval
time, the unused escrow of batches that ended) is shown as due here and moved by the sweep
(fairness.settlement.settle_due), or by the write that needs it (a payout request, a publish).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from microwork.accounts.models import User
from microwork.payments.enums import AccountKind, PayoutState
from microwork.payments.models import LedgerEntry, Payout
from microwork.payments.services import overlap_headroom_slots, slot_price
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Task
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from microwork.work.selectors import auto_approval_due


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


def _entries(kind: AccountKind, owner: User, currency: str | None = None):
    """The entries of `owner`'s account of `kind` (services.account_get's key), without
    creating the account: none yet is no entry."""
    currency = currency or settings.MICROWORK_CURRENCY
    return LedgerEntry.objects.filter(account__key=f"{kind}:{owner.pk}:{currency}")


def _batch_reward():
    """An assignment's reward, as reward_pay() pays it: its batch's (raised by the pay floor),
    else its project's."""
    return Coalesce("task__batch__reward_override_cents", "task__batch__project__reward_cents")


# --- what is due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequesterDue:
    """What settling would move for a requester now (all in cents).

    - `escrow_back_cents`: the unused escrow of `ended_batches` batches that ended (cancelled
      or past their lifetime), back to the requester's funds: what each holds beyond the
      assignments still accepted within their deadline or submitted (overdue ones expire);
    - `auto_approvals`, `auto_approvals_cents`: submissions past their auto-approval time,
      paid from their batches' escrow to the workers, rewards and fees.
    """

    escrow_back_cents: int
    ended_batches: int
    auto_approvals: int
    auto_approvals_cents: int


def _escrow_held():
    return (
        LedgerEntry.objects.filter(account__kind=AccountKind.ESCROW, account__batch=OuterRef("pk"))
        .order_by()
        .values("account__batch")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )


def _still_owed(now):
    """Assignments an ended batch still owes once overdue ones have expired: those accepted
    within their deadline, and every submitted one (paid from the escrow when approved)."""
    return (
        Assignment.objects.filter(
            Q(state=AssignmentState.SUBMITTED)
            | Q(state=AssignmentState.ACCEPTED, deadline__gt=now),
            task__batch=OuterRef("pk"),
        )
        .order_by()
        .values("task__batch")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _slot_cost(batch: Batch) -> int:
    reward, fee = slot_price(batch.project, batch)
    return reward + fee


def requester_due(requester: User, now=None) -> RequesterDue:
    """What fairness.settlement.settle_due() would move for `requester` at `now` (RequesterDue),
    read without moving it, as the sweep's expiry, payments.services.batches_release_ended() and
    work.services.assignments_auto_approve_due() compute it."""
    now = now or timezone.now()
    ended = (
        Batch.objects.filter(project__requester=requester)
        .exclude(status=BatchStatus.DRAFT)
        .filter(Q(status=BatchStatus.CANCELLED) | Q(expires_at__lte=now))
        .annotate(
            held=Coalesce(Subquery(_escrow_held(), output_field=IntegerField()), 0),
            owed_slots=Coalesce(Subquery(_still_owed(now), output_field=IntegerField()), 0),
        )
        .filter(held__gt=0)
        .select_related("project")
        .order_by("pk")
    )
    back, batches = 0, 0
    for batch in ended:
        surplus = batch.held - batch.owed_slots * _slot_cost(batch)
        if surplus > 0:
            back += surplus
            batches += 1
    due_by_batch = dict(
        Assignment.objects.filter(auto_approval_due(now), task__batch__project__requester=requester)
        .order_by()
        .values("task__batch")
        .annotate(n=Count("pk"))
        .values_list("task__batch", "n")
    )
    approvals_cents = sum(
        count * _slot_cost(batch)
        for batch, count in (
            (batch, due_by_batch[batch.pk])
            for batch in Batch.objects.filter(pk__in=due_by_batch).select_related("project")
        )
    )
    return RequesterDue(
        escrow_back_cents=back,
        ended_batches=batches,
        auto_approvals=sum(due_by_batch.values()),
        auto_approvals_cents=approvals_cents,
    )


def worker_auto_approvals_due(worker: User, now=None) -> dict:
    """The worker's submissions past their auto-approval time: `count`, and `reward_cents`,
    what their approval will pay the worker (at each batch's reward)."""
    now = now or timezone.now()
    due = Assignment.objects.filter(auto_approval_due(now), worker=worker).aggregate(
        count=Count("pk"), reward_cents=Sum(_batch_reward())
    )
    return {"count": due["count"], "reward_cents": due["reward_cents"] or 0}


# --- balances --------------------------------------------------------------------------------


def requester_money(requester: User, now=None) -> dict:
    """Available funds, what sits in escrow for their batches, what they spent, and what is
    due (requester_due()): `escrow_back_cents` from ended batches and `auto_approvals_cents`
    due to workers; `available_settled_cents` and `escrow_settled_cents` are the two balances
    once that is settled."""
    currency = settings.MICROWORK_CURRENCY
    funds = _entries(AccountKind.REQUESTER_AVAILABLE, requester, currency)
    escrow_entries = LedgerEntry.objects.filter(
        account__kind=AccountKind.ESCROW, account__owner=requester
    )
    available = _sum(funds)
    escrow = _sum(escrow_entries)
    due = requester_due(requester, now)
    return {
        "currency": currency,
        "available_cents": available,
        "escrow_cents": escrow,
        "deposited_cents": _sum(funds.filter(posting__kind="deposit")),
        "rewards_cents": -_sum(escrow_entries.filter(posting__kind="reward"))
        - _sum(funds.filter(posting__kind__in=["overturn", "topup"])),
        "bonuses_cents": -_sum(funds.filter(posting__kind="bonus")),
        "escrow_back_cents": due.escrow_back_cents,
        "ended_batches_due": due.ended_batches,
        "auto_approvals_due": due.auto_approvals,
        "auto_approvals_cents": due.auto_approvals_cents,
        "available_settled_cents": available + due.escrow_back_cents,
        "owed_cents": requester_owed(requester, currency),
        "escrow_settled_cents": escrow - due.escrow_back_cents - due.auto_approvals_cents,
    }


def requester_owed(requester: User, currency: str | None = None) -> int:
    """What the requester owes from card payments taken back after their money was spent
    (the requester_debt account, below zero by that much), as a positive amount."""
    return -_sum(_entries(AccountKind.REQUESTER_DEBT, requester, currency))


def requester_statement(requester: User):
    """Entries of the requester's funds account, oldest first (for a running balance)."""
    return (
        _entries(AccountKind.REQUESTER_AVAILABLE, requester)
        .select_related("posting", "posting__batch")
        .order_by("pk")
    )


def worker_money(worker: User, now=None) -> dict:
    """What the worker has earned: available, asked to be paid out, paid out; the rewards of
    submitted work past its auto-approval time (`auto_approval_due_cents`, theirs at the next
    sweep or payout request, `available_settled_cents` counting them), and of submitted work
    still waiting for review (not money yet, but money they can expect)."""
    now = now or timezone.now()
    currency = settings.MICROWORK_CURRENCY
    available = _sum(_entries(AccountKind.WORKER_AVAILABLE, worker, currency))
    paid = Payout.objects.filter(worker=worker, state=PayoutState.PAID).aggregate(
        total=Sum("amount_cents")
    )
    awaiting = (
        Assignment.objects.filter(worker=worker, state=AssignmentState.SUBMITTED)
        .exclude(auto_approval_due_at__lte=now)
        .aggregate(total=Sum(_batch_reward()))
    )
    due = worker_auto_approvals_due(worker, now)
    return {
        "currency": currency,
        "available_cents": available,
        "payout_pending_cents": _sum(_entries(AccountKind.WORKER_PAYOUT_PENDING, worker, currency)),
        "paid_out_cents": paid["total"] or 0,
        "awaiting_review_cents": awaiting["total"] or 0,
        "auto_approvals_due": due["count"],
        "auto_approval_due_cents": due["reward_cents"],
        "available_settled_cents": available + due["reward_cents"],
    }


def worker_earnings_history(worker: User):
    """Money that reached the worker: rewards and bonuses (with the requester's reason)."""
    return (
        _entries(AccountKind.WORKER_AVAILABLE, worker)
        .select_related("posting__assignment__task__batch__project", "posting__bonus")
        .order_by("-pk")
    )
