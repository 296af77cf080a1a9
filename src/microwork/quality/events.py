"""What quality tells and asks the apps above it (common/events.py says how).

Events (payloads carry ids only; docs/architecture.md lists the subscribers):
- worker_blocked: a requester blocked a worker (a new block; changing its reason is not one);
- worker_unblocked: a block was lifted, by the requester or by a granted appeal;
- qualification_granted: a worker was granted a qualification, granted it again after a
  revocation, or given a new value (granting the value they hold publishes nothing);
- qualification_revoked: a worker's qualification was revoked (once).

Hooks:
- overdue_appeals_grant(worker) -> int: before an accept is refused for a block, fairness grants
  the worker's appeals that the requester left unanswered past their deadline, so the refusal
  never rests on a block that is due to be lifted. Returns how many it granted; 0 by default.
"""

from collections.abc import Callable
from dataclasses import dataclass

from microwork.accounts.models import User
from microwork.common.events import Event, Hook


@dataclass(frozen=True)
class WorkerBlocked:
    block_id: int
    requester_id: int
    worker_id: int


@dataclass(frozen=True)
class WorkerUnblocked:
    requester_id: int
    worker_id: int


@dataclass(frozen=True)
class QualificationGranted:
    qualification_type_id: int
    requester_id: int
    worker_id: int
    integer_value: int


@dataclass(frozen=True)
class QualificationRevoked:
    qualification_type_id: int
    requester_id: int
    worker_id: int


worker_blocked = Event("worker_blocked", WorkerBlocked)
worker_unblocked = Event("worker_unblocked", WorkerUnblocked)
qualification_granted = Event("qualification_granted", QualificationGranted)
qualification_revoked = Event("qualification_revoked", QualificationRevoked)

overdue_appeals_grant: Hook[Callable[[User], int]] = Hook("overdue_appeals_grant", lambda worker: 0)
