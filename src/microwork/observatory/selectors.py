"""Reads of the observatory for the pages: stored snapshots only, never the records; and a
worker's own survey payment."""

from django.conf import settings
from django.db.models import Count, Max, Q, Sum

from microwork.observatory import statistics
from microwork.observatory.models import Snapshot
from microwork.observatory.services import survey_reward_key
from microwork.payments.models import Posting


def k() -> int:
    return settings.MICROWORK_OBSERVATORY_K


def snapshot_for(month: str | None) -> Snapshot | None:
    """The stored snapshot of `month` ("2026-11"), or the latest one when `month` is None."""
    if month is None:
        return Snapshot.objects.order_by("-month").first()
    try:
        first = statistics.parse_month(month)
    except ValueError:
        return None
    return Snapshot.objects.filter(month=first).first()


def snapshots_version() -> str:
    """Changes whenever a snapshot is stored again: the page's cache key."""
    found = Snapshot.objects.aggregate(latest=Max("computed_at"), count=Count("pk"))
    latest = found["latest"].timestamp() if found["latest"] else 0
    return f"{found['count']}-{latest}"


def snapshot_months() -> list[str]:
    return [f"{month:%Y-%m}" for month in Snapshot.objects.values_list("month", flat=True)]


def monthly_series(limit: int = 24) -> list[dict]:
    """The overview of the last `limit` stored months, oldest first, for the time series."""
    rows = []
    for month, figures in Snapshot.objects.order_by("-month").values_list("month", "figures")[
        :limit
    ]:
        values = {row["measure"]: row["value"] for row in figures.get("overview", [])}
        rows.append({"month": f"{month:%Y-%m}", **values})
    return rows[::-1]


def method_context() -> dict:
    return {
        "k": k(),
        "very_active_weeks": settings.MICROWORK_OBSERVATORY_VERY_ACTIVE_WEEKS,
        "regular_months": settings.MICROWORK_OBSERVATORY_REGULAR_MONTHS,
        "occasional_months": settings.MICROWORK_OBSERVATORY_OCCASIONAL_MONTHS,
        "minimum_wage_cents": settings.MICROWORK_OBSERVATORY_MINIMUM_WAGE_CENTS,
        "pay_floor_cents": settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR,
        "currency": settings.MICROWORK_CURRENCY,
    }


def survey_reward(worker) -> dict:
    """What the survey pays `worker`, for their page: `amount_cents`, what the site pays for a
    first complete survey now (0: unpaid), `currency`, and `paid_cents` and `paid_at` of the
    payment they already got (None if none: the survey is paid once ever)."""
    paid = (
        Posting.objects.filter(idempotency_key=survey_reward_key(worker))
        .annotate(paid=Sum("entries__amount_cents", filter=Q(entries__amount_cents__gt=0)))
        .values("paid", "created_at")
        .first()
    )
    return {
        "amount_cents": settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS,
        "currency": settings.MICROWORK_CURRENCY,
        "paid_cents": paid["paid"] if paid else None,
        "paid_at": paid["created_at"] if paid else None,
    }
