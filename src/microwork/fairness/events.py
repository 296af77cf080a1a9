"""What fairness tells the apps above it (common/events.py says how). Payloads carry ids only.

- appeal_opened: a worker appealed a rejection, a block or a quality rule's action;
- appeal_decided: the requester answered, staff arbitrated, or the answer window ran out
  (granted automatically); `granted` says which way.

docs/architecture.md lists their subscribers.
"""

from dataclasses import dataclass

from microwork.common.events import Event


@dataclass(frozen=True)
class AppealOpened:
    appeal_id: int
    worker_id: int
    requester_id: int


@dataclass(frozen=True)
class AppealDecided:
    appeal_id: int
    worker_id: int
    requester_id: int
    granted: bool


appeal_opened = Event("appeal_opened", AppealOpened)
appeal_decided = Event("appeal_decided", AppealDecided)
