"""Time and pay, measured: the effective hourly wage of assignments, projects, requesters and
workers, with and without the time nobody paid for.

Time spent on one assignment (docs/adr/0011):
- answered (submitted, approved, rejected): `work_seconds`, accept to submit;
- returned or expired: `ended_at - accepted_at`, time the worker gave and got nothing for;
- accepted and still open: not counted yet.

Pay received is what reached the worker's earnings for it: reward (or overturn), pay floor
top-ups and bonuses. Approved work is paid time; rejected, returned and expired work is unpaid
time; submitted work waiting for review is pending, in neither until it is decided.
Qualification tests taken on the platform are unpaid time too: from the start of the test to
its submission, or to its deadline if it ran out (a test still running is not counted yet).

The "paid" wage divides pay by paid time only; the "all" wage divides it by paid and unpaid
time together: the wage the worker really earned for the hours they gave.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from microwork.common.money import hourly_rate_cents
from microwork.payments.enums import AccountKind
from microwork.payments.models import LedgerEntry
from microwork.quality.enums import QualificationRequestState
from microwork.quality.models import QualificationRequest
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

PAID = "paid"
UNPAID = "unpaid"
PENDING = "pending"

UNPAID_STATES = (AssignmentState.REJECTED, AssignmentState.RETURNED, AssignmentState.EXPIRED)


@dataclass
class AssignmentTime:
    """One assignment's time and pay, and which of paid, unpaid or pending its time is."""

    assignment_id: int
    project_id: int
    requester_id: int
    worker_id: int
    state: str
    accepted_at: object
    seconds: int
    pay_cents: int
    kind: str
    # Of `seconds`, those the work page reported as visible and focused; None if it never did.
    active_seconds: int | None = None

    @property
    def hourly_cents(self) -> int | None:
        return hourly_rate_cents(reward_cents=self.pay_cents, seconds=self.seconds)


@dataclass
class Wage:
    """Sums over some assignments: seconds paid, unpaid and pending, and pay received."""

    paid_seconds: int = 0
    unpaid_seconds: int = 0
    pending_seconds: int = 0
    pay_cents: int = 0
    assignments: int = 0
    # The part of the time the work page was visible and focused, where the page reported it
    # (wage_totals() leaves it at 0). It informs; the wages above still use the full time.
    active_seconds: int = 0
    # Of `unpaid_seconds`, those spent on qualification tests (add_test_time()).
    test_seconds: int = 0
    per_assignment: list = field(default_factory=list, repr=False)

    def add(self, row: AssignmentTime) -> None:
        self.assignments += 1
        self.pay_cents += row.pay_cents
        self.active_seconds += row.active_seconds or 0
        if row.kind == PAID:
            self.paid_seconds += row.seconds
        elif row.kind == UNPAID:
            self.unpaid_seconds += row.seconds
        else:
            self.pending_seconds += row.seconds
        self.per_assignment.append(row)

    def add_test_time(self, seconds: int) -> None:
        """Time spent on qualification tests: unpaid, and not an assignment."""
        self.unpaid_seconds += seconds
        self.test_seconds += seconds

    @property
    def worked_seconds(self) -> int:
        """Time that counts: paid and unpaid (pending time is counted once decided)."""
        return self.paid_seconds + self.unpaid_seconds

    @property
    def hourly_paid_cents(self) -> int | None:
        """Pay per hour of paid work only: what the requester's rate looked like."""
        return hourly_rate_cents(reward_cents=self.pay_cents, seconds=self.paid_seconds)

    @property
    def hourly_all_cents(self) -> int | None:
        """Pay per hour of all work, unpaid time included: the wage really earned."""
        return hourly_rate_cents(reward_cents=self.pay_cents, seconds=self.worked_seconds)

    @property
    def median_hourly_paid_cents(self) -> int | None:
        return median([row.hourly_cents for row in self.per_assignment if row.kind == PAID])

    @property
    def median_hourly_all_cents(self) -> int | None:
        """The median over every decided assignment, unpaid ones at what they paid (usually 0)."""
        return median(
            [
                row.hourly_cents
                for row in self.per_assignment
                if row.kind != PENDING and row.seconds > 0
            ]
        )


def median(values) -> int | None:
    """The median of whole numbers, rounded down between the two middle ones; None if empty."""
    values = sorted(value for value in values if value is not None)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) // 2


def _kind(state: str) -> str:
    if state == AssignmentState.APPROVED:
        return PAID
    if state in UNPAID_STATES:
        return UNPAID
    return PENDING


def _seconds(row: dict) -> int:
    if row["work_seconds"] is not None:
        return row["work_seconds"]
    if row["ended_at"] is not None:
        return max(0, int((row["ended_at"] - row["accepted_at"]).total_seconds()))
    return 0


def assignment_times(assignments) -> list[AssignmentTime]:
    """Time and pay of each of `assignments` (a queryset), open ones left out.

    Two queries whatever the number: the assignments' fields, and the pay that reached each
    worker's earnings grouped by assignment.
    """
    rows = list(
        assignments.exclude(state=AssignmentState.ACCEPTED)
        .order_by("accepted_at", "pk")
        .values(
            "pk",
            "state",
            "accepted_at",
            "ended_at",
            "work_seconds",
            "active_seconds",
            "worker_id",
            "task__batch__project_id",
            "task__batch__project__requester_id",
        )
    )
    pay = dict(
        LedgerEntry.objects.filter(
            posting__assignment__in=assignments.exclude(state=AssignmentState.ACCEPTED),
            account__kind=AccountKind.WORKER_AVAILABLE,
        )
        .values_list("posting__assignment")
        .annotate(total=Sum("amount_cents"))
        .order_by()
    )
    return [
        AssignmentTime(
            assignment_id=row["pk"],
            project_id=row["task__batch__project_id"],
            requester_id=row["task__batch__project__requester_id"],
            worker_id=row["worker_id"],
            state=row["state"],
            accepted_at=row["accepted_at"],
            seconds=_seconds(row),
            pay_cents=pay.get(row["pk"], 0),
            kind=_kind(row["state"]),
            active_seconds=row["active_seconds"],
        )
        for row in rows
    ]


def wage_of(assignments) -> Wage:
    """The wage figures over `assignments` (a queryset of Assignment)."""
    wage = Wage()
    for row in assignment_times(assignments):
        wage.add(row)
    return wage


def wage_totals(assignments) -> Wage:
    """The same sums as wage_of(), computed in the database in two queries whatever the number
    of assignments (for requesters' figures on every marketplace card); no per-assignment rows,
    so no medians."""
    ended = ExpressionWrapper(F("ended_at") - F("accepted_at"), output_field=DurationField())
    sums = assignments.aggregate(
        paid=Sum("work_seconds", filter=Q(state=AssignmentState.APPROVED)),
        rejected=Sum("work_seconds", filter=Q(state=AssignmentState.REJECTED)),
        pending=Sum("work_seconds", filter=Q(state=AssignmentState.SUBMITTED)),
        ended=Sum(
            ended,
            filter=Q(
                state__in=[AssignmentState.RETURNED, AssignmentState.EXPIRED],
                ended_at__isnull=False,
            ),
        ),
        count=Count("pk", filter=~Q(state=AssignmentState.ACCEPTED)),
    )
    pay = LedgerEntry.objects.filter(
        posting__assignment__in=assignments, account__kind=AccountKind.WORKER_AVAILABLE
    ).aggregate(total=Sum("amount_cents"))["total"]
    ended_seconds = int(sums["ended"].total_seconds()) if sums["ended"] else 0
    return Wage(
        paid_seconds=sums["paid"] or 0,
        unpaid_seconds=(sums["rejected"] or 0) + ended_seconds,
        pending_seconds=sums["pending"] or 0,
        pay_cents=pay or 0,
        assignments=sums["count"],
    )


def median_review_seconds(assignments) -> int | None:
    """The median time from submit to decision, sorted and picked in the database."""
    wait = ExpressionWrapper(F("reviewed_at") - F("submitted_at"), output_field=DurationField())
    reviewed = (
        assignments.filter(reviewed_at__isnull=False, submitted_at__isnull=False)
        .annotate(wait=wait)
        .order_by("wait", "pk")
    )
    count = reviewed.count()
    if not count:
        return None
    waits = reviewed.values_list("wait", flat=True)
    middle = [waits[count // 2]] if count % 2 else list(waits[count // 2 - 1 : count // 2 + 1])
    seconds = [max(0, int(wait.total_seconds())) for wait in middle]
    return sum(seconds) // len(seconds)


def assignment_wage(assignment: Assignment) -> Wage:
    return wage_of(Assignment.objects.filter(pk=assignment.pk))


def project_wage(project) -> Wage:
    return wage_of(Assignment.objects.filter(task__batch__project=project))


def requester_wage(requester) -> Wage:
    """What the requester's work paid the workers who did it, per hour."""
    return wage_of(Assignment.objects.filter(task__batch__project__requester=requester))


def qualification_test_times(worker, now=None) -> list[tuple[object, int]]:
    """(start, seconds) of each qualification test the worker has finished taking: submitted,
    or run out (recorded expired or past its deadline). Reads only."""
    now = now or timezone.now()
    rows = QualificationRequest.objects.filter(worker=worker, deadline__isnull=False).values_list(
        "state", "started_at", "submitted_at", "deadline"
    )
    times = []
    for state, started_at, submitted_at, deadline in rows:
        if submitted_at is not None:
            ended = min(submitted_at, deadline)
        elif state == QualificationRequestState.EXPIRED or deadline <= now:
            ended = deadline
        else:
            continue  # still running
        times.append((started_at, max(0, int((ended - started_at).total_seconds()))))
    return times


def worker_wage(worker) -> Wage:
    """The worker's wage, the time of their qualification tests counted as unpaid."""
    wage = wage_of(Assignment.objects.filter(worker=worker))
    for _started, seconds in qualification_test_times(worker):
        wage.add_test_time(seconds)
    return wage


def iso_week(moment) -> tuple[int, int]:
    """(ISO year, ISO week) of a time, in the site's time zone."""
    local = timezone.localtime(moment)
    year, week, _day = local.isocalendar()
    return year, week


def worker_wage_by_week(worker) -> list[tuple[tuple[int, int], Wage]]:
    """The worker's wage figures per ISO week of accepting the work, oldest week first."""
    weeks: dict[tuple[int, int], Wage] = defaultdict(Wage)
    for row in assignment_times(Assignment.objects.filter(worker=worker)):
        weeks[iso_week(row.accepted_at)].add(row)
    for started, seconds in qualification_test_times(worker):
        weeks[iso_week(started)].add_test_time(seconds)
    return sorted(weeks.items())


def week_start(year: int, week: int) -> date:
    """The Monday of an ISO week."""
    return date.fromisocalendar(year, week, 1)
