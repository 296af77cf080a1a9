"""Background jobs of the quality app, run by the job queue (huey, docs/adr/0009).

`batch_aggregation_job` computes a large batch's stored aggregation. It is defined beside the
computation it runs and the code that queues it (quality/stored.py); it is named here, where
`microwork worker` looks for every app's jobs.
"""

from microwork.quality.stored import batch_aggregation_job

__all__ = ["batch_aggregation_job"]
