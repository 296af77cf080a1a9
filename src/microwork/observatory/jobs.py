"""The observatory's jobs (huey, docs/adr/0009): a month's snapshot is computed here, never in
a request. On the 1st of each month the previous month is computed; `microwork observatory
snapshot --queue` asks for any month."""

from datetime import date

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from microwork.observatory import snapshots, statistics


@db_task(retries=2, retry_delay=300)
def snapshot_month(month_label: str) -> dict:
    snapshot = snapshots.snapshot_make(month=statistics.parse_month(month_label))
    return {"month": snapshot.label, "files": snapshot.files.count()}


@db_periodic_task(crontab(day="1", hour="4", minute="0"))
def snapshot_last_month() -> dict:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 2
    month = date(index // 12, index % 12 + 1, 1)
    return snapshot_month.call_local(f"{month:%Y-%m}")
