"""Reads of work: the marketplace, a worker's history, a batch's progress and results.

What time alone has decided is read here as decided, without writing it: an accepted
assignment past its deadline counts as expired, a submitted one past its auto-approval time as
approved. The sweep (fairness.settlement.settle_due) writes it down, at most a minute later.
"""

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from microwork.accounts.models import User
from microwork.common.money import hourly_rate_cents
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Project, Task
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment

# Below this many submissions the measured median says little; show the requester's estimate.
MIN_SUBMISSIONS_FOR_MEDIAN = 5


# --- what is due -----------------------------------------------------------------------------


def expiry_due(now) -> Q:
    """Accepted assignments past their deadline: expired, once the sweep has run."""
    return Q(state=AssignmentState.ACCEPTED, deadline__lte=now)


def auto_approval_due(now) -> Q:
    """Submitted assignments past their auto-approval time: approved and paid at that time,
    once the sweep has run."""
    return Q(state=AssignmentState.SUBMITTED, auto_approval_due_at__lte=now)


def state_due(now) -> Case:
    """An assignment's state once what is due at `now` is settled, as an SQL expression."""
    return Case(
        When(expiry_due(now), then=Value(AssignmentState.EXPIRED.value)),
        When(auto_approval_due(now), then=Value(AssignmentState.APPROVED.value)),
        default=F("state"),
        output_field=CharField(),
    )


def assignment_state_due(assignment: Assignment, now=None) -> AssignmentState:
    """`assignment`'s state once what is due at `now` is settled (state_due(), in Python)."""
    now = now or timezone.now()
    if assignment.state == AssignmentState.ACCEPTED and assignment.deadline <= now:
        return AssignmentState.EXPIRED
    if (
        assignment.state == AssignmentState.SUBMITTED
        and assignment.auto_approval_due_at is not None
        and assignment.auto_approval_due_at <= now
    ):
        return AssignmentState.APPROVED
    return AssignmentState(assignment.state)


def _open_tasks(now):
    # Gold tasks are handed out only by gold mixing in the claim (quality/gold.py): they are
    # not work on offer, and a preview never shows one.
    return Task.objects.filter(
        batch__status=BatchStatus.PUBLISHED,
        batch__expires_at__gt=now,
        open_slots__gt=0,
        gold__isnull=True,
    )


def projects_with_work_for(*, worker: User):
    """Projects with at least one task this worker has not had and can take (a free slot of a
    live batch), with `slots_available`, newest first. quality.selectors.
    projects_available_for_worker() leaves out those the worker may not see: the marketplace.
    """
    now = timezone.now()
    for_worker = (
        _open_tasks(now)
        .filter(batch__project=OuterRef("pk"))
        .exclude(pk__in=Assignment.objects.filter(worker=worker).values("task_id"))
    )
    slots = (
        _open_tasks(now)
        .filter(batch__project=OuterRef("pk"))
        .order_by()
        .values("batch__project")
        .annotate(total=Sum("open_slots"))
        .values("total")
    )
    return (
        Project.objects.filter(Exists(for_worker))
        .select_related("requester")
        .annotate(slots_available=Coalesce(Subquery(slots, output_field=IntegerField()), 0))
        .order_by("-created_at")
    )


def median_work_seconds(assignments) -> int | None:
    """The median of work_seconds over answered assignments, computed in the database."""
    answered = assignments.filter(state__in=list(ANSWERED_STATES)).order_by("work_seconds")
    count = answered.count()
    if count == 0:
        return None
    values = answered.values_list("work_seconds", flat=True)
    if count % 2:
        return values[count // 2]
    low, high = values[count // 2 - 1 : count // 2 + 1]
    return (low + high) // 2


def project_pay_facts(project: Project) -> dict:
    """What a worker should know about pay before accepting: reward, time estimate, measured
    median (once there are enough submissions) and the hourly rate they imply."""
    assignments = Assignment.objects.filter(task__batch__project=project)
    answered = assignments.filter(state__in=list(ANSWERED_STATES)).count()
    median = median_work_seconds(assignments) if answered >= MIN_SUBMISSIONS_FOR_MEDIAN else None
    # A HIT type of the MTurk API has no estimate: its time allotted is a deadline.
    estimate = project.estimated_seconds if project.estimate_is_declared else None
    seconds = median or estimate
    hourly = hourly_rate_cents(reward_cents=project.reward_cents, seconds=seconds)
    # The pay floor tops the reward up on measured time (fairness, adr 0011), so the rate a
    # worker can count on is never under it, measured or not.
    floor = settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR
    hourly_is_floor = hourly is None or hourly < floor
    # The pay floor may have raised the reward of some live batches (fairness, adr 0011).
    raised = (
        Batch.objects.filter(
            project=project,
            status=BatchStatus.PUBLISHED,
            expires_at__gt=timezone.now(),
            reward_override_cents__gt=project.reward_cents,
        )
        .order_by("-reward_override_cents")
        .values_list("reward_override_cents", flat=True)
        .first()
    )
    return {
        "reward_cents": project.reward_cents,
        "raised_reward_cents": raised,
        "estimated_seconds": estimate,
        "median_seconds": median,
        "submissions": answered,
        "hourly_cents": floor if hourly_is_floor else hourly,
        "hourly_is_measured": median is not None,
        "hourly_is_floor": hourly_is_floor,
    }


def batch_progress(batch: Batch, now=None) -> dict:
    """Counts for the progress page: tasks and assignments by state, median time, hourly rate.

    States are counted as they stand once what is due at `now` is settled (state_due()); `due`
    says how many of them the sweep has yet to write down: `expired` accepted assignments past
    their deadline, `approved` submissions past their auto-approval time. A slot an overdue
    assignment holds counts as open.
    """
    now = now or timezone.now()
    assignments = Assignment.objects.filter(task__batch=batch)
    by_state = dict(
        assignments.order_by()
        .annotate(shown=state_due(now))
        .values("shown")
        .annotate(n=Count("pk"))
        .values_list("shown", "n")
    )
    states = {state.value: by_state.get(state.value, 0) for state in AssignmentState}
    due = assignments.aggregate(
        expired=Count("pk", filter=expiry_due(now)),
        approved=Count("pk", filter=auto_approval_due(now)),
    )
    overdue = (
        Assignment.objects.filter(expiry_due(now), task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    tasks = Task.objects.filter(batch=batch).annotate(
        slots_freed=Coalesce(Subquery(overdue, output_field=IntegerField()), 0)
    )
    # Slots are counted per task: a HIT of the MTurk API carries its own MaxAssignments, and a
    # task may have been given more assignments than the project's assignments per task.
    task_counts = tasks.aggregate(
        total=Count("pk"),
        with_open_slots=Count("pk", filter=Q(open_slots__gt=0) | Q(slots_freed__gt=0)),
        slots=Coalesce(Sum("max_assignments"), 0),
    )
    completed = (
        Task.objects.filter(batch=batch)
        .annotate(
            answered=Count("assignments", filter=Q(assignments__state__in=list(ANSWERED_STATES)))
        )
        .filter(answered__gte=F("max_assignments"))
        .count()
    )
    median = median_work_seconds(assignments)
    slots = task_counts["slots"]
    answered = sum(states[state] for state in ANSWERED_STATES)
    return {
        "tasks_total": task_counts["total"],
        "tasks_with_open_slots": task_counts["with_open_slots"],
        "tasks_completed": completed,
        "assignments": states,
        "due": due,
        "slots_total": slots,
        "answered": answered,
        "percent_done": int(answered * 100 // slots) if slots else 0,
        "median_seconds": median,
        "hourly_cents": hourly_rate_cents(reward_cents=batch.project.reward_cents, seconds=median),
    }


def worker_history(*, worker: User):
    return (
        Assignment.objects.filter(worker=worker)
        .select_related("task__batch__project__requester")
        .order_by("-accepted_at")
    )


def worker_open_assignment(*, worker: User, project: Project) -> Assignment | None:
    """The worker's current accepted assignment in a project, if any (to resume after a reload)."""
    return (
        Assignment.objects.filter(
            worker=worker,
            task__batch__project=project,
            state=AssignmentState.ACCEPTED,
            deadline__gt=timezone.now(),
        )
        .order_by("accepted_at")
        .first()
    )


def project_batches_with_progress(*, project: Project):
    """The project's batches, newest first, each with `answered` (assignments with an answer)
    and `slots_total` (the sum of its tasks' max assignments), for a progress bar per batch."""
    # A subquery, not a Sum over the join: the join with assignments would repeat each task.
    slots = (
        Task.objects.filter(batch=OuterRef("pk"))
        .order_by()
        .values("batch")
        .annotate(total=Sum("max_assignments"))
        .values("total")
    )
    return (
        Batch.objects.filter(project=project)
        .annotate(
            answered=Count(
                "tasks__assignments",
                filter=Q(tasks__assignments__state__in=list(ANSWERED_STATES)),
            ),
            slots_total=Coalesce(Subquery(slots, output_field=IntegerField()), 0),
        )
        .order_by("-created_at", "-pk")
    )


def batch_submissions(*, batch: Batch, state: str = "", worker_id: str = "", now=None):
    """The batch's answered assignments for review: those waiting for a decision first, then
    by row; `state` narrows to one answered state, `worker_id` to one worker's.

    Each has `state_due`, its state once what is due at `now` is settled, and
    `is_approval_due`: submitted, but past its auto-approval time, so approved already in
    effect (assignment_approve and _reject treat it so) and no longer waiting; `state` filters
    on `state_due`.
    """
    now = now or timezone.now()
    assignments = Assignment.objects.filter(
        task__batch=batch, state__in=list(ANSWERED_STATES)
    ).annotate(
        state_due=state_due(now),
        is_approval_due=Case(
            When(auto_approval_due(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    if state:
        assignments = assignments.filter(state_due=state)
    if worker_id:
        assignments = assignments.filter(worker__worker_id=worker_id)
    return (
        assignments.select_related("task", "worker")
        .annotate(
            waiting=Case(When(state_due=AssignmentState.SUBMITTED, then=0), default=1),
        )
        .order_by("waiting", "task__row_number", "submitted_at", "pk")
    )


def batch_waiting_count(batch: Batch, now=None) -> int:
    """How many of the batch's submissions wait for the requester's decision: submitted and
    not yet past their auto-approval time."""
    now = now or timezone.now()
    return (
        Assignment.objects.filter(task__batch=batch, state=AssignmentState.SUBMITTED)
        .exclude(auto_approval_due_at__lte=now)
        .count()
    )


def task_to_preview_for_worker(*, worker: User, project: Project) -> Task | None:
    """The task a worker would see in a preview: the first one of the project they could
    accept now (live batch, free slot, not had before), or None."""
    return (
        _open_tasks(timezone.now())
        .filter(batch__project=project)
        .exclude(pk__in=Assignment.objects.filter(worker=worker).values("task_id"))
        .order_by("pk")
        .first()
    )


def worker_open_assignments(*, worker: User):
    """The worker's accepted assignments still within their deadline, oldest first."""
    return (
        Assignment.objects.filter(
            worker=worker, state=AssignmentState.ACCEPTED, deadline__gt=timezone.now()
        )
        .select_related("task__batch__project")
        .order_by("accepted_at")
    )


def batch_submitted(batch: Batch):
    """The batch's assignments still in state submitted: what "approve all submitted" (the
    review page, the API's review) hands to assignments_review. Those past their auto-approval
    time are in it: approving one records it approved at its due time."""
    return Assignment.objects.filter(task__batch=batch, state=AssignmentState.SUBMITTED)
