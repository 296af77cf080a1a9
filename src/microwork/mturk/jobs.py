"""The MTurk door's periodic job (huey, docs/adr/0009): forget replay-check signatures once
their requests would be refused as expired anyway (auth.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from microwork.mturk import auth


@db_periodic_task(crontab(minute="*/15"))
def seen_signatures_forget() -> int:
    return auth.seen_signatures_forget()
