"""Every movement of money. Each is one posting under an idempotency key, in one transaction.

Rules kept here:
- a posting's entries sum to zero and share one currency;
- the accounts a posting touches are locked in primary-key order, then their balances checked:
  no account but the outside world may end below zero (InsufficientFunds says by how much);
- a key already used returns the first posting (a retry moves no money again); a key reused
  with different terms raises IdempotencyConflict.
"""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum, Value
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.accounts.services import EMAIL_NOT_VERIFIED
from microwork.common.money import format_money
from microwork.payments import events, fees, payout_methods, receipts
from microwork.payments.enums import (
    MAY_GO_NEGATIVE,
    AccountKind,
    DepositChannel,
    PayoutState,
    PostingKind,
)
from microwork.payments.models import Account, Bonus, LedgerEntry, Payout, Posting
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Task
from microwork.work import services as work
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment


class PaymentRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InsufficientFunds(PaymentRefused):
    def __init__(self, *, account: Account, missing_cents: int, message: str = ""):
        super().__init__(
            message
            or _("Not enough funds: %(missing)s more is needed.")
            % {"missing": format_money(missing_cents, account.currency)}
        )
        self.account = account
        self.missing_cents = missing_cents


class IdempotencyConflict(PaymentRefused):
    pass


# --- accounts ------------------------------------------------------------------------------


def _currency(currency: str | None) -> str:
    return currency or settings.MICROWORK_CURRENCY


def _account_key(kind: AccountKind, owner: User | None, batch, currency: str) -> str:
    if kind == AccountKind.ESCROW:
        return f"escrow:batch:{batch.pk}:{currency}"
    if kind in (AccountKind.PLATFORM_FEES, AccountKind.EXTERNAL):
        return f"{kind}:{currency}"
    return f"{kind}:{owner.pk}:{currency}"


def account_get(
    *, kind: AccountKind, owner: User | None = None, batch=None, currency: str | None = None
) -> Account:
    """The account of that kind (created on first use)."""
    currency = _currency(currency)
    key = _account_key(kind, owner, batch, currency)
    account, _created = Account.objects.get_or_create(
        key=key, defaults={"kind": kind, "owner": owner, "batch": batch, "currency": currency}
    )
    return account


def balance(account: Account) -> int:
    return (
        LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )


def requester_available(requester: User, currency: str | None = None) -> Account:
    return account_get(kind=AccountKind.REQUESTER_AVAILABLE, owner=requester, currency=currency)


def requester_debt(requester: User, currency: str | None = None) -> Account:
    """What the requester owes after a card payment was taken back once spent: never above
    zero (docs/deposits.md)."""
    return account_get(kind=AccountKind.REQUESTER_DEBT, owner=requester, currency=currency)


def worker_available(worker: User, currency: str | None = None) -> Account:
    return account_get(kind=AccountKind.WORKER_AVAILABLE, owner=worker, currency=currency)


def escrow(batch) -> Account:
    return account_get(
        kind=AccountKind.ESCROW,
        owner=batch.project.requester,
        batch=batch,
        currency=batch.project.currency,
    )


def platform_fees(currency: str | None = None) -> Account:
    return account_get(kind=AccountKind.PLATFORM_FEES, currency=currency)


def external(currency: str | None = None) -> Account:
    return account_get(kind=AccountKind.EXTERNAL, currency=currency)


# --- the one way to write entries ----------------------------------------------------------


@dataclass(frozen=True)
class Line:
    account: Account
    amount_cents: int


def fingerprint(**terms) -> str:
    return hashlib.sha256(json.dumps(terms, sort_keys=True, default=str).encode()).hexdigest()


def _existing(key: str, print_: str) -> Posting | None:
    posting = Posting.objects.filter(idempotency_key=key).first()
    if posting is not None and print_ and posting.fingerprint and posting.fingerprint != print_:
        raise IdempotencyConflict(_("This request id was already used for a different request."))
    return posting


def pays(account: Account, assignment):
    """What LedgerEntry.assignment holds for an entry to `account` of a posting naming
    `assignment` (or None): the assignment on an entry to a worker's earnings, else None."""
    return assignment if account.kind == AccountKind.WORKER_AVAILABLE else None


def post(
    *,
    kind: PostingKind,
    key: str,
    lines: list[Line],
    memo: str = "",
    actor: User | None = None,
    batch=None,
    assignment=None,
    terms: dict | None = None,
) -> Posting:
    """Write one balanced posting, or return the one already written under `key`.

    Must run inside a transaction (the caller's, usually, so the money moves together with the
    state change it pays for).
    """
    if not transaction.get_connection().in_atomic_block:
        # Money must move in the same transaction as the state change it pays for.
        raise RuntimeError("payments.post() must run inside a transaction")
    print_ = fingerprint(**terms) if terms else ""
    existing = _existing(key, print_)
    if existing is not None:
        return existing
    lines = [line for line in lines if line.amount_cents != 0]
    if sum(line.amount_cents for line in lines) != 0:
        raise ValueError(f"posting {key} does not balance: {lines}")
    if len({line.account.currency for line in lines}) > 1:
        raise ValueError(f"posting {key} mixes currencies")
    delta: dict[int, int] = {}
    for line in lines:
        delta[line.account.pk] = delta.get(line.account.pk, 0) + line.amount_cents
    # Lock in primary-key order so two postings over the same accounts cannot deadlock.
    locked = list(Account.objects.select_for_update().filter(pk__in=delta).order_by("pk"))
    # A concurrent call with the same key may have committed while we waited for the locks:
    # it is the answer, before any balance check (its money is already gone from them).
    existing = _existing(key, print_)
    if existing is not None:
        return existing
    for account in locked:
        if account.kind in MAY_GO_NEGATIVE or delta[account.pk] >= 0:
            continue
        after = balance(account) + delta[account.pk]
        if after < 0:
            raise InsufficientFunds(account=account, missing_cents=-after)
    try:
        with transaction.atomic():
            posting = Posting.objects.create(
                idempotency_key=key,
                fingerprint=print_,
                kind=kind,
                memo=memo[:500],
                actor=actor,
                batch=batch,
                assignment=assignment,
            )
    except IntegrityError:
        # The same key committed concurrently: that first posting is the answer.
        existing = _existing(key, print_)
        if existing is None:
            raise
        return existing
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            posting=posting,
            account=line.account,
            amount_cents=line.amount_cents,
            currency=line.account.currency,
            assignment=pays(line.account, assignment),
        )
        for line in lines
    )
    posting.is_new = True
    return posting


def _accounts_get_many(refs) -> dict[str, Account]:
    """The accounts `refs` name, by key, created when missing: at most three queries."""
    wanted = {ref.key: ref for ref in refs}
    found = {account.key: account for account in Account.objects.filter(key__in=list(wanted))}
    missing = [
        Account(
            key=key,
            kind=ref.kind,
            owner=ref.owner,
            batch=ref.batch,
            currency=_currency(ref.currency),
        )
        for key, ref in wanted.items()
        if key not in found
    ]
    if missing:
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        found.update(
            (account.key, account)
            for account in Account.objects.filter(key__in=[account.key for account in missing])
        )
    return found


def post_many(specs: "list[PostingSpec]") -> list[Posting]:
    """Write many balanced postings in a bounded number of queries, whatever their number (a
    review of a thousand submissions), by the rules of post(): the accounts they touch are
    locked in primary-key order, then their balances checked once for all the postings
    together (InsufficientFunds names the amount missing); postings already written under
    their keys are returned, not written again. Inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payments.post_many() must run inside a transaction")
    if not specs:
        return []
    accounts = _accounts_get_many(ref for spec in specs for ref, _amount in spec.lines)
    delta: dict[int, int] = {}
    for spec in specs:
        lines = [(accounts[ref.key], amount) for ref, amount in spec.lines if amount != 0]
        if sum(amount for _account, amount in lines) != 0:
            raise ValueError(f"posting {spec.key} does not balance: {lines}")
        if len({account.currency for account, _amount in lines}) > 1:
            raise ValueError(f"posting {spec.key} mixes currencies")
    locked = {
        account.pk: account
        for account in Account.objects.select_for_update()
        .filter(pk__in={account.pk for account in accounts.values()})
        .order_by("pk")
    }
    # Read after the locks: a concurrent posting of the same key has committed by now.
    written = {
        posting.idempotency_key: posting
        for posting in Posting.objects.filter(idempotency_key__in=[spec.key for spec in specs])
    }
    todo = [spec for spec in specs if spec.key not in written]
    for spec in todo:
        for ref, amount in spec.lines:
            pk = accounts[ref.key].pk
            delta[pk] = delta.get(pk, 0) + amount
    spending = [
        pk for pk, change in delta.items() if change < 0 and locked[pk].kind not in MAY_GO_NEGATIVE
    ]
    balances = dict(
        LedgerEntry.objects.filter(account__in=spending)
        .values("account")
        .annotate(total=Sum("amount_cents"))
        .values_list("account", "total")
    )
    for pk in sorted(spending):
        after = balances.get(pk, 0) + delta[pk]
        if after < 0:
            raise InsufficientFunds(account=locked[pk], missing_cents=-after)
    created = Posting.objects.bulk_create(
        Posting(
            idempotency_key=spec.key,
            kind=spec.kind,
            batch=spec.batch,
            assignment=spec.assignment,
        )
        for spec in todo
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            posting=posting,
            account=accounts[ref.key],
            amount_cents=amount,
            currency=accounts[ref.key].currency,
            assignment=pays(accounts[ref.key], spec.assignment),
        )
        for posting, spec in zip(created, todo, strict=True)
        for ref, amount in spec.lines
        if amount != 0
    )
    written.update((posting.idempotency_key, posting) for posting in created)
    return [written[spec.key] for spec in specs]


# --- deposits ------------------------------------------------------------------------------


@transaction.atomic
def deposit_record(
    *,
    requester: User,
    amount_cents: int,
    external_reference: str,
    actor: User | None,
    channel: DepositChannel = DepositChannel.STAFF,
) -> Posting:
    """Credit a requester's funds with money received outside (a bank transfer, a card...).

    The external reference is the idempotency key: the same transfer cannot be credited twice.
    A new deposit gets its numbered receipt (receipts.py), and first pays what the requester
    owes from a reversed card payment (debt_repay), in this transaction.
    """
    if not requester.is_requester:
        raise PaymentRefused(_("Deposits go to requesters."))
    if amount_cents <= 0:
        raise PaymentRefused(_("A deposit must be positive."))
    reference = external_reference.strip()
    if not reference:
        raise PaymentRefused(_("A deposit needs the external reference of the payment."))
    posting = post(
        kind=PostingKind.DEPOSIT,
        key=f"deposit:{reference}",
        lines=[Line(external(), -amount_cents), Line(requester_available(requester), amount_cents)],
        memo=reference,
        actor=actor,
        terms={"requester": requester.pk, "amount": amount_cents},
    )
    if posting.is_new:
        receipts.receipt_issue(
            posting=posting,
            requester=requester,
            amount_cents=amount_cents,
            currency=_currency(None),
            channel=channel,
            reference=reference,
        )
        debt_repay(requester=requester)
    return posting


def debt_repay(*, requester: User, currency: str | None = None) -> Posting | None:
    """Pay what `requester` owes (requester_debt) from their available funds, as far as they
    reach. Run after each new deposit, and before a publish reserves its escrow: money a
    reversed card payment took back is owed before it is spent again. Inside the caller's
    transaction; the key counts the debt account's entries, so each repayment has its own."""
    key = _account_key(AccountKind.REQUESTER_DEBT, requester, None, _currency(currency))
    if not Account.objects.filter(key=key).exists():
        return None  # never owed anything: no account to lock
    debt = requester_debt(requester, currency)
    available = requester_available(requester, currency)
    for account in sorted((debt, available), key=lambda account: account.pk):
        Account.objects.select_for_update().filter(pk=account.pk).get()
    amount = min(-balance(debt), balance(available))
    if amount <= 0:
        return None
    entries = LedgerEntry.objects.filter(account=debt).count()
    return post(
        kind=PostingKind.DEBT_REPAYMENT,
        key=f"debt_repayment:{debt.pk}:{entries}",
        lines=[Line(available, -amount), Line(debt, amount)],
    )


# --- escrow, rewards, refunds --------------------------------------------------------------


def slot_price(project, batch=None) -> tuple[int, int]:
    """(reward, fee) of one assignment of `project`, or of `batch` when given: the pay floor
    may have raised a batch's reward above its project's (Batch.reward_cents)."""
    reward = batch.reward_cents if batch is not None else project.reward_cents
    per_task = fees.tier_assignments(project, batch)
    fee = fees.reward_fee(reward_cents=reward, assignments_per_task=per_task)
    return reward, fee


def slot_hold_price(batch) -> int:
    """What the escrow holds for one slot of a live `batch`: its reward and fee, or, when the
    pay floor reserves more (Batch.floor_reserve_cents, set by fairness at publish), that
    reward and its fee, so the floor's top-up on measured time is already held (adr 0011)."""
    reward, fee = slot_price(batch.project, batch)
    if batch.floor_reserve_cents is None or batch.floor_reserve_cents <= reward:
        return reward + fee
    per_task = fees.tier_assignments(batch.project, batch)
    return batch.floor_reserve_cents + fees.reward_fee(
        reward_cents=batch.floor_reserve_cents, assignments_per_task=per_task
    )


def slots_cost(*, project, slots: int, batch=None) -> int:
    """What `slots` assignments of `project` (of `batch`, when given) cost: rewards and fees,
    and for a batch the pay floor's reserve (slot_hold_price)."""
    if batch is not None:
        return slots * slot_hold_price(batch)
    reward, fee = slot_price(project, batch)
    return slots * (reward + fee)


def escrow_reserve(*, batch, slots: int) -> Posting:
    """Move the cost of `slots` assignments (rewards and fees) from the requester's funds to
    the batch's escrow; InsufficientFunds names the amount missing."""
    project = batch.project
    cost = slots_cost(project=project, slots=slots, batch=batch)
    available = requester_available(project.requester, project.currency)
    posting = post(
        kind=PostingKind.ESCROW_RESERVE,
        key=f"escrow_reserve:{batch.pk}",
        lines=[Line(available, -cost), Line(escrow(batch), cost)],
        batch=batch,
        memo=batch.name,
    )
    _tell_if_low(posting, available, debited=cost)
    return posting


def _tell_if_low(posting: Posting, available: Account, *, debited: int) -> None:
    """Publish balance_low when this new posting took the requester's available funds from
    the threshold or more to below it: once per crossing, not on every reservation below."""
    if not posting.is_new or debited <= 0:
        return
    threshold = settings.MICROWORK_BALANCE_LOW_CENTS
    after = balance(available)
    if after < threshold <= after + debited:
        events.balance_low.publish(
            events.BalanceLow(
                requester_id=available.owner_id,
                currency=available.currency,
                available_cents=after,
            )
        )


@dataclass(frozen=True)
class AccountRef:
    """An account named by its kind and owner, found or created when a posting is written."""

    kind: AccountKind
    owner: User | None = None
    batch: Batch | None = None
    currency: str | None = None

    @property
    def key(self) -> str:
        return _account_key(self.kind, self.owner, self.batch, _currency(self.currency))

    def get(self) -> Account:
        return account_get(
            kind=self.kind, owner=self.owner, batch=self.batch, currency=self.currency
        )


@dataclass(frozen=True)
class PostingSpec:
    """One posting to write: post()'s arguments, with accounts named by AccountRef."""

    kind: PostingKind
    key: str
    lines: tuple[tuple[AccountRef, int], ...]
    batch: Batch | None = None
    assignment: Assignment | None = None

    def post(self) -> Posting:
        return post(
            kind=self.kind,
            key=self.key,
            lines=[Line(ref.get(), amount) for ref, amount in self.lines],
            batch=self.batch,
            assignment=self.assignment,
        )


def _escrow_ref(batch) -> AccountRef:
    project = batch.project
    return AccountRef(AccountKind.ESCROW, project.requester, batch, project.currency)


def _reward_spec(assignment, price: tuple[int, int]) -> PostingSpec:
    batch = assignment.task.batch
    reward, fee = price
    currency = batch.project.currency
    return PostingSpec(
        kind=PostingKind.REWARD,
        key=f"reward:{assignment.pk}",
        lines=(
            (_escrow_ref(batch), -(reward + fee)),
            (AccountRef(AccountKind.WORKER_AVAILABLE, assignment.worker, None, currency), reward),
            (AccountRef(AccountKind.PLATFORM_FEES, None, None, currency), fee),
        ),
        batch=batch,
        assignment=assignment,
    )


def _refund_spec(assignment, price: tuple[int, int]) -> PostingSpec:
    batch = assignment.task.batch
    project = batch.project
    reward, fee = price
    return PostingSpec(
        kind=PostingKind.REJECTION_REFUND,
        key=f"rejection_refund:{assignment.pk}",
        lines=(
            (_escrow_ref(batch), -(reward + fee)),
            (
                AccountRef(
                    AccountKind.REQUESTER_AVAILABLE, project.requester, None, project.currency
                ),
                reward + fee,
            ),
        ),
        batch=batch,
        assignment=assignment,
    )


def _overturn_spec(assignment, price: tuple[int, int]) -> PostingSpec:
    batch = assignment.task.batch
    project = batch.project
    reward, fee = price
    currency = project.currency
    return PostingSpec(
        kind=PostingKind.OVERTURN,
        key=f"overturn:{assignment.pk}",
        lines=(
            (
                AccountRef(AccountKind.REQUESTER_AVAILABLE, project.requester, None, currency),
                -(reward + fee),
            ),
            (AccountRef(AccountKind.WORKER_AVAILABLE, assignment.worker, None, currency), reward),
            (AccountRef(AccountKind.PLATFORM_FEES, None, None, currency), fee),
        ),
        batch=batch,
        assignment=assignment,
    )


def _price(assignment) -> tuple[int, int]:
    batch = assignment.task.batch
    return slot_price(batch.project, batch)


def reward_pay(*, assignment) -> Posting:
    """Pay an approved assignment from its batch's escrow: reward to the worker, fee to us."""
    return _reward_spec(assignment, _price(assignment)).post()


def rejection_refund(*, assignment) -> Posting:
    """Give a rejected assignment's reward and fee back to the requester's funds."""
    return _refund_spec(assignment, _price(assignment)).post()


def overturn_pay(*, assignment) -> Posting:
    """Pay an assignment whose rejection was overturned, from the requester's funds."""
    return _overturn_spec(assignment, _price(assignment)).post()


def reviews_settle(*, approved=(), overturned=(), rejected=()) -> list[Posting]:
    """The postings of a bulk review at once (post_many): a reward from escrow for each
    `approved` assignment, an overturn payment from the requester's funds for each
    `overturned` one, a refund to the requester for each `rejected` one; written in
    assignment id order, the order reviewing them one by one writes them."""
    prices: dict[int, tuple[int, int]] = {}

    def price(assignment) -> tuple[int, int]:
        batch = assignment.task.batch
        if batch.pk not in prices:  # a review is usually of one batch: its price is read once
            prices[batch.pk] = slot_price(batch.project, batch)
        return prices[batch.pk]

    specs = [(a.pk, _reward_spec(a, price(a))) for a in approved]
    specs += [(a.pk, _overturn_spec(a, price(a))) for a in overturned]
    specs += [(a.pk, _refund_spec(a, price(a))) for a in rejected]
    return post_many([spec for _pk, spec in sorted(specs, key=lambda item: item[0])])


def overlap_headroom_slots(batch) -> int:
    """How many slots dynamic overlap may still add to `batch`'s tasks: for every task it has
    not stopped, its project's maximum overlap less the slots it has. 0 without dynamic overlap;
    gold tasks keep their own redundancy.

    Their cost is held in escrow from publication on, so extending a task never needs money
    and stopping one gives back an exact number of slots (ADR 0012).
    """
    project = batch.project
    if not project.overlap_dynamic:
        return 0
    return (
        Task.objects.filter(
            batch=batch,
            gold__isnull=True,
            overlap_stopped_at__isnull=True,
            max_assignments__lt=project.overlap_max,
        ).aggregate(
            total=Sum(Value(project.overlap_max) - F("max_assignments")),
        )["total"]
        or 0
    )


def escrow_owed(batch) -> int:
    """What the batch's escrow must still hold.

    While the batch can hand out work: every slot not yet approved or rejected, and the slots
    dynamic overlap may still add. Once it has ended (cancelled or past its lifetime): only the
    assignments still accepted or submitted.
    """
    reward, fee = slot_price(batch.project, batch)
    assignments = Assignment.objects.filter(task__batch=batch)
    if batch.status == BatchStatus.DRAFT:
        return 0
    if batch.status in (BatchStatus.PUBLISHED, BatchStatus.PAUSED) and not batch.is_expired():
        slots = (
            Task.objects.filter(batch=batch).aggregate(total=Sum("max_assignments"))["total"] or 0
        )
        slots += overlap_headroom_slots(batch)
        reviewed = assignments.filter(
            state__in=[AssignmentState.APPROVED, AssignmentState.REJECTED]
        ).count()
        # The pay floor's reserve stays for every slot, reviewed or not, while the batch is
        # live: approved work may be topped up, and a rejection overturned, once time is
        # measured (slot_hold_price; adr 0011). It goes back when the batch ends.
        reserve = slot_hold_price(batch) - (reward + fee)
        return (slots - reviewed) * (reward + fee) + slots * reserve
    live = assignments.filter(
        state__in=[AssignmentState.ACCEPTED, AssignmentState.SUBMITTED]
    ).count()
    return live * (reward + fee)


def escrow_release_unused(*, batch) -> Posting | None:
    """Return to the requester what the batch's escrow holds beyond what it still owes."""
    account = escrow(batch)
    Account.objects.select_for_update().filter(pk=account.pk).get()
    held = balance(account)
    surplus = held - escrow_owed(batch)
    if surplus <= 0:
        return None
    project = batch.project
    # The count of the escrow's entries only ever grows (a top-up can bring a balance back), so
    # (batch, entries so far) names each release once.
    entries = LedgerEntry.objects.filter(account=account).count()
    posting = post(
        kind=PostingKind.ESCROW_RELEASE,
        key=f"escrow_release:{batch.pk}:{entries}",
        lines=[
            Line(account, -surplus),
            Line(requester_available(project.requester, project.currency), surplus),
        ],
        batch=batch,
        memo=batch.name,
    )
    if posting.is_new:
        events.escrow_returned.publish(
            events.EscrowReturned(
                batch_id=batch.pk,
                requester_id=project.requester_id,
                amount_cents=surplus,
                currency=project.currency,
            )
        )
    return posting


def overlap_release(*, task, slots: int) -> Posting | None:
    """Give the requester back the escrow of `slots` slots of `task` that dynamic overlap will
    not use (reward and fee each), when it stops the task early.

    The caller has locked the task row and already lowered its slots (max_assignments is the
    count after the stop), so escrow_owed() has dropped by exactly this amount. The key names
    the task and that count, which only ever goes down: a retry moves nothing twice, and each
    stop of one task has its own key.
    """
    if slots <= 0:
        return None
    account = escrow(task.batch)
    Account.objects.select_for_update().filter(pk=account.pk).get()
    # Read the price under the escrow's lock: a pay floor raise (fairness) that committed while
    # we waited has changed what each slot is owed at.
    batch = Batch.objects.select_related("project").get(pk=task.batch_id)
    project = batch.project
    amount = slots * slot_hold_price(batch)
    return post(
        kind=PostingKind.ESCROW_RELEASE,
        key=f"overlap_release:{task.pk}:{task.max_assignments}",
        lines=[
            Line(account, -amount),
            Line(requester_available(project.requester, project.currency), amount),
        ],
        batch=batch,
        memo=f"dynamic overlap: {slots} unused slots of task {task.public_id}",
        terms={"task": task.pk, "slots": slots, "amount": amount},
    )


def escrow_top_up(*, batch) -> Posting | None:
    """Move from the requester's funds into the batch's escrow what it owes beyond what it
    holds: after more slots were added, or an expired batch was extended.

    InsufficientFunds names the amount missing; the caller's transaction then changes nothing.
    """
    account = escrow(batch)
    Account.objects.select_for_update().filter(pk=account.pk).get()
    missing = escrow_owed(batch) - balance(account)
    if missing <= 0:
        return None
    project = batch.project
    entries = LedgerEntry.objects.filter(account=account).count()
    available = requester_available(project.requester, project.currency)
    posting = post(
        kind=PostingKind.ESCROW_RESERVE,
        key=f"escrow_top_up:{batch.pk}:{entries}",
        lines=[Line(available, -missing), Line(account, missing)],
        batch=batch,
        memo=batch.name,
    )
    _tell_if_low(posting, available, debited=missing)
    return posting


# --- pay floor top-ups ---------------------------------------------------------------------

# Postings whose worker line is the assignment's reward, as opposed to a bonus.
REWARD_KINDS = (PostingKind.REWARD, PostingKind.OVERTURN, PostingKind.TOPUP)


def reward_received(assignment) -> int:
    """What the worker received for `assignment` as its reward: the reward (or overturn) and
    any pay floor top-ups; bonuses are extra and do not count."""
    return (
        LedgerEntry.objects.filter(
            posting__assignment=assignment,
            posting__kind__in=REWARD_KINDS,
            account__kind=AccountKind.WORKER_AVAILABLE,
            account__owner=assignment.worker_id,
        ).aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )


def topup_pay(*, assignment, reward_cents: int) -> Posting | None:
    """Bring an approved assignment's reward up to `reward_cents` (the pay floor's level for
    its batch), from the requester's funds, with the fee on the difference on top.

    The fee is what the reward fee at the new level exceeds the fee already paid at the old
    one, so an assignment topped up costs the requester what one paid at the new level does.
    Idempotent per (assignment, level): re-running pays nothing twice, and a higher level
    later pays only the difference. InsufficientFunds names the amount missing.
    """
    if assignment.state != AssignmentState.APPROVED:
        return None
    key = f"topup:{assignment.pk}:{reward_cents}"
    existing = Posting.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    received = reward_received(assignment)
    amount = reward_cents - received
    if amount <= 0:
        return None
    batch = assignment.task.batch
    project = batch.project
    per_task = fees.tier_assignments(project, batch)
    fee = max(
        0,
        fees.reward_fee(reward_cents=reward_cents, assignments_per_task=per_task)
        - fees.reward_fee(reward_cents=received, assignments_per_task=per_task),
    )
    currency = project.currency
    return post(
        kind=PostingKind.TOPUP,
        key=key,
        lines=[
            Line(requester_available(project.requester, currency), -(amount + fee)),
            Line(worker_available(assignment.worker, currency), amount),
            Line(platform_fees(currency), fee),
        ],
        batch=batch,
        assignment=assignment,
        memo=f"pay floor: reward raised to {format_money(reward_cents, currency)}",
    )


# --- bonuses -------------------------------------------------------------------------------


@transaction.atomic
def bonus_send(
    *, requester: User, assignment, amount_cents: int, reason: str, request_key: str
) -> Bonus:
    """Send the worker of `assignment` a bonus from the requester's funds (fee on top).

    Idempotent on (requester, request_key): a retry returns the first bonus and pays nothing.
    """
    reason = (reason or "").strip()
    project = assignment.task.batch.project
    if project.requester_id != requester.pk:
        raise PaymentRefused(_("This assignment is not from one of your projects."))
    if not request_key:
        raise PaymentRefused(_("A bonus needs a request id, so a retry cannot pay twice."))
    if amount_cents <= 0:
        raise PaymentRefused(_("A bonus must be positive."))
    if not reason:
        raise PaymentRefused(_("A bonus needs a reason; the worker will see it."))
    if assignment.state not in ANSWERED_STATES:
        raise PaymentRefused(_("Bonuses go to submitted work."))
    fee = fees.bonus_fee(amount_cents=amount_cents)
    currency = project.currency
    posting = post(
        kind=PostingKind.BONUS,
        key=f"bonus:{requester.pk}:{request_key}",
        lines=[
            Line(requester_available(requester, currency), -(amount_cents + fee)),
            Line(worker_available(assignment.worker, currency), amount_cents),
            Line(platform_fees(currency), fee),
        ],
        actor=requester,
        batch=assignment.task.batch,
        assignment=assignment,
        memo=reason,
        terms={"assignment": assignment.pk, "amount": amount_cents, "reason": reason},
    )
    bonus, created = Bonus.objects.get_or_create(
        posting=posting,
        defaults={
            "assignment": assignment,
            "amount_cents": amount_cents,
            "fee_cents": fee,
            "currency": currency,
            "reason": reason[:1024],
        },
    )
    if created:
        events.bonus_sent.publish(
            events.BonusSent(
                bonus_id=bonus.pk,
                assignment_id=assignment.pk,
                worker_id=assignment.worker_id,
                requester_id=requester.pk,
                amount_cents=amount_cents,
                currency=currency,
            )
        )
    return bonus


# --- payouts -------------------------------------------------------------------------------


def _payout_pending(worker: User, currency: str) -> Account:
    return account_get(kind=AccountKind.WORKER_PAYOUT_PENDING, owner=worker, currency=currency)


@transaction.atomic
def payout_request(
    *, worker: User, request_key: str, amount_cents: int | None = None, currency: str | None = None
) -> Payout:
    """Ask to be paid `amount_cents` (default: everything available), at least the threshold.

    The worker's submissions past their auto-approval time are approved and paid first, in
    this transaction, so what their earnings page shows as due can be paid out at once; a
    refused request rolls that back with the rest (the sweep approves them later).
    """
    currency = _currency(currency)
    if not worker.is_worker:
        raise PaymentRefused(_("Only workers have earnings to pay out."))
    if not worker.is_email_verified:
        raise PaymentRefused(str(EMAIL_NOT_VERIFIED))
    key = f"payout:{worker.pk}:{request_key}"
    existing = Posting.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing.payout
    held_until = payout_methods.payouts_possible_from(worker)
    if held_until is not None:
        raise PaymentRefused(
            _(
                "Your payout details changed less than 24 hours ago: you can ask for a payout "
                "again from %(when)s."
            )
            % {"when": formats.date_format(timezone.localtime(held_until), "DATETIME_FORMAT")}
        )
    work.assignments_auto_approve_all_due(worker=worker)
    available = worker_available(worker, currency)
    Account.objects.select_for_update().filter(pk=available.pk).get()
    # A retry racing the first request waited on that lock: now it sees the first payout.
    existing = Posting.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing.payout
    amount = balance(available) if amount_cents is None else amount_cents
    threshold = settings.MICROWORK_PAYOUT_THRESHOLD_CENTS
    if amount < threshold:
        raise PaymentRefused(
            _("Payouts start at %(threshold)s.") % {"threshold": format_money(threshold, currency)}
        )
    try:
        posting = post(
            kind=PostingKind.PAYOUT_REQUEST,
            key=key,
            lines=[Line(available, -amount), Line(_payout_pending(worker, currency), amount)],
            actor=worker,
            terms={"amount": amount_cents},
        )
    except InsufficientFunds as short:
        # In a worker's words: what they can have, not what a requester must add.
        raise InsufficientFunds(
            account=short.account,
            missing_cents=short.missing_cents,
            message=_(
                "You asked for more than you have earned: at most %(available)s can be paid "
                "out now."
            )
            % {"available": format_money(amount - short.missing_cents, currency)},
        ) from None
    payout, _created = Payout.objects.get_or_create(
        request_posting=posting,
        defaults={"worker": worker, "amount_cents": amount, "currency": currency},
    )
    return payout


# Where a payout may go from each state: a payout sent to the bank can no longer be cancelled,
# only paid or returned (failed) by the bank.
_SETTLE_FROM = {
    PayoutState.PAID: (PayoutState.REQUESTED, PayoutState.SENT),
    PayoutState.CANCELLED: (PayoutState.REQUESTED,),
    PayoutState.FAILED: (PayoutState.SENT,),
}
_SETTLE_KIND = {
    PayoutState.PAID: PostingKind.PAYOUT_PAID,
    PayoutState.CANCELLED: PostingKind.PAYOUT_CANCEL,
    PayoutState.FAILED: PostingKind.PAYOUT_FAILED,
}


def _settle(
    payout: Payout,
    *,
    state: PayoutState,
    actor: User | None,
    external_reference: str = "",
    failure_reason: str = "",
) -> Payout:
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    if locked.state == state:
        return locked  # a retried click: already done
    if locked.state not in _SETTLE_FROM[state]:
        if locked.state == PayoutState.SENT:
            raise PaymentRefused(
                _("This payout was sent to the bank: it can only be paid or failed now.")
            )
        if locked.state == PayoutState.REQUESTED:
            raise PaymentRefused(_("This payout was not sent yet: cancel it instead."))
        raise PaymentRefused(
            _("This payout is already %(state)s.") % {"state": locked.get_state_display().lower()}
        )
    pending = _payout_pending(locked.worker, locked.currency)
    target = (
        external(locked.currency)
        if state == PayoutState.PAID
        else worker_available(locked.worker, locked.currency)
    )
    locked.settle_posting = post(
        kind=_SETTLE_KIND[state],
        key=f"payout_{state}:{locked.pk}",
        lines=[Line(pending, -locked.amount_cents), Line(target, locked.amount_cents)],
        actor=actor,
        memo=external_reference or failure_reason,
    )
    locked.state = state
    locked.settled_at = timezone.now()
    locked.external_reference = external_reference
    locked.failure_reason = failure_reason[:300]
    locked.save(
        update_fields=[
            "settle_posting",
            "state",
            "settled_at",
            "external_reference",
            "failure_reason",
        ]
    )
    if state == PayoutState.PAID:
        events.payout_paid.publish(
            events.PayoutPaid(
                payout_id=locked.pk,
                worker_id=locked.worker_id,
                amount_cents=locked.amount_cents,
                currency=locked.currency,
            )
        )
    return locked


@transaction.atomic
def payout_mark_paid(*, payout: Payout, external_reference: str, actor: User | None) -> Payout:
    """Staff: the money left the platform (bank transfer...); record its reference."""
    if not external_reference.strip():
        raise PaymentRefused(_("Give the external reference of the payment."))
    return _settle(
        payout, state=PayoutState.PAID, actor=actor, external_reference=external_reference.strip()
    )


@transaction.atomic
def payout_cancel(*, payout: Payout, actor: User) -> Payout:
    """Cancel a requested payout: the money goes back to the worker's available earnings."""
    return _settle(payout, state=PayoutState.CANCELLED, actor=actor)


@transaction.atomic
def payout_mark_failed(
    *, payout: Payout, reason: str, actor: User | None, bank_reference: str = ""
) -> Payout:
    """A payout sent to the bank (or another rail) did not arrive: the money goes back to the
    worker's available earnings, and the reason (the bank's return code...) is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused(_("Say why the payout failed."))
    return _settle(
        payout,
        state=PayoutState.FAILED,
        actor=actor,
        external_reference=bank_reference.strip(),
        failure_reason=reason,
    )


# --- settling what is due -------------------------------------------------------------------


def batches_release_ended(*, requester: User | None = None, now=None) -> int:
    """Return what batches that ended (of `requester`, when given) hold beyond what they still
    owe, expiring nothing: an accepted assignment past its deadline still holds its slot until
    the sweep expires it. The sweep (fairness.settlement.settle_due) runs it after expiring;
    a publish runs it for its requester (subscribers.py), so that it neither waits for the
    sweep nor moves anyone else's work. Returns how many gave some back.
    """
    now = now or timezone.now()
    ended = Batch.objects.exclude(status=BatchStatus.DRAFT).filter(
        Q(status=BatchStatus.CANCELLED) | Q(expires_at__lte=now),
        money_accounts__entries__isnull=False,
    )
    if requester is not None:
        ended = ended.filter(project__requester=requester)
    released = 0
    for batch in ended.distinct().select_related("project").order_by("pk"):
        with transaction.atomic():
            if escrow_release_unused(batch=batch) is not None:
                released += 1
    return released
