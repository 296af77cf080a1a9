"""Background jobs of the quality app, run by the job queue (huey, docs/adr/0009).

`batch_aggregation_job` computes a large batch's stored aggregation (quality/stored.py). It is
queued after the commit of the row that asks for it, and does nothing unless that row is still
queued, so a job delivered twice computes once.
"""

from huey.contrib.djhuey import db_task

from microwork.quality import stored


@db_task()
def batch_aggregation_job(aggregation_id: int) -> str | None:
    aggregation = stored.batch_aggregation_compute(aggregation_id=aggregation_id)
    return None if aggregation is None else aggregation.state
