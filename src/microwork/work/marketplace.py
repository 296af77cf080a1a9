"""The marketplace's search, filters and order (work/forms.py, MarketplaceFilterForm), in SQL
over the projects a worker may see (quality.selectors.projects_available_for_worker()).

The hourly rate filtered and sorted on is the one a worker can count on before accepting: the
requester's declared estimate, and never less than the platform's pay floor, which tops work up
to it once its time is measured (docs/adr/0011). A project without an estimate (an MTurk HIT
type) counts at the floor. The card then shows the measured rate once there is one.
"""

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from microwork.work.forms import OTHER_KINDS, WORKER_KIND_LABELS, MarketplaceSort

ORDER = {
    MarketplaceSort.NEWEST: ("-created_at", "-pk"),
    MarketplaceSort.REWARD: ("-reward_cents", "-created_at", "-pk"),
    MarketplaceSort.HOURLY: ("-hourly_cents", "-created_at", "-pk"),
    MarketplaceSort.SLOTS: ("-slots_available", "-created_at", "-pk"),
}


def with_hourly_rate(projects: QuerySet) -> QuerySet:
    """`hourly_cents`: reward × 3600 / declared estimate, at least the pay floor."""
    floor = settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR
    estimated = Case(
        When(
            Q(estimate_is_declared=True, estimated_seconds__gt=0),
            then=F("reward_cents") * 3600 / F("estimated_seconds"),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return projects.annotate(
        hourly_cents=Greatest(estimated, Value(floor), output_field=IntegerField())
    )


def worker_kind_label(kind: str) -> str:
    return WORKER_KIND_LABELS.get(kind) or _("Other")


def marketplace_filter(projects: QuerySet, **filters) -> QuerySet:
    """`projects` narrowed by MarketplaceFilterForm's cleaned data, in its order."""
    projects = with_hourly_rate(projects)
    words = (filters.get("q") or "").split()
    for word in words[:10]:
        projects = projects.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(keywords__icontains=word)
            | Q(requester__display_name__icontains=word)
        )
    if filters.get("kind") == OTHER_KINDS:
        projects = projects.exclude(template_kind__in=list(WORKER_KIND_LABELS))
    elif filters.get("kind"):
        projects = projects.filter(template_kind=filters["kind"])
    if filters.get("min_reward") is not None:
        projects = projects.filter(reward_cents__gte=filters["min_reward"])
    if filters.get("min_hourly") is not None:
        projects = projects.filter(hourly_cents__gte=filters["min_hourly"])
    if filters.get("max_minutes") is not None:
        projects = projects.filter(
            estimate_is_declared=True, estimated_seconds__lte=filters["max_minutes"] * 60
        )
    return projects.order_by(*ORDER[filters.get("sort") or MarketplaceSort.NEWEST])
