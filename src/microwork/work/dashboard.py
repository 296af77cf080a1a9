"""The requester's dashboard at a glance (their projects page): each live batch's progress and
the work waiting for review, and how many answers came in each hour of the last day."""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from microwork.accounts.models import User
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment

LIVE_BATCHES_SHOWN = 20


def requester_live_batches(*, requester: User) -> list[Batch]:
    """The requester's published and paused batches, newest first, each with `answered`,
    `waiting` (submitted, to review) and `planned` (tasks × workers per task) counts, and
    `percent` done; in one query."""
    assignments = "tasks__assignments__state"
    batches = list(
        Batch.objects.filter(
            project__requester=requester, status__in=[BatchStatus.PUBLISHED, BatchStatus.PAUSED]
        )
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
    included."""
    now = now or timezone.now()
    current = now.replace(minute=0, second=0, microsecond=0)
    first = current - timedelta(hours=hours - 1)
    counts = dict(
        Assignment.objects.filter(
            task__batch__project__requester=requester, submitted_at__gte=first
        )
        .annotate(hour=TruncHour("submitted_at"))
        .values("hour")
        .annotate(answers=Count("pk"))
        .values_list("hour", "answers")
    )
    return [
        {"hour": hour, "answers": counts.get(hour, 0)}
        for hour in (first + timedelta(hours=step) for step in range(hours))
    ]
