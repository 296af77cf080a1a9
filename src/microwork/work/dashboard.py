"""The requester's dashboard at a glance (their projects page): each live batch's progress and
the work waiting for review, how many answers came in each hour of the last day, and how the
live batches' answers added up day by day."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from microwork.accounts.models import User
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment

LIVE_BATCHES_SHOWN = 20
LIVE = (BatchStatus.PUBLISHED, BatchStatus.PAUSED)


def requester_live_batches(*, requester: User) -> list[Batch]:
    """The requester's published and paused batches, newest first, each with `answered`,
    `waiting` (submitted, to review) and `planned` (tasks × workers per task) counts, and
    `percent` done; in one query."""
    assignments = "tasks__assignments__state"
    batches = list(
        Batch.objects.filter(project__requester=requester, status__in=LIVE)
        .select_related("project")
        .annotate(
            answered=Count(
                "tasks__assignments", filter=Q(**{f"{assignments}__in": ANSWERED_STATES})
            ),
            waiting=Count(
                "tasks__assignments", filter=Q(**{assignments: AssignmentState.SUBMITTED})
            ),
        )
        .order_by("-published_at", "-pk")[:LIVE_BATCHES_SHOWN]
    )
    for batch in batches:
        batch.planned = batch.task_count * batch.project.assignments_per_task
        batch.percent = min(100, batch.answered * 100 // batch.planned) if batch.planned else 0
    return batches


def requester_waiting_review(*, requester: User) -> int:
    """Submissions of all the requester's batches still to review."""
    return Assignment.objects.filter(
        task__batch__project__requester=requester, state=AssignmentState.SUBMITTED
    ).count()


def requester_answers_by_hour(*, requester: User, now=None, hours: int = 24) -> list[dict]:
    """Answers submitted to the requester's batches in each of the last `hours` whole hours
    and the current one, oldest first: [{"hour": datetime, "answers": n}], empty hours
    included. One query of conditional counts between the hours (no date function per row)."""
    now = now or timezone.now()
    current = now.replace(minute=0, second=0, microsecond=0)
    starts = [current - timedelta(hours=hours - 1 - step) for step in range(hours + 1)]
    counts = Assignment.objects.filter(
        task__batch__project__requester=requester, submitted_at__gte=starts[0]
    ).aggregate(
        **{
            f"hour{step}": Count(
                "pk", filter=Q(submitted_at__gte=starts[step], submitted_at__lt=starts[step + 1])
            )
            for step in range(hours - 1)
        },
        # The current hour runs on past `now`: a clock a little ahead still counts its answers.
        **{f"hour{hours - 1}": Count("pk", filter=Q(submitted_at__gte=starts[hours - 1]))},
    )
    return [{"hour": starts[step], "answers": counts[f"hour{step}"]} for step in range(hours)]


def requester_progress_by_day(*, requester: User, now=None, days: int = 14) -> dict:
    """How the answers to the requester's live (published or paused) batches added up: for
    each of the last `days` days (today included, in the current time zone), oldest first,
    {"day": date, "answers": answers submitted that day, "total": answers submitted by its
    end}; and "planned", the answers those batches ask for in all (tasks × workers per task).
    Two queries: the days' counts are conditional counts between local midnights, so the
    database compares times and calls no date function per row (SQLite's are Python)."""
    now = timezone.localtime(now or timezone.now())
    first = now.date() - timedelta(days=days - 1)
    zone = timezone.get_current_timezone()
    midnights = [
        datetime.combine(first + timedelta(days=step), time(), tzinfo=zone)
        for step in range(days + 1)
    ]
    counts = Assignment.objects.filter(
        task__batch__project__requester=requester,
        task__batch__status__in=LIVE,
        state__in=ANSWERED_STATES,
        submitted_at__lt=midnights[-1],
    ).aggregate(
        before=Count("pk", filter=Q(submitted_at__lt=midnights[0])),
        **{
            f"day{step}": Count(
                "pk",
                filter=Q(submitted_at__gte=midnights[step], submitted_at__lt=midnights[step + 1]),
            )
            for step in range(days)
        },
    )
    rows, total = [], counts["before"]
    for step in range(days):
        total += counts[f"day{step}"]
        rows.append(
            {"day": first + timedelta(days=step), "answers": counts[f"day{step}"], "total": total}
        )
    planned = sum(
        batch.task_count * batch.project.assignments_per_task
        for batch in Batch.objects.filter(project__requester=requester, status__in=LIVE)
        .select_related("project")
        .only("task_count", "project__assignments_per_task")
    )
    return {"days": rows, "planned": planned}
