"""The periodic jobs, run by the job queue (huey, docs/adr/0009): settling what is due
(fairness/settlement.py). Pages never settle anything; between two runs they show what is due."""

from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.fairness import settlement


@db_periodic_task(crontab(minute="*"))
def sweep() -> dict:
    """Every minute, on whichever `microwork worker` runs the scheduler."""
    return asdict(settlement.settle_due())


@db_periodic_task(crontab(minute="*/5"))
def pay_floor_sweep() -> dict:
    """Every five minutes: the pay floor reads every live batch's median work time."""
    return {"batches_noticed": settlement.floor_settle_due()}
