"""What the assignment lifecycle tells the apps above it (common/events.py says how). When a slot of a batch that has ended is
freed, the lifecycle publishes projects' batch_escrow_due, and payments gives the escrow back.

Subscribers, in INSTALLED_APPS order (docs/architecture.md lists them):
- assignment_submitted: quality evaluates its rules, then dynamic overlap (quality/apps.py);
- assignment_approved: payments pays the reward, or the overturn (payments/apps.py);
- assignment_rejected: payments refunds the requester (payments/apps.py);
- assignments_approved, assignments_rejected: the same for a bulk review's approvals or
  rejections, all at once (assignments_review publishes these instead of one event each);
- review_done: fairness holds the batches to the pay floor once the review has committed
  (fairness/apps.py);
- batch_finished: nothing is left to do or review in a batch (every slot approved or rejected,
  or the batch ended with nothing accepted or submitted); published once per batch, by the act
  that finished it: a review, an expiry or return in an ended batch, a cancel, or the sweep
  for a batch that simply ran out of time (work.services.batches_finish_done).

And what the claim and the submit ask of them (hooks):
- accept_gate: quality's blocks, requirements and gold mixing rate, read with the claim's facts;
- submit_annotations: what quality reads with the locked row at submit (whether the project has
  active rules), so its subscriber needs no query of its own.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from microwork.common.events import Event, Hook
from microwork.work.models import Assignment


@dataclass(frozen=True)
class AssignmentSubmitted:
    """`assignment` is the locked, submitted row, with its task, batch and project."""

    assignment: Assignment
    now: datetime


@dataclass(frozen=True)
class AssignmentApproved:
    """`assignment` is locked and approved; `was_rejected` when a rejection was overturned."""

    assignment: Assignment
    was_rejected: bool
    automatic: bool


@dataclass(frozen=True)
class AssignmentRejected:
    assignment: Assignment


@dataclass(frozen=True)
class AssignmentsApproved:
    """A bulk review (assignments_review) approved these at once: each as assignment_approved
    says one, so a subscriber can act on them all together (a bounded number of queries for a
    thousand)."""

    approvals: tuple[AssignmentApproved, ...]


@dataclass(frozen=True)
class AssignmentsRejected:
    """A bulk review rejected these at once."""

    rejections: tuple[AssignmentRejected, ...]


@dataclass(frozen=True)
class ReviewDone:
    """One review act (one approval, a page of approvals, an auto-approval run) approved work
    of these batches; published inside its transaction, acted on after the commit."""

    batch_ids: frozenset[int]


@dataclass(frozen=True)
class BatchFinished:
    batch_id: int
    requester_id: int


assignment_submitted = Event("assignment_submitted", AssignmentSubmitted)
assignment_approved = Event("assignment_approved", AssignmentApproved)
assignment_rejected = Event("assignment_rejected", AssignmentRejected)
assignments_approved = Event("assignments_approved", AssignmentsApproved)
assignments_rejected = Event("assignments_rejected", AssignmentsRejected)
review_done = Event("review_done", ReviewDone)
batch_finished = Event("batch_finished", BatchFinished)


@dataclass(frozen=True)
class AcceptGate:
    """What a higher app reads and checks on every accept.

    `columns` are SQL select-list items (`... AS name`), read in the claim's one statement of
    facts with `params(worker=, project=)`; `check(worker=, project=, facts=)` raises a
    NoTaskAvailable (work.services) to refuse, `facts` being None when the claim did not read
    them (an accept of one given task). The column `gold_mixing_rate`, when there, is the
    percentage of accepts that should get a gold task.
    """

    columns: str
    params: Callable[..., dict]
    check: Callable[..., None]


OPEN_GATE = AcceptGate(
    columns="NULL AS gold_mixing_rate",
    params=lambda **_kwargs: {},
    check=lambda **_kwargs: None,
)

accept_gate: Hook[Callable[[], AcceptGate]] = Hook("accept_gate", lambda: OPEN_GATE)
submit_annotations: Hook[Callable[[], dict]] = Hook("submit_annotations", dict)
