"""What projects and batches tell the apps above them (common/events.py says how).

Subscribers, in INSTALLED_APPS order (docs/architecture.md lists them):
- project_validating: fairness refuses an auto-approval delay over the platform's maximum;
- batch_publishing: payments gives back the escrow of the requester's ended batches (so the
  publish sees the funds the balance page shows as due back), then fairness refuses a reward
  under the pay floor for the estimated time;
- batch_published: payments moves the batch's whole cost into escrow (InsufficientFunds);
- batch_escrow_due: payments settles the escrow with what the batch owes now: tops it up
  (InsufficientFunds) while the batch is live, gives the surplus back once it has ended.

And what the upload asks (hooks):
- gold_task_redundancy: how many workers answer each gold task (quality's gold settings).
"""

from collections.abc import Callable
from dataclasses import dataclass

from microwork.common.events import Event, Hook
from microwork.projects.models import Batch, Project


@dataclass(frozen=True)
class ProjectValidating:
    project: Project


@dataclass(frozen=True)
class BatchPublishing:
    """`batch` is locked and about to be published; a subscriber refuses by raising."""

    batch: Batch


@dataclass(frozen=True)
class BatchPublished:
    batch: Batch


@dataclass(frozen=True)
class BatchEscrowDue:
    """What `batch` owes changed: its end moved, it got more slots, it was cancelled, or a slot
    of an ended batch was freed."""

    batch: Batch


project_validating = Event("project_validating", ProjectValidating)
batch_publishing = Event("batch_publishing", BatchPublishing)
batch_published = Event("batch_published", BatchPublished)
batch_escrow_due = Event("batch_escrow_due", BatchEscrowDue)

gold_task_redundancy: Hook[Callable[[Project], int]] = Hook(
    "gold_task_redundancy", lambda project: project.assignments_per_task
)
