"""Reads for the MTurk endpoint: HITs (tasks) with MTurk's counters and status, scoped to one
requester; another requester's object reads as not existing (reference §1.8).

As MTurk reports them, with what time has decided read as decided before the sweep writes it
(work.selectors.state_due): a submitted assignment past its AutoApprovalTime is Approved, and
counts as completed; an accepted one past its deadline no longer counts as pending."""

from django.db.models import Count, Q
from django.utils import timezone

from microwork.accounts.models import User
from microwork.mturk.models import HitState
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Project, Task
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment
from microwork.work.selectors import state_due

API_ASSIGNMENT_STATES = {label: state for state, label in ANSWERED_STATES.items()}


def hits(requester: User | None = None, *, disposed: bool = False):
    """Tasks not disposed of (`disposed`: those too), with the counters MTurk reports
    (reference §3.2):
    `pending` (accepted, within the deadline), `submitted` (within its auto-approval time) and
    `completed` (approved or rejected, or past its auto-approval time);
    NumberOfAssignmentsAvailable is what is left of max_assignments."""
    now = timezone.now()
    submitted = Q(assignments__state=AssignmentState.SUBMITTED)
    approval_due = submitted & Q(assignments__auto_approval_due_at__lte=now)
    tasks = Task.objects.select_related("batch__project", "mturk_state").annotate(
        pending=Count(
            "assignments",
            filter=Q(assignments__state=AssignmentState.ACCEPTED, assignments__deadline__gt=now),
        ),
        submitted=Count("assignments", filter=submitted & ~approval_due),
        completed=Count(
            "assignments",
            filter=Q(assignments__state__in=[AssignmentState.APPROVED, AssignmentState.REJECTED])
            | approval_due,
        ),
    )
    tasks = tasks.exclude(batch__status=BatchStatus.DRAFT)
    if not disposed:
        tasks = tasks.filter(Q(mturk_state__isnull=True) | Q(mturk_state__disposed_at__isnull=True))
    if requester is not None:
        tasks = tasks.filter(batch__project__requester=requester)
    return tasks


def hit_counts(task: Task) -> dict:
    annotated = hits().get(pk=task.pk)
    return {
        "pending": annotated.pending,
        "submitted": annotated.submitted,
        "completed": annotated.completed,
        "available": available(annotated),
    }


def available(task) -> int:
    return max(0, task.max_assignments - task.pending - task.submitted - task.completed)


def _state_of(task: Task) -> HitState | None:
    try:
        return task.mturk_state
    except HitState.DoesNotExist:
        return None


def hit_status(task, *, state: HitState | None = None, now=None) -> str:
    """MTurk's HITStatus, computed on read (reference §3.3)."""
    state = state if state is not None else _state_of(task)
    if state is not None and state.disposed_at is not None:
        return "Disposed"
    if state is not None and state.is_reviewing:
        return "Reviewing"
    if task.batch.is_live(now) and available(task) > 0:
        return "Assignable"
    if task.pending > 0:
        return "Unassignable"
    return "Reviewable"


def hit_for_requester(*, requester: User, hit_id: str, disposed: bool = False):
    return hits(requester, disposed=disposed).filter(public_id=hit_id).first()


def hit_type_for_requester(*, requester: User, hit_type_id: str) -> Project | None:
    return Project.objects.filter(requester=requester, public_id=hit_type_id).first()


def api_assignments(requester: User, now=None):
    """Assignments MTurk's API can see: submitted, approved or rejected, of the requester, each
    with `api_state`, its state as MTurk reports it (work.selectors.state_due): approved once
    past its auto-approval time."""
    now = now or timezone.now()
    return (
        Assignment.objects.select_related("task__batch__project", "worker")
        .filter(task__batch__project__requester=requester, state__in=list(ANSWERED_STATES))
        .annotate(api_state=state_due(now))
    )


def api_assignments_in(assignments, statuses):
    """`assignments` (of api_assignments()) whose reported AssignmentStatus is one of
    `statuses` ("Submitted", "Approved", "Rejected")."""
    return assignments.filter(api_state__in=[API_ASSIGNMENT_STATES[status] for status in statuses])


def assignment_for_requester(*, requester: User, assignment_id: str) -> Assignment | None:
    return api_assignments(requester).filter(public_id=assignment_id).first()
