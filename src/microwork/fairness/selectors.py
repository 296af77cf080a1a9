"""Reads of fair work: requesters' reputation, appeals to show, a worker's dashboard."""

from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone

from microwork.accounts.models import User
from microwork.fairness import services, wages
from microwork.fairness.enums import AppealState
from microwork.fairness.models import Appeal, RequesterRating
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment


@dataclass(frozen=True)
class Reputation:
    """Objective figures about a requester, and workers' average ratings."""

    hourly_all_cents: int | None
    hourly_paid_cents: int | None
    approval_rate: int | None  # whole percent, rounded down; None: nothing reviewed yet
    reviewed: int
    median_review_seconds: int | None
    appeals: int
    appeals_granted: int
    ratings: int
    rating_fair: float | None
    rating_fast: float | None
    rating_pay: float | None
    rating_communication: float | None


def requester_reputation(requester: User) -> Reputation:
    """The figures on marketplace cards and the requester's page.

    - effective hourly wage paid: pay received by workers over the time they spent on the
      requester's work, unpaid time (rejected, returned, expired) included, and paid time only;
    - approval rate: approved / (approved + rejected), overturned rejections counting approved;
    - median time to review: submit to decision, automatic approvals at their due time;
    - appeals against them, and how many were granted.
    """
    assignments = Assignment.objects.filter(task__batch__project__requester=requester)
    wage = wages.wage_totals(assignments)
    counts = assignments.aggregate(
        approved=Count("pk", filter=Q(state=AssignmentState.APPROVED)),
        rejected=Count("pk", filter=Q(state=AssignmentState.REJECTED)),
    )
    reviewed = counts["approved"] + counts["rejected"]
    appeals = Appeal.objects.filter(requester=requester).aggregate(
        total=Count("pk"), granted=Count("pk", filter=Q(state=AppealState.GRANTED))
    )
    ratings = RequesterRating.objects.filter(requester=requester).aggregate(
        n=Count("pk"),
        fair=Avg("fair"),
        fast=Avg("fast"),
        pay=Avg("pay"),
        communication=Avg("communication"),
    )
    return Reputation(
        hourly_all_cents=wage.hourly_all_cents,
        hourly_paid_cents=wage.hourly_paid_cents,
        approval_rate=counts["approved"] * 100 // reviewed if reviewed else None,
        reviewed=reviewed,
        median_review_seconds=wages.median_review_seconds(assignments),
        appeals=appeals["total"],
        appeals_granted=appeals["granted"],
        ratings=ratings["n"],
        rating_fair=ratings["fair"],
        rating_fast=ratings["fast"],
        rating_pay=ratings["pay"],
        rating_communication=ratings["communication"],
    )


def worker_appeals(*, worker: User):
    return Appeal.objects.filter(worker=worker).select_related(
        "requester", "assignment__task__batch__project", "rule_action__rule", "rule_action__project"
    )


def requester_appeals(*, requester: User):
    """Appeals to the requester: open ones first, soonest due first."""
    return (
        Appeal.objects.filter(requester=requester)
        .select_related(
            "worker",
            "assignment__task__batch__project",
            "rule_action__rule",
            "rule_action__project",
        )
        .order_by("-state", "answer_due_at", "pk")
    )


def appeals_for_staff():
    """Open and denied appeals: those staff may still decide."""
    return (
        Appeal.objects.filter(state__in=[AppealState.OPEN, AppealState.DENIED])
        .select_related(
            "worker",
            "requester",
            "assignment__task__batch__project",
            "rule_action__rule",
            "rule_action__project",
        )
        .order_by("state", "answer_due_at", "pk")
    )


def rule_actions_with_appeals(actions) -> list[tuple]:
    """(action, its appeal or None, whether the worker may appeal it now) for each of `actions`
    (one worker's rule actions), in one query: the rows of the worker's standing page."""
    actions = list(actions)
    appeals = {
        appeal.rule_action_id: appeal
        for appeal in Appeal.objects.filter(rule_action__in=[action.pk for action in actions])
    }
    now = timezone.now()
    rows = []
    for action in actions:
        appeal = appeals.get(action.pk)
        can_appeal = (
            appeal is None
            and action.is_live
            and now <= services.rule_action_appealable_until(action)
        )
        rows.append((action, appeal, can_appeal))
    return rows


def appealed_assignment_ids(*, worker: User) -> set[int]:
    return set(
        Appeal.objects.filter(worker=worker, assignment__isnull=False).values_list(
            "assignment_id", flat=True
        )
    )


def worker_dashboard(*, worker: User) -> dict:
    """Hours worked paid and unpaid, earnings and the effective hourly wage, overall and by
    ISO week (newest first), with bar heights for a small chart."""
    total = wages.worker_wage(worker)
    weeks = wages.worker_wage_by_week(worker)
    top = max([wage.hourly_all_cents or 0 for _week, wage in weeks] + [1])
    rows = []
    for (year, week), wage in reversed(weeks):
        rows.append(
            {
                "label": f"{year}-W{week:02d}",
                "monday": wages.week_start(year, week),
                "wage": wage,
                "bar_percent": (wage.hourly_all_cents or 0) * 100 // top,
            }
        )
    # Oldest week on the left; heights in a 0..100 viewBox, drawn as SVG attributes (no styles).
    bars = [
        {
            "x": index * 10 + 1,
            "y": 100 - row["bar_percent"],
            "height": row["bar_percent"],
            "row": row,
        }
        for index, row in enumerate(reversed(rows))
    ]
    return {"total": total, "weeks": rows, "chart": {"width": len(rows) * 10, "bars": bars}}
