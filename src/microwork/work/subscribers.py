"""Work's answers to the events of projects, wired in apps.py."""

from microwork.projects.events import BatchEscrowDue
from microwork.work import services


def finish_if_done(event: BatchEscrowDue) -> None:
    """What a batch owes changed (it was cancelled, its end moved, a slot of an ended batch was
    freed): it may have nothing left to do or review now."""
    services.batches_finish_done(batch_ids={event.batch.pk})
