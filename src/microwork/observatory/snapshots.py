"""Compute and store a month's snapshot: the job queue's work (jobs.py) and the command's."""

from datetime import date

from microwork.observatory import package, services, statistics
from microwork.observatory.models import Snapshot


def snapshot_files(month: date) -> tuple[dict, dict[str, bytes]]:
    """The month's figures (JSON-ready) and package files, computed from the records now."""
    figures = statistics.compute(month)
    label = f"{month:%Y-%m}"
    return package.jsonable(figures), package.build(label, figures, k=statistics.k())


def snapshot_make(*, month: date) -> Snapshot:
    """Compute `month`'s package and store it, replacing an earlier one of the same month."""
    figures, files = snapshot_files(month)
    return services.snapshot_store(month=month, figures=figures, files=files)
