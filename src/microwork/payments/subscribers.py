"""Payments' answers to the events of the apps below it, wired in apps.py: every money
movement that follows an act of the assignment lifecycle or of a batch, in that act's
transaction, so the act and its posting commit or roll back together."""

from django.utils.translation import gettext as _

from microwork.common.money import format_money
from microwork.payments import selectors, services
from microwork.projects.enums import BatchStatus
from microwork.projects.events import BatchEscrowDue, BatchPublished, BatchPublishing
from microwork.work.events import (
    AssignmentApproved,
    AssignmentRejected,
    AssignmentsApproved,
    AssignmentsRejected,
)


class DebtOwed(services.InsufficientFunds):
    """A publish refused while the requester owes money from a reversed card payment: funds
    short by what is owed, said as such."""

    def __init__(self, *, account, owed_cents: int):
        super().__init__(account=account, missing_cents=owed_cents)
        self.message = _(
            "You owe %(amount)s from a card payment that was refunded or disputed after its "
            "money was spent: add funds to settle it before publishing."
        ) % {"amount": format_money(owed_cents, account.currency)}
        self.args = (self.message,)


def pay_approved(event: AssignmentApproved) -> None:
    """From escrow; an overturned rejection from the requester's funds (its escrow went back
    to them at the rejection), InsufficientFunds if they are short."""
    if event.was_rejected:
        services.overturn_pay(assignment=event.assignment)
    else:
        services.reward_pay(assignment=event.assignment)


def refund_rejected(event: AssignmentRejected) -> None:
    services.rejection_refund(assignment=event.assignment)


def pay_approved_many(event: AssignmentsApproved) -> None:
    """A bulk review's approvals, paid as pay_approved pays each, in one set of postings."""
    services.reviews_settle(
        approved=[item.assignment for item in event.approvals if not item.was_rejected],
        overturned=[item.assignment for item in event.approvals if item.was_rejected],
    )


def refund_rejected_many(event: AssignmentsRejected) -> None:
    services.reviews_settle(rejected=[item.assignment for item in event.rejections])


def settle_ended_before_publishing(event: BatchPublishing) -> None:
    """Give the requester back the unused escrow of their batches that ended before the
    publish reserves the new batch's cost (batch_published), so it is not refused for funds
    their balance page shows as due back. In the publish's transaction: a refused publish
    rolls it back, and the sweep gives it back later.

    Only the requester's own escrow moves: their work past its deadline is not expired here
    (work's expiry has no per-requester form, and a publish must not expire everyone's), so
    its slots come back at the next sweep.

    What the requester owes from a reversed card payment is repaid from their funds first,
    and a publish is refused while some is still owed (docs/deposits.md)."""
    requester = event.batch.project.requester
    services.batches_release_ended(requester=requester)
    currency = event.batch.project.currency
    services.debt_repay(requester=requester, currency=currency)
    owed = selectors.requester_owed(requester, currency)
    if owed > 0:
        raise DebtOwed(account=services.requester_debt(requester, currency), owed_cents=owed)


def reserve_published(event: BatchPublished) -> None:
    services.escrow_reserve(batch=event.batch, slots=selectors.batch_slots(event.batch))


def settle_escrow(event: BatchEscrowDue) -> None:
    """A live batch's escrow is topped up to what it owes (InsufficientFunds); an ended one's
    surplus goes back to the requester."""
    batch = event.batch
    if batch.status == BatchStatus.CANCELLED or batch.is_expired():
        services.escrow_release_unused(batch=batch)
    else:
        services.escrow_top_up(batch=batch)
