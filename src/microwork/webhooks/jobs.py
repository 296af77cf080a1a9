"""The webhooks' jobs, run by the job queue (huey, docs/adr/0009): one attempt of a delivery
(defined in sending.py, beside the code that queues it) and, every minute, the sweep that
queues again the pending deliveries whose job was lost."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.webhooks import sending
from microwork.webhooks.sending import delivery_job

__all__ = ["delivery_job", "deliveries_sweep"]


@db_periodic_task(crontab(minute="*"))
def deliveries_sweep() -> dict:
    return {"queued_again": sending.deliveries_requeue_due()}
