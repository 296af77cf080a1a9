"""Fair work's answers to the events and hooks of the apps below it, wired in apps.py."""

from functools import partial

from django.db import transaction

from microwork.fairness import floor, services
from microwork.projects.events import BatchPublishing, ProjectValidating
from microwork.projects.models import Batch
from microwork.work.events import ReviewDone


def check_auto_approval_delay(event: ProjectValidating) -> None:
    floor.check_auto_approval_delay(event.project)


def reserve_for_pay_floor(event: BatchPublishing) -> None:
    """Before payments reserves the batch's cost: how much above the reward it holds for the
    pay floor's top-up (fairness.floor.hold_for_floor). Nothing is refused for its time."""
    floor.hold_for_floor(event.batch)


def pay_floor_after_review(event: ReviewDone) -> None:
    """Approved work may be due a top-up: once the review has committed, hold its batches to
    the pay floor, whichever door approved it (page, MTurk API, sweep). After the commit, in
    transactions of its own, because the floor locks the batch before the accounts, and the
    review already holds the accounts."""
    transaction.on_commit(partial(_pay_floor_enforce, sorted(event.batch_ids)))


def _pay_floor_enforce(batch_ids: list[int]) -> None:
    for batch in Batch.objects.filter(pk__in=batch_ids).order_by("pk"):
        services.batch_pay_floor_enforce(batch=batch)


def overdue_appeals_grant(worker) -> int:
    return services.appeals_grant_overdue(worker=worker)
