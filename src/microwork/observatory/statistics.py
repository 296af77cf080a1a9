"""A month's statistics from the records, by SQL aggregates, then made safe to publish.

Time and pay are those of fairness/wages.py (docs/adr/0011): an assignment counts in the month
it was accepted (site time zone); approved work is paid time (`work_seconds`), rejected work
(`work_seconds`) and returned or expired work (`ended_at - accepted_at`) unpaid time, submitted
work waiting for review is pending; pay is what reached the worker's earnings for the
assignment (reward or overturn, pay floor top-ups, bonuses). The effective hourly wage of a
worker for the month is their pay over their paid and unpaid time together.

Every query groups in the database (per worker, per task type, per week...), so the rows that
reach Python are at most one per worker; the distributions over workers (deciles) are then
taken in Python, exactly, in whole numbers.

Privacy (docs/adr/0026): every figure is built from rows that carry the number of distinct
workers behind them; `suppress()` hides each row with fewer than k workers, and, where the
rows add up to a published total, one more row so the hidden one cannot be derived by
subtraction. A month with fewer than k active workers publishes no figure at all.
"""

import calendar
import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from microwork.fairness.enums import AppealDecider, AppealState, AppealSubject
from microwork.fairness.models import Appeal
from microwork.observatory import contracts
from microwork.observatory.enums import QUESTIONS, Reason
from microwork.observatory.models import SurveyResponse
from microwork.observatory.rounding import percent
from microwork.payments.models import LedgerEntry
from microwork.projects.models import Project
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

HOUR = 3600
# Requester size, by assignments accepted on their work in the month.
REQUESTER_SIZES = (("small", 0), ("medium", 100), ("large", 1000))
# The hourly wage histogram: bins this wide (minor units per hour), the last one open.
WAGE_BIN_CENTS = 200
WAGE_BINS = 15
# Time from submission to payment: the shares paid within these many hours.
PAYMENT_WITHIN_HOURS = (1, 24, 72, 168, 720)
# Appeals answered within this many days count as answered in time (scorecard).
APPEAL_ANSWER_DAYS = 7
DECILES = tuple(range(1, 10))

ENDED = ExpressionWrapper(F("ended_at") - F("accepted_at"), output_field=DurationField())
APPROVED, REJECTED, SUBMITTED = (
    AssignmentState.APPROVED,
    AssignmentState.REJECTED,
    AssignmentState.SUBMITTED,
)
ENDED_STATES = (AssignmentState.RETURNED, AssignmentState.EXPIRED)


def k() -> int:
    return settings.MICROWORK_OBSERVATORY_K


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    month: date  # the first day
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


def _month_start(year: int, month: int) -> datetime:
    return timezone.make_aware(datetime(year, month, 1), timezone.get_default_timezone())


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period(month: date) -> Period:
    """The calendar month holding `month`, from its first midnight to the next month's, in the
    site's time zone."""
    first = date(month.year, month.month, 1)
    following = _shift(first, 1)
    return Period(
        month=first,
        start=_month_start(first.year, first.month),
        end=_month_start(following.year, following.month),
    )


def parse_month(text: str) -> date:
    """'2026-11' -> date(2026, 11, 1); ValueError naming the expected form otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 1 <= month <= 12 or not 2000 <= year <= 9999:
            raise ValueError
    except ValueError:
        raise ValueError(f"month must look like 2026-11, not {text!r}") from None
    return date(year, month, 1)


# --- whole-number arithmetic -----------------------------------------------------------------


def hours(seconds: int | None) -> Decimal | None:
    """Seconds as hours with one decimal, rounded half up."""
    if seconds is None:
        return None
    return (Decimal(seconds) / HOUR).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hourly(pay_cents: int, seconds: int) -> int | None:
    """Pay per hour, rounded down, as fairness.wages does; None without time."""
    return pay_cents * HOUR // seconds if seconds > 0 else None


def decile(values: list[int], tenth: int) -> int | None:
    """The `tenth` decile of sorted whole numbers by the nearest-rank rule: the value at rank
    ceil(tenth * n / 10). The 5th is the median (the lower middle one for an even n)."""
    if not values:
        return None
    rank = -(-tenth * len(values) // 10)
    return values[rank - 1]


def _seconds(value) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return max(0, int(value.total_seconds()))
    return int(value)


# --- suppression ------------------------------------------------------------------------------


def suppress(rows: list[dict], *, keys: tuple[str, ...], has_margin: bool = True) -> list[dict]:
    """Hide each row counting 1 to k-1 workers ("workers"), blanking every column but `keys`.

    With `has_margin` (the rows add up to a total published elsewhere), a single hidden row
    could be computed back from the total minus the others, so the visible row with the fewest
    workers (the first such in order) is hidden with it: complementary suppression. Rows with
    no worker are published as they are: they reveal no one.
    """
    limit = k()
    hidden = [row for row in rows if 0 < row["workers"] < limit]
    if has_margin and len(hidden) == 1:
        visible = [row for row in rows if row["workers"] >= limit]
        if visible:
            hidden.append(min(visible, key=lambda row: row["workers"]))
    hidden_ids = {id(row) for row in hidden}
    published = []
    for row in rows:
        if id(row) in hidden_ids:
            row = {name: (value if name in keys else None) for name, value in row.items()}
            row["suppressed"] = True
        else:
            row = {**row, "suppressed": False}
        published.append(row)
    return published


def _blank(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    return [
        {
            **{name: (value if name in keys else None) for name, value in row.items()},
            "suppressed": True,
        }
        for row in rows
    ]


# --- the records -----------------------------------------------------------------------------


@dataclass
class WorkerMonth:
    worker_id: int
    assignments: int = 0
    paid_seconds: int = 0
    unpaid_seconds: int = 0
    pending_seconds: int = 0
    pay_cents: int = 0

    @property
    def worked_seconds(self) -> int:
        return self.paid_seconds + self.unpaid_seconds

    @property
    def hourly_all_cents(self) -> int | None:
        return hourly(self.pay_cents, self.worked_seconds)

    @property
    def hourly_paid_cents(self) -> int | None:
        return hourly(self.pay_cents, self.paid_seconds)


def assignments_in(p: Period):
    return Assignment.objects.filter(accepted_at__gte=p.start, accepted_at__lt=p.end)


OUTCOMES = {
    "approved_by_requester": Q(state=APPROVED, is_auto_approved=False),
    "approved_automatically": Q(state=APPROVED, is_auto_approved=True),
    "rejected": Q(state=REJECTED),
    "waiting_for_review": Q(state=SUBMITTED),
    "returned": Q(state=AssignmentState.RETURNED),
    "expired": Q(state=AssignmentState.EXPIRED),
    "in_progress": ~Q(state__in=(APPROVED, REJECTED, SUBMITTED, *ENDED_STATES)),
}
WAIT = ExpressionWrapper(F("reviewed_at") - F("submitted_at"), output_field=DurationField())
DELAYED = Q(state=APPROVED, submitted_at__isnull=False, reviewed_at__isnull=False)


@dataclass
class Distinct:
    """Distinct workers (and assignments, where a figure shows them) by week, task type,
    requester size, outcome and payment delay, from the per-worker summary."""

    weeks: dict[str, int]
    kinds: dict[str, int]
    sizes: dict[str, int]
    outcomes: dict[str, dict]
    delay: dict[str, int]


def _weeks(p: Period) -> list[tuple[str, datetime, datetime]]:
    """The month's weeks, each named by its Monday (site time zone), with its bounds:
    [Monday 00:00, next Monday 00:00). The first and last may start or end outside the
    month."""
    zone = timezone.get_default_timezone()
    monday = timezone.localtime(p.start, zone).date()
    monday -= timedelta(days=monday.weekday())
    weeks = []
    while (start := timezone.make_aware(datetime.combine(monday, time()), zone)) < p.end:
        following = monday + timedelta(days=7)
        end = timezone.make_aware(datetime.combine(following, time()), zone)
        weeks.append((monday.isoformat(), start, end))
        monday = following
    return weeks


KIND = "task__batch__project__template_kind"
REQUESTER = "task__batch__project__requester_id"


def _duration(value) -> timedelta | None:
    """A sum of durations as raw SQL gives it: an interval (PostgreSQL) or microseconds
    (SQLite)."""
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=int(value))


@dataclass
class Cells:
    """Time and pay of the month by (task type, requester, week): the weekly, task type and
    requester size figures are sums of these cells. Distinct workers cannot be summed: they
    come from the per-worker sums (`records`)."""

    sums: dict
    p: Period

    def total(self, key_of) -> dict:
        groups: dict = {}
        for (kind, requester, week), sums in self.sums.items():
            group = groups.setdefault(
                key_of(kind, requester, week),
                {"assignments": 0, "paid_seconds": 0, "unpaid_seconds": 0, "pay_cents": 0},
            )
            for name in group:
                group[name] += sums[name]
        return groups


def _index(cases: list[tuple[Q, int]]) -> Case:
    """The number of the first condition an assignment meets, NULL if none."""
    return Case(
        *(When(condition, then=Value(number)) for condition, number in cases),
        default=None,
        output_field=IntegerField(),
    )


def _sum_when(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def records(p: Period) -> tuple[Cells, dict[int, WorkerMonth], Distinct]:
    """The month's assignments, read once, summed by cell and by worker.

    One statement. `r` holds each assignment accepted in the month with its cell (task type,
    requester, week number), its time, its outcome number, its payment delay number and its
    pay; the database computes it once for its three uses. Pay per assignment is read from the
    ledger alone, by the index on the entries to workers' earnings (LedgerEntry.assignment,
    payments migration 0006), not by joining every entry to its posting and account. `r` is
    summed by cell, and by worker with, per worker, a count of their assignments in each week,
    task type, requester size (`sizes`, from the same rows), outcome and payment delay: a
    worker with a count is one distinct worker there, counted in Python. The SELECTs inside
    are the ORM's own, so weeks (site time zone), durations and booleans are computed as
    everywhere else, on PostgreSQL and SQLite alike.
    """
    weeks = _weeks(p)
    kinds = sorted(Project.objects.order_by().values_list("template_kind", flat=True).distinct())
    rows = (
        assignments_in(p)
        .alias(wait=WAIT)
        .values(
            aid=F("pk"),
            wid=F("worker_id"),
            st=F("state"),
            secs=F("work_seconds"),
            kind=F(KIND),
            requester=F(REQUESTER),
            wk=_index(
                [
                    (Q(accepted_at__gte=start, accepted_at__lt=end), number)
                    for number, (_key, start, end) in enumerate(weeks)
                ]
            ),
            ended=Case(
                When(state__in=ENDED_STATES, ended_at__isnull=False, then=ENDED),
                default=None,
                output_field=DurationField(),
            ),
            oc=_index([(condition, number) for number, condition in enumerate(OUTCOMES.values())]),
            dl=_index(
                [
                    (DELAYED & Q(wait__lte=timedelta(hours=limit)), number)
                    for number, limit in enumerate(PAYMENT_WITHIN_HOURS)
                ]
                + [(DELAYED, len(PAYMENT_WITHIN_HOURS))]
            ),
        )
        .order_by()
    )
    pay = (
        LedgerEntry.objects.filter(assignment__isnull=False)
        .values(paid=F("assignment"))
        .annotate(pay=Sum("amount_cents"))
        .order_by()
    )
    rows_sql, rows_params = rows.query.sql_with_params()
    pay_sql, pay_params = pay.query.sql_with_params()
    # Requester size numbers: the last of REQUESTER_SIZES whose least count is reached.
    size_whens = " ".join("WHEN COUNT(*) >= %s THEN %s" for _size in reversed(REQUESTER_SIZES))
    size_params = [
        value
        for number, (_name, least) in reversed(list(enumerate(REQUESTER_SIZES)))
        for value in (least, number)
    ]
    sums = (
        "COUNT(*), SUM(CASE WHEN r.st = %s THEN r.secs END), "
        "SUM(CASE WHEN r.st = %s THEN r.secs END), SUM(CASE WHEN r.st = %s THEN r.secs END), "
        "SUM(r.ended), SUM(r.pay)"
    )
    sums_params = [APPROVED.value, REJECTED.value, SUBMITTED.value]
    counts: dict[str, tuple[str, list]] = {}
    for number, (key, _start, _end) in enumerate(weeks):
        counts[f"week:{key}"] = ("r.wk = %s", [number])
    for kind in kinds:
        counts[f"kind:{kind}"] = ("r.kind = %s", [kind])
    for number, (name, _least) in enumerate(REQUESTER_SIZES):
        counts[f"size:{name}"] = ("z.size = %s", [number])
    for number, name in enumerate(OUTCOMES):
        counts[f"outcome:{name}"] = ("r.oc = %s", [number])
    counts["delayed"] = ("r.dl IS NOT NULL", [])
    for number, limit in enumerate(PAYMENT_WITHIN_HOURS):
        counts[f"h{limit}"] = ("r.dl <= %s", [number])
    blanks = ", NULL" * len(counts)
    sql = (
        f"WITH r AS (SELECT x.*, s.pay FROM ({rows_sql}) x "
        f"LEFT JOIN ({pay_sql}) s ON s.paid = x.aid), "
        f"sizes AS (SELECT requester, CASE {size_whens} END AS size FROM r GROUP BY requester) "
        f"SELECT 0, r.kind, r.requester, r.wk, {sums}{blanks} FROM r "
        "GROUP BY r.kind, r.requester, r.wk "
        f"UNION ALL SELECT 1, NULL, r.wid, NULL, {sums}, "
        + ", ".join(_sum_when(condition) for condition, _params in counts.values())
        + " FROM r JOIN sizes z ON z.requester = r.requester GROUP BY r.wid"
    )
    params = [
        *rows_params,
        *pay_params,
        *size_params,
        *sums_params,
        *sums_params,
        *(value for _condition, values in counts.values() for value in values),
    ]
    found: dict = {}
    months: dict[int, WorkerMonth] = {}
    totals = {name: [0, 0] for name in counts}  # [assignments, workers]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for part, kind, key, week, count, paid, rejected, pending, ended, pay_cents, *per in cursor:
            unpaid = _seconds(rejected) + _seconds(_duration(ended))
            if part == 0:
                found[(kind, key, weeks[week][0])] = {
                    "assignments": count,
                    "paid_seconds": _seconds(paid),
                    "unpaid_seconds": unpaid,
                    "pay_cents": int(pay_cents or 0),
                }
                continue
            months[key] = WorkerMonth(
                worker_id=key,
                assignments=count,
                paid_seconds=_seconds(paid),
                unpaid_seconds=unpaid,
                pending_seconds=_seconds(pending),
                pay_cents=int(pay_cents or 0),
            )
            for name, value in zip(counts, per, strict=True):
                if value:
                    totals[name][0] += value
                    totals[name][1] += 1
    distinct = Distinct(
        weeks={key: totals[f"week:{key}"][1] for key, _start, _end in weeks},
        kinds={kind: totals[f"kind:{kind}"][1] for kind in kinds},
        sizes={name: totals[f"size:{name}"][1] for name, _least in REQUESTER_SIZES},
        outcomes={
            name: {
                "assignments": totals[f"outcome:{name}"][0],
                "workers": totals[f"outcome:{name}"][1],
            }
            for name in OUTCOMES
        },
        delay={
            "all": totals["delayed"][0],
            "workers": totals["delayed"][1],
            **{f"h{limit}": totals[f"h{limit}"][0] for limit in PAYMENT_WITHIN_HOURS},
        },
    )
    return Cells(sums=found, p=p), months, distinct


def _breakdown_row(name: str, key, sums: dict) -> dict:
    worked = sums["paid_seconds"] + sums["unpaid_seconds"]
    return {
        name: key,
        "workers": sums["workers"],
        "assignments": sums["assignments"],
        "hours_paid": hours(sums["paid_seconds"]),
        "hours_unpaid": hours(sums["unpaid_seconds"]),
        "earnings_cents": sums["pay_cents"],
        "hourly_wage_cents": hourly(sums["pay_cents"], worked),
    }


# --- the figures -----------------------------------------------------------------------------


def compute(month: date) -> dict[str, list[dict]]:
    """Every figure of `month`, suppressed and ready to publish: {figure name: rows}."""
    p = period(month)
    with _tuned():
        grid, workers, distinct = records(p)
        figures = {
            "overview": _overview(p, workers, grid),
            "activity": _activity(p),
            "weekly": _weekly(grid, distinct),
            "wage_summary": _wage_summary(workers),
            "distributions": _distributions(workers),
            "hourly_wage_histogram": _histogram(workers),
            "outcomes": _outcomes(distinct),
            "appeals": _appeals(p),
            "payment_delay": _payment_delay(distinct),
            "by_task_type": _by_task_type(grid, distinct),
            "by_requester_size": _by_requester_size(grid, distinct),
            "by_survey_answer": _by_survey_answer(workers),
        }
        figures["scorecard"] = _scorecard(p, workers, figures["payment_delay"])
    if len(workers) < k():
        # Fewer than k workers in all: even totals would describe a handful of people.
        figures = {name: _blank(rows, KEYS[name]) for name, rows in figures.items()}
    return figures


# PostgreSQL, for the snapshot's own connection while it computes: enough memory for the hash
# joins and groupings over a month's assignments and ledger to stay in memory rather than
# spill to disk (at 1,000,000 assignments they need some 100 MB; the default is 4 MB), and no
# JIT compilation, which costs these few big scans more than it saves. Both set back after.
TUNING = {"work_mem": "128MB", "jit": "off"}


@contextmanager
def _tuned() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    saved = {}
    with connection.cursor() as cursor:
        for name, value in TUNING.items():
            cursor.execute(
                "SELECT current_setting(%s), set_config(%s, %s, false)", [name, name, value]
            )
            saved[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        # In a failed transaction this fails too; the rollback then undoes the settings.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


# The columns that name a row, kept when the row is hidden.
KEYS = {
    "overview": ("measure",),
    "activity": ("activity_class",),
    "weekly": ("week",),
    "wage_summary": ("measure",),
    "distributions": ("decile",),
    "hourly_wage_histogram": ("from_cents", "to_cents"),
    "outcomes": ("outcome",),
    "appeals": ("outcome",),
    "payment_delay": ("within_hours",),
    "by_task_type": ("task_type",),
    "by_requester_size": ("requester_size",),
    "by_survey_answer": ("question", "answer"),
    "scorecard": ("principle", "measure"),
}


def _measure_rows(values: dict, workers: int) -> list[dict]:
    return [{"measure": name, "value": value, "workers": workers} for name, value in values.items()]


def _overview(p: Period, workers: dict[int, WorkerMonth], grid: Cells) -> list[dict]:
    # Requesters from the grid's cells.
    counts = assignments_in(p).aggregate(tasks=Count("task_id", distinct=True))
    counts["requesters"] = len({requester for _kind, requester, _week in grid.sums})
    paid = sum(w.paid_seconds for w in workers.values())
    unpaid = sum(w.unpaid_seconds for w in workers.values())
    values = {
        "workers_active": len(workers),
        "requesters_active": counts["requesters"],
        "tasks_worked": counts["tasks"],
        "assignments": sum(w.assignments for w in workers.values()),
        "hours_paid": hours(paid),
        "hours_unpaid": hours(unpaid),
        "hours_pending": hours(sum(w.pending_seconds for w in workers.values())),
        "unpaid_share_percent": percent(unpaid, paid + unpaid),
        "earnings_cents": sum(w.pay_cents for w in workers.values()),
    }
    return suppress(_measure_rows(values, len(workers)), keys=KEYS["overview"], has_margin=False)


def activity_classes(p: Period) -> dict[int, str]:
    """Each worker active in the occasional window ending with the month, and their class:
    "very_active" (an assignment accepted in each of the last VERY_ACTIVE_WEEKS 7-day weeks
    before the month's end), "regular" (in each of the last REGULAR_MONTHS calendar months),
    "occasional" (at least one in the last OCCASIONAL_MONTHS). One grouped query."""
    weeks = settings.MICROWORK_OBSERVATORY_VERY_ACTIVE_WEEKS
    regular = settings.MICROWORK_OBSERVATORY_REGULAR_MONTHS
    occasional = settings.MICROWORK_OBSERVATORY_OCCASIONAL_MONTHS
    counts = {}
    for index in range(weeks):
        counts[f"w{index}"] = Count(
            "pk",
            filter=Q(
                accepted_at__gte=p.end - timedelta(days=7 * (index + 1)),
                accepted_at__lt=p.end - timedelta(days=7 * index),
            ),
        )
    for index in range(regular):
        window = period(_shift(p.month, -index))
        counts[f"m{index}"] = Count(
            "pk", filter=Q(accepted_at__gte=window.start, accepted_at__lt=window.end)
        )
    since = period(_shift(p.month, -(occasional - 1))).start
    classes = {}
    rows = (
        Assignment.objects.filter(accepted_at__gte=since, accepted_at__lt=p.end)
        .values("worker_id")
        .annotate(**counts)
        .order_by()
    )
    for row in rows:
        if all(row[f"w{index}"] for index in range(weeks)):
            classes[row["worker_id"]] = "very_active"
        elif all(row[f"m{index}"] for index in range(regular)):
            classes[row["worker_id"]] = "regular"
        else:
            classes[row["worker_id"]] = "occasional"
    return classes


def _activity(p: Period) -> list[dict]:
    classes = list(activity_classes(p).values())
    rows = [
        {"activity_class": name, "workers": classes.count(name)}
        for name in ("very_active", "regular", "occasional")
    ]
    # The total is published, so the classes are suppressed against it.
    return [
        *suppress(rows, keys=KEYS["activity"]),
        *suppress(
            [{"activity_class": "all", "workers": len(classes)}],
            keys=KEYS["activity"],
            has_margin=False,
        ),
    ]


def _weekly(grid: Cells, distinct: Distinct) -> list[dict]:
    # Weeks start on Monday; the first and last may be cut by the month's ends.
    workers = distinct.weeks
    rows = []
    for week, sums in sorted(grid.total(lambda kind, requester, week: week).items()):
        rows.append(_breakdown_row("week", week, {**sums, "workers": workers.get(week, 0)}))
    return suppress(rows, keys=KEYS["weekly"])


def _worked(workers: dict[int, WorkerMonth]) -> list[WorkerMonth]:
    """Workers with decided time in the month: the ones a wage can be computed for."""
    return [w for w in workers.values() if w.worked_seconds > 0]


def _wage_summary(workers: dict[int, WorkerMonth]) -> list[dict]:
    worked = _worked(workers)
    floor = settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR
    minimum = settings.MICROWORK_OBSERVATORY_MINIMUM_WAGE_CENTS
    rates = sorted(w.hourly_all_cents for w in worked)
    paid_rates = sorted(w.hourly_paid_cents for w in worked if w.paid_seconds)
    values = {
        "workers_with_time": len(worked),
        "median_hourly_wage_cents": decile(rates, 5),
        "median_hourly_wage_paid_time_cents": decile(paid_rates, 5),
        "pay_floor_cents": floor,
        "minimum_wage_cents": minimum,
        "share_under_pay_floor_percent": percent(sum(r < floor for r in rates), len(rates)),
        "share_under_minimum_wage_percent": percent(sum(r < minimum for r in rates), len(rates)),
        "share_under_pay_floor_paid_time_percent": percent(
            sum(r < floor for r in paid_rates), len(paid_rates)
        ),
    }
    rows = _measure_rows(values, len(worked))
    return suppress(rows, keys=KEYS["wage_summary"], has_margin=False)


def _distributions(workers: dict[int, WorkerMonth]) -> list[dict]:
    worked = _worked(workers)
    everyone = list(workers.values())
    columns = {
        "hourly_wage_cents": sorted(w.hourly_all_cents for w in worked),
        "hourly_wage_paid_time_cents": sorted(
            w.hourly_paid_cents for w in worked if w.paid_seconds
        ),
        "earnings_cents": sorted(w.pay_cents for w in everyone),
        "hours_worked": sorted(w.worked_seconds for w in everyone),
    }
    rows = []
    for tenth in DECILES:
        row = {"decile": tenth, "workers": len(worked)}
        for name, values in columns.items():
            value = decile(values, tenth)
            row[name] = hours(value) if name == "hours_worked" else value
        rows.append(row)
    return suppress(rows, keys=KEYS["distributions"], has_margin=False)


def _histogram(workers: dict[int, WorkerMonth]) -> list[dict]:
    rates = [w.hourly_all_cents for w in _worked(workers)]
    rows = []
    for index in range(WAGE_BINS):
        low = index * WAGE_BIN_CENTS
        high = None if index == WAGE_BINS - 1 else low + WAGE_BIN_CENTS
        count = sum(low <= r and (high is None or r < high) for r in rates)
        rows.append({"from_cents": low, "to_cents": high, "workers": count})
    # The bins add up to workers_with_time, published in wage_summary.
    return suppress(rows, keys=KEYS["hourly_wage_histogram"])


def _outcomes(distinct: Distinct) -> list[dict]:
    counts = distinct.outcomes
    names = (
        "approved_by_requester",
        "approved_automatically",
        "rejected",
        "waiting_for_review",
        "returned",
        "expired",
        "in_progress",
    )
    rows = []
    for name in names:
        found = counts.get(name, {"assignments": 0, "workers": 0})
        rows.append(
            {"outcome": name, "workers": found["workers"], "assignments": found["assignments"]}
        )
    return suppress(rows, keys=KEYS["outcomes"])


def _appeal_outcome():
    return Case(
        When(state=AppealState.OPEN, then=Value("open")),
        When(
            state=AppealState.GRANTED,
            decided_by=AppealDecider.AUTOMATIC,
            then=Value("granted_automatically"),
        ),
        When(
            state=AppealState.GRANTED,
            decided_by=AppealDecider.STAFF,
            then=Value("granted_by_staff"),
        ),
        When(state=AppealState.GRANTED, then=Value("granted_by_requester")),
        When(
            state=AppealState.DENIED, decided_by=AppealDecider.STAFF, then=Value("denied_by_staff")
        ),
        default=Value("denied_by_requester"),
        output_field=CharField(),
    )


def _appeals(p: Period) -> list[dict]:
    """Appeals of rejections opened in the month, by how they ended."""
    counts = {
        row["outcome"]: row
        for row in Appeal.objects.filter(
            subject=AppealSubject.REJECTION, opened_at__gte=p.start, opened_at__lt=p.end
        )
        .annotate(outcome=_appeal_outcome())
        .values("outcome")
        .annotate(appeals=Count("pk"), workers=Count("worker_id", distinct=True))
        .order_by()
    }
    names = (
        "granted_by_requester",
        "granted_by_staff",
        "granted_automatically",
        "denied_by_requester",
        "denied_by_staff",
        "open",
    )
    rows = [
        {
            "outcome": name,
            "workers": counts.get(name, {}).get("workers", 0),
            "appeals": counts.get(name, {}).get("appeals", 0),
        }
        for name in names
    ]
    return suppress(rows, keys=KEYS["appeals"])


def _payment_delay(distinct: Distinct) -> list[dict]:
    """Approved assignments accepted in the month: the share paid within each delay of their
    submission (the reward is posted in the approval's own transaction, at reviewed_at)."""
    counts = distinct.delay
    rows = [
        {
            "within_hours": limit,
            "workers": counts["workers"],
            "assignments": counts[f"h{limit}"],
            "share_percent": percent(counts[f"h{limit}"], counts["all"]),
        }
        for limit in PAYMENT_WITHIN_HOURS
    ]
    return suppress(rows, keys=KEYS["payment_delay"], has_margin=False)


def _by_task_type(grid: Cells, distinct: Distinct) -> list[dict]:
    workers = distinct.kinds
    rows = [
        _breakdown_row("task_type", kind, {**sums, "workers": workers.get(kind, 0)})
        for kind, sums in sorted(grid.total(lambda kind, requester, week: kind).items())
    ]
    return suppress(rows, keys=KEYS["by_task_type"])


def _requester_sizes(grid: Cells) -> dict[int, str]:
    """Each requester's size class, by assignments on their work in the month."""
    counts: dict[int, int] = {}
    for (_kind, requester, _week), sums in grid.sums.items():
        counts[requester] = counts.get(requester, 0) + sums["assignments"]
    return {
        requester: [name for name, least in REQUESTER_SIZES if count >= least][-1]
        for requester, count in counts.items()
    }


def _by_requester_size(grid: Cells, distinct: Distinct) -> list[dict]:
    sizes = _requester_sizes(grid)
    members = {
        name: [r for r, size in sorted(sizes.items()) if size == name]
        for name, _ in REQUESTER_SIZES
    }
    workers = distinct.sizes
    totals = grid.total(lambda kind, requester, week: sizes[requester])
    rows = []
    for name, _least in REQUESTER_SIZES:
        sums = totals.get(
            name, {"assignments": 0, "paid_seconds": 0, "unpaid_seconds": 0, "pay_cents": 0}
        )
        row = _breakdown_row("requester_size", name, {**sums, "workers": workers.get(name, 0)})
        row["requesters"] = len(members[name])
        rows.append(row)
    return suppress(rows, keys=KEYS["by_requester_size"])


def _survey_row(question: str, answer: str, members: list[WorkerMonth]) -> dict:
    worked = [w for w in members if w.worked_seconds > 0]
    return {
        "question": question,
        "answer": answer,
        "workers": len(members),
        "median_hourly_wage_cents": decile(sorted(w.hourly_all_cents for w in worked), 5),
        "median_earnings_cents": decile(sorted(w.pay_cents for w in members), 5),
        "median_hours_worked": hours(decile(sorted(w.worked_seconds for w in members), 5)),
    }


def _by_survey_answer(workers: dict[int, WorkerMonth]) -> list[dict]:
    """The month's active workers who consent to the survey, by each answer. Answers are read
    now: a worker who withdrew is in none of these rows."""
    fields = [name for name, _choices in QUESTIONS]
    answers = {
        row["worker_id"]: row
        # A deleted account (fairness.services.worker_account_delete) is inactive: its answers
        # count no more, like a withdrawal's.
        for row in SurveyResponse.objects.filter(
            worker_id__in=list(workers), worker__is_active=True
        ).values("worker_id", "country", "reasons", *fields)
    }
    respondents = [workers[worker_id] for worker_id in sorted(answers)]
    keys = KEYS["by_survey_answer"]
    rows = suppress(
        [_survey_row("all_respondents", "all", respondents)], keys=keys, has_margin=False
    )
    questions = [(name, list(choices.values)) for name, choices in QUESTIONS]
    questions.append(
        ("country", sorted({row["country"] or "no_answer" for row in answers.values()}))
    )
    for question, values in questions:
        table = []
        for value in values:
            members = [
                workers[worker_id]
                for worker_id, row in sorted(answers.items())
                if (row[question] or "no_answer") == value
            ]
            table.append(_survey_row(question, value, members))
        # Each question's answers add up to the respondents.
        rows += suppress(table, keys=keys) if not rows[0]["suppressed"] else _blank(table, keys)
    reasons = [
        _survey_row(
            "reasons",
            reason,
            [workers[w] for w, row in sorted(answers.items()) if reason in row["reasons"]],
        )
        for reason in Reason.values
    ]
    # Several reasons per worker: they add up to no total, so no complementary suppression.
    rows += suppress(reasons, keys=keys, has_margin=False)
    return rows


def _scorecard(p: Period, workers: dict[int, WorkerMonth], delay_rows: list[dict]) -> list[dict]:
    """Fairwork's principles, scored from the records. Each row is one figure behind a point,
    with the threshold it is held to; "met" is yes, no, not_measured (no record to score
    from) or not_scored (a figure shown for context, held to no threshold)."""
    worked = _worked(workers)
    rates = sorted(w.hourly_all_cents for w in worked)
    minimum = settings.MICROWORK_OBSERVATORY_MINIMUM_WAGE_CENTS
    median = decile(rates, 5)
    paid = sum(w.paid_seconds for w in worked)
    unpaid = sum(w.unpaid_seconds for w in worked)
    unpaid_share = percent(unpaid, paid + unpaid)
    delay = {row["within_hours"]: row["share_percent"] for row in delay_rows}
    week_share = delay.get(168)
    decided = Appeal.objects.filter(
        subject=AppealSubject.REJECTION, decided_at__gte=p.start, decided_at__lt=p.end
    )
    answer_wait = ExpressionWrapper(F("decided_at") - F("opened_at"), output_field=DurationField())
    appeals = decided.annotate(wait=answer_wait).aggregate(
        all=Count("pk"),
        granted=Count("pk", filter=Q(state=AppealState.GRANTED)),
        in_time=Count("pk", filter=Q(wait__lte=timedelta(days=APPEAL_ANSWER_DAYS))),
        workers=Count("worker_id", distinct=True),
    )

    def met(value, threshold, *, at_least: bool) -> str:
        if value is None:
            return "not_measured"
        return "yes" if (value >= threshold if at_least else value <= threshold) else "no"

    rows = [
        (
            "fair_pay",
            "median_hourly_wage_cents",
            median,
            minimum,
            met(median, minimum, at_least=True),
        ),
        (
            "fair_pay",
            "paid_within_7_days_percent",
            week_share,
            95,
            met(week_share, 95, at_least=True),
        ),
        (
            "fair_conditions",
            "unpaid_share_percent",
            unpaid_share,
            10,
            met(unpaid_share, 10, at_least=False),
        ),
        (
            "fair_management",
            "appeals_granted_percent",
            percent(appeals["granted"], appeals["all"]),
            None,
            "not_scored" if appeals["all"] else "not_measured",
        ),
        (
            "fair_management",
            f"appeals_decided_within_{APPEAL_ANSWER_DAYS}_days_percent",
            percent(appeals["in_time"], appeals["all"]),
            90,
            met(percent(appeals["in_time"], appeals["all"]), 90, at_least=True),
        ),
    ]
    result = []
    for principle, measure, value, threshold, is_met in rows:
        behind = appeals["workers"] if principle == "fair_management" else len(worked)
        result.append(
            {
                "principle": principle,
                "measure": measure,
                "workers": behind,
                "value": value,
                "threshold": threshold,
                "met": is_met,
            }
        )
    # Fair contracts: the versioned terms of service (accounts.terms), before management.
    management = next(n for n, row in enumerate(result) if row["principle"] == "fair_management")
    result[management:management] = contracts.fair_contracts_rows(start=p.start, end=p.end)
    # Appeals come from few workers: their rows are hidden under k like any other.
    return suppress(result, keys=KEYS["scorecard"], has_margin=False)


def last_day(month: date) -> date:
    return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
