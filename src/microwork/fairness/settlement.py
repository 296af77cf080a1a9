"""Settling what is due: the one use case that applies every time rule of the platform.

What comes due with time alone: accepted work past its deadline expires and frees its slot;
submitted work past its auto-approval time is approved and paid; a batch that ended gives its
unused escrow back; an appeal the requester left unanswered past its deadline is granted (the
rejection overturned and paid, the block or the rule's action lifted); a batch with nothing left
to do or review is found finished (work's batch_finished); a batch under the pay
floor on measured time is raised and its approved work topped up.

settle_due() does it all, from the job queue every minute (fairness/jobs.py) and from
`microwork sweep`. A page never settles: it shows what is due (the selectors' `*_due` figures)
and the next sweep, or the write that needs it, moves the money. Every step skips rows locked by
a concurrent act and every posting has an idempotency key, so two sweeps at once, or a sweep
beside a review, pay nothing twice.

It lives in fairness because fairness is the highest of the domain apps (docs/architecture.md):
it may call work, payments and quality, and two of the steps are its own.
"""

from dataclasses import dataclass

from django.utils import timezone

from microwork.fairness import services
from microwork.payments import services as payments
from microwork.work import services as work

# Auto-approvals are settled work.AUTO_APPROVE_BATCH at a time; one run goes round at most this often.
MAX_APPROVAL_ROUNDS = 100


@dataclass
class Settled:
    expired: int = 0
    auto_approved: int = 0
    batches_settled: int = 0
    appeals_granted: int = 0
    batches_finished: int = 0


def settle_due(*, now=None) -> Settled:
    """Apply every time rule that is due (the pay floor has its own, slower round:
    floor_settle_due()). Safe to run twice at once or twice in a minute."""
    now = now or timezone.now()
    result = Settled(expired=work.assignments_expire_overdue(now=now))
    result.auto_approved = work.assignments_auto_approve_all_due(
        now=now, rounds=MAX_APPROVAL_ROUNDS
    )
    # Overdue work was expired above, at the same `now`: only the release is left to do.
    result.batches_settled = payments.batches_release_ended(now=now)
    result.appeals_granted = services.appeals_grant_overdue(now=now)
    # Last: a batch may have run out of time with nothing left in it, which no act marks.
    result.batches_finished = work.batches_finish_done(now=now)
    return result


def floor_settle_due() -> int:
    """Hold every published or paused batch to the pay floor; how many have a notice now."""
    return services.batches_pay_floor_enforce()
