"""The webhooks' jobs, run by the job queue (huey, docs/adr/0009): one attempt of a delivery
(defined in sending.py, beside the code that queues it); every minute, the sweep that queues
again the pending deliveries whose job was lost; every night, the purge of the log's old
finished deliveries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.webhooks import sending
from microwork.webhooks.sending import delivery_job

__all__ = ["delivery_job", "deliveries_sweep", "deliveries_purge"]


@db_periodic_task(crontab(minute="*"))
def deliveries_sweep() -> dict:
    return {"queued_again": sending.deliveries_requeue_due()}


@db_periodic_task(crontab(hour="3", minute="41"))
def deliveries_purge() -> dict:
    return {"deleted": sending.deliveries_purge_finished()}
