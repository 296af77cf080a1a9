"""The requester API's periodic job (found by `microwork worker`): forget old Idempotency-Key
records (idempotency.KEEP_FOR)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.api.requester import idempotency


@db_periodic_task(crontab(minute="17"))
def idempotency_keys_forget() -> int:
    """Once an hour."""
    return idempotency.keys_forget()
