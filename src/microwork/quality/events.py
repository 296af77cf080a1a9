"""What quality asks of the apps above it (common/events.py says how).

- overdue_appeals_grant(worker) -> int: before an accept is refused for a block, fairness grants
  the worker's appeals that the requester left unanswered past their deadline, so the refusal
  never rests on a block that is due to be lifted. Returns how many it granted; 0 by default.
"""

from collections.abc import Callable

from microwork.accounts.models import User
from microwork.common.events import Hook

overdue_appeals_grant: Hook[Callable[[User], int]] = Hook("overdue_appeals_grant", lambda worker: 0)
