"""Reads of fair work: requesters' reputation, appeals to show, a worker's dashboard, and
what the fair-work rules have made due without it being settled yet: appeals past their answer
window (granted at the next sweep) and batches under the pay floor (raised at the next floor
check, fairness/settlement.py)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, BooleanField, Case, Count, Q, Sum, Value, When
from django.utils import timezone

from microwork.accounts.models import User
from microwork.common.charts import CENTS, bar_chart
from microwork.fairness import floor, services, wages
from microwork.fairness.enums import AppealState
from microwork.fairness.models import Appeal, PayFloorNotice, RequesterRating
from microwork.payments import fees
from microwork.payments import services as payments
from microwork.payments.enums import AccountKind
from microwork.payments.models import LedgerEntry
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
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


def _with_grant_due(appeals, now=None):
    """`appeals` with `is_grant_due`: the requester let the answer window pass, so the appeal
    is granted in effect (and shown so) before the sweep writes it down."""
    now = now or timezone.now()
    return appeals.annotate(
        is_grant_due=Case(
            When(services.grant_due(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def worker_appeals(*, worker: User, now=None):
    return _with_grant_due(Appeal.objects.filter(worker=worker), now).select_related(
        "requester", "assignment__task__batch__project", "rule_action__rule", "rule_action__project"
    )


def requester_appeals(*, requester: User, now=None):
    """Appeals to the requester: open ones first, soonest due first; `is_grant_due` on those
    whose answer window has passed."""
    return (
        _with_grant_due(Appeal.objects.filter(requester=requester), now)
        .select_related(
            "worker",
            "assignment__task__batch__project",
            "rule_action__rule",
            "rule_action__project",
        )
        .order_by("-state", "answer_due_at", "pk")
    )


def appeals_for_staff(now=None):
    """Open and denied appeals: those staff may still decide; `is_grant_due` on open ones
    whose answer window has passed (granted at the next sweep)."""
    return (
        _with_grant_due(
            Appeal.objects.filter(state__in=[AppealState.OPEN, AppealState.DENIED]), now
        )
        .select_related(
            "worker",
            "requester",
            "assignment__task__batch__project",
            "rule_action__rule",
            "rule_action__project",
        )
        .order_by("state", "answer_due_at", "pk")
    )


# --- the pay floor, before its next check ------------------------------------------------------


@dataclass(frozen=True)
class PayFloorDue:
    """What the next pay floor check would do to a batch (services.batch_pay_floor_enforce):
    raise its reward from `old_reward_cents` to `new_reward_cents` (equal when it only catches
    up approvals paid the old reward), top up `topups_count` approved assignments by
    `topups_cents` in all (fees on top), for `cost_cents` from the requester's funds in all,
    escrow for the slots still owed included; `missing_cents` of it short, and the batch
    paused until it is there."""

    floor_cents_per_hour: int
    median_seconds: int
    submissions: int
    old_reward_cents: int
    new_reward_cents: int
    topups_count: int
    topups_cents: int
    cost_cents: int
    missing_cents: int

    @property
    def is_raise(self) -> bool:
        return self.new_reward_cents > self.old_reward_cents


def batch_pay_floor_due(batch: Batch) -> PayFloorDue | None:
    """What holding `batch` to the pay floor would do now, read without doing it, as
    services.batch_pay_floor_enforce() decides it; None when it would do nothing."""
    batch = Batch.objects.select_related("project").get(pk=batch.pk)
    if batch.status == BatchStatus.DRAFT:
        return None
    measured = services.batch_measured_time(batch)
    if measured is None:
        return None
    median, submissions = measured
    pending = (
        PayFloorNotice.objects.filter(batch=batch, applied_at__isnull=True)
        .order_by("-new_reward_cents")
        .values_list("new_reward_cents", flat=True)
        .first()
    )
    target = max(floor.reward_meeting_floor(median), pending or 0)
    if target <= batch.reward_cents:
        if batch.reward_override_cents is None:
            return None
        target = batch.reward_cents  # approvals that raced the raise, to catch up
    project = batch.project
    per_task = fees.tier_assignments(project, batch)
    underpaid = list(services._underpaid(batch, target).values_list("received", flat=True))
    if not underpaid and target == batch.reward_cents:
        return None
    topups = sum(target - received for received in underpaid)
    topup_fees = sum(
        max(
            0,
            fees.reward_fee(reward_cents=target, assignments_per_task=per_task)
            - fees.reward_fee(reward_cents=received, assignments_per_task=per_task),
        )
        for received in underpaid
    )
    raised = Batch.objects.select_related("project").get(pk=batch.pk)
    raised.reward_override_cents = target  # in memory only: what its escrow would owe
    held = _sum(LedgerEntry.objects.filter(account__kind=AccountKind.ESCROW, account__batch=batch))
    # The escrow's reserve for the floor (adr 0011), no longer owed at the new reward, pays
    # the top-ups first: escrow_owed() falls below what is held.
    cost = max(0, topups + topup_fees + payments.escrow_owed(raised) - held)
    available = _sum(
        LedgerEntry.objects.filter(
            account__kind=AccountKind.REQUESTER_AVAILABLE,
            account__owner=project.requester_id,
            account__currency=project.currency,
        )
    )
    return PayFloorDue(
        floor_cents_per_hour=floor.floor_cents_per_hour(),
        median_seconds=median,
        submissions=submissions,
        old_reward_cents=batch.reward_cents,
        new_reward_cents=target,
        topups_count=len(underpaid),
        topups_cents=topups,
        cost_cents=cost,
        missing_cents=max(0, cost - available),
    )


def _sum(entries) -> int:
    return entries.aggregate(total=Sum("amount_cents"))["total"] or 0


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
    return {"total": total, "weeks": rows, "chart": wage_chart(list(reversed(rows)))}


CHART_WEEKS = 12


def wage_chart(rows: list[dict], *, currency: str = "") -> dict:
    """Bars of the effective hourly wage of the last CHART_WEEKS weeks (oldest first), on a
    scale from 0 to a round amount at least the pay floor (common/charts.py), the floor drawn
    as a reference line and the weeks under it marked."""
    rows = rows[-CHART_WEEKS:]
    floor_cents = floor.floor_cents_per_hour()
    values = [row["wage"].hourly_all_cents or 0 for row in rows]
    highest = max([*values, floor_cents])
    chart = bar_chart(
        values,
        [row["label"][-3:] for row in rows],
        step=100 if highest <= 2000 else 500,  # round to 1 or 5 units of the currency
        reference=floor_cents,
        unit=CENTS,
        currency=currency or settings.MICROWORK_CURRENCY,
        names=[row["label"] for row in rows],
    )
    for bar, row in zip(chart["bars"], rows, strict=True):
        bar["row"] = row
        bar["under_floor"] = bar["value"] < floor_cents
        bar["tone"] = "warning" if bar["under_floor"] else ""
    return {**chart, "floor_cents": floor_cents}
