"""Background job of fair work (docs/adr/0009, 0011). Every rule here also holds without it:
appeal pages grant overdue appeals and batch pages enforce the pay floor when they are read.
The job does it ahead of time, so a silent requester's appeals and a batch under the floor are
settled between visits."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.fairness import services


def fairness_sweep_run() -> dict:
    return {
        "appeals_granted": services.appeals_grant_overdue(),
        "batches_noticed": services.batches_pay_floor_enforce(),
    }


@db_periodic_task(crontab(minute="*/5"))
def fairness_sweep() -> dict:
    return fairness_sweep_run()
