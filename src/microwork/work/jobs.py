"""Background jobs of the work app, run by the job queue (huey, docs/adr/0009).

Every time-based rule also holds with no job worker at all: reads and claims apply them lazily
(docs/adr/0003). The sweep only does the same work ahead of time, so counters, balances and
pages are fresh between visits. It is safe to run twice at once or twice in a minute: each step
skips locked rows and every money movement has an idempotency key.
"""

from dataclasses import asdict, dataclass

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.work import services

# Auto-approvals are settled AUTO_APPROVE_BATCH at a time; one sweep goes round at most this often.
MAX_APPROVAL_ROUNDS = 100


@dataclass
class SweepResult:
    expired: int = 0
    auto_approved: int = 0
    batches_settled: int = 0


def sweep_run(*, now=None) -> SweepResult:
    """Apply every time rule that is due: expire overdue assignments, approve and pay overdue
    reviews, give back the unused escrow of batches that ended."""
    now = now or timezone.now()
    result = SweepResult(expired=services.assignments_expire_overdue(now=now))
    for _round in range(MAX_APPROVAL_ROUNDS):
        approved = services.assignments_auto_approve_due(now=now)
        result.auto_approved += approved
        if approved < services.AUTO_APPROVE_BATCH:
            break
    result.batches_settled = services.batches_settle_ended(now=now)
    return result


@db_periodic_task(crontab(minute="*"))
def sweep() -> dict:
    """The periodic sweep: every minute, on whichever `microwork worker` runs the scheduler."""
    return asdict(sweep_run())
