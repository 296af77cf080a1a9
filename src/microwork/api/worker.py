"""The worker's endpoints (role worker): find work, accept the next task, submit, return, the
history of their assignments, their earnings.

A door like the worker's pages (web/work/views.py): each endpoint calls the same use case or
selector, and an answer goes through the same checks as one posted from the task frame
(work.services.assignment_submit). Another worker's assignment is a 404, never a 403.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, WithJsonSchema

from microwork.api import auth
from microwork.api.limits import api_rate_limit
from microwork.api.pagination import Page, PageParams, paginate
from microwork.api.problems import ApiProblem
from microwork.common.compiled import CompiledQuery
from microwork.payments import selectors as payments
from microwork.projects.gold import answer_field_names
from microwork.projects.models import Project
from microwork.quality import selectors as quality
from microwork.quality.refusals import AcceptRefused
from microwork.work import selectors, services
from microwork.work.models import Assignment

router = Router(auth=auth.worker, tags=["worker"])

# A page of projects computes each one's pay facts (a few queries each), so it holds at most
# this many whatever `limit` asks; the next page follows as usual.
MAX_PROJECTS_PER_PAGE = 100

State = Literal["accepted", "submitted", "approved", "rejected", "returned", "expired"]


class WorkerProjectOut(Schema):
    id: str
    title: str
    description: str
    reward_cents: int
    # The pay floor may have raised the reward of a live batch (docs/adr/0011-pay-floor.md).
    raised_reward_cents: int | None
    currency: str
    tasks_available: int
    estimated_seconds: int | None
    median_seconds: int | None
    hourly_cents: int | None


class AssignmentOut(Schema):
    id: str
    project_id: str
    task_id: str
    state: State
    accepted_at: datetime
    deadline: datetime
    submitted_at: datetime | None
    reward_cents: int
    currency: str
    answers: dict | None
    feedback: str
    # On accept only: the task's row and the names of the answer fields to send.
    data: dict | None = None
    fields: list[str] | None = None


def _answer_value(value):
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ):
        return value
    raise ValueError("Give a string, or a list of strings for several values.")


# A field sent once is a string, several values (checkboxes) a list, as a form posts them.
AnswerValue = Annotated[
    Any,
    AfterValidator(_answer_value),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


class SubmitIn(Schema):
    answers: dict[str, AnswerValue] = Field(..., max_length=200)


class HistoryParams(PageParams):
    state: State | None = Field(None, description="Only assignments in this state (as due now).")


class EarningsOut(Schema):
    currency: str
    available_cents: int
    # Asked to be paid out, not paid yet.
    pending_cents: int
    paid_out_cents: int
    # Rewards of submitted work past its auto-approval time: available at the next sweep.
    due_cents: int
    # Rewards of submitted work still waiting for review: not money yet.
    awaiting_review_cents: int


def assignment_out(assignment: Assignment, *, now=None, with_task: bool = False) -> dict:
    project = assignment.task.batch.project
    out = {
        "id": assignment.public_id,
        "project_id": project.public_id,
        "task_id": assignment.task.public_id,
        # As time has decided it (expired past the deadline, approved past the auto-approval
        # time), before the sweep writes it down: as the history page shows it.
        "state": selectors.assignment_state_due(assignment, now),
        "accepted_at": assignment.accepted_at,
        "deadline": assignment.deadline,
        "submitted_at": assignment.submitted_at,
        "reward_cents": assignment.task.batch.reward_cents,
        "currency": project.currency,
        "answers": assignment.answers,
        "feedback": assignment.feedback,
    }
    if with_task:
        out["data"] = assignment.task.input
        out["fields"] = answer_field_names(project)
    return out


def _with_project(**lookup):
    return Assignment.objects.select_related("task__batch__project").filter(**lookup)


# A worker's every accept reads these: compiled once per connection (common/compiled.py), as
# the pages' are.
_PROJECT = CompiledQuery(
    lambda public_id: Project.objects.filter(public_id=public_id), public_id=str
)
_ASSIGNMENT = CompiledQuery(lambda pk: _with_project(pk=pk), pk=int)
_OWN_ASSIGNMENT = CompiledQuery(
    lambda public_id, worker_id: _with_project(public_id=public_id, worker_id=worker_id),
    public_id=str,
    worker_id=int,
)


def _own_assignment(request, assignment_id: str) -> Assignment:
    return _OWN_ASSIGNMENT.get_or_404(public_id=assignment_id, worker_id=request.auth.pk)


@router.get("/projects", response=Page[WorkerProjectOut], url_name="worker-projects")
def worker_projects(request, page: Query[PageParams]):
    """The projects with a task this worker can accept, newest first (the marketplace)."""
    page.limit = min(page.limit, MAX_PROJECTS_PER_PAGE)

    def item(project: Project) -> dict:
        facts = selectors.project_pay_facts(project)
        return {
            "id": project.public_id,
            "title": project.title,
            "description": project.description,
            "reward_cents": project.reward_cents,
            "raised_reward_cents": facts["raised_reward_cents"],
            "currency": project.currency,
            "tasks_available": project.slots_available,
            # None for a HIT type of the MTurk API: it has a deadline, not an estimate.
            "estimated_seconds": facts["estimated_seconds"],
            "median_seconds": facts["median_seconds"],
            "hourly_cents": facts["hourly_cents"],
        }

    projects = quality.projects_available_for_worker(worker=request.auth)
    return paginate(projects, page, key="created_at", item=item)


@router.post(
    "/projects/{project_id}/accept",
    response={201: AssignmentOut},
    url_name="worker-project-accept",
)
def worker_project_accept(request, project_id: str):
    """Take the next task of the project (or get back the one already open in it).

    409 `no-task-available` when there is none for this worker; 409 `accept-refused` when a
    block or a requirement of the project keeps them out (the detail says which).
    """
    api_rate_limit(request, "accept", account=request.auth.pk)
    project = _PROJECT.get_or_404(public_id=project_id)
    try:
        assignment = services.assignment_claim_next(worker=request.auth, project=project)
    except AcceptRefused as refusal:
        raise ApiProblem(409, "accept-refused", refusal.message) from None
    except services.NoTaskAvailable as refusal:
        raise ApiProblem(409, "no-task-available", refusal.message) from None
    assignment = _ASSIGNMENT.get(pk=assignment.pk)
    return Status(201, assignment_out(assignment, with_task=True))


@router.post(
    "/assignments/{assignment_id}/submit",
    response=AssignmentOut,
    url_name="worker-assignment-submit",
)
def worker_assignment_submit(request, assignment_id: str, payload: SubmitIn):
    """Submit the answer. 409 `assignment-not-open` (already submitted, returned, expired),
    409 `deadline-passed` (the answer was not kept), 422 naming the answer field at fault."""
    api_rate_limit(request, "submit", account=request.auth.pk)
    fields = {
        name: [value] if isinstance(value, str) else list(value)
        for name, value in payload.answers.items()
    }
    try:
        # By its public id: the use case's one locked read finds it and checks its worker.
        submitted = services.assignment_submit(
            assignment=assignment_id, fields=fields, worker=request.auth
        )
    except (Assignment.DoesNotExist, services.NotYourAssignment):
        raise Http404 from None
    except services.AssignmentNotOpen as refusal:
        raise ApiProblem(409, "assignment-not-open", refusal.message) from None
    except services.DeadlinePassed as refusal:
        raise ApiProblem(409, "deadline-passed", refusal.message) from None
    except services.AnswerRefused as refusal:
        # The answer itself: empty, too long, not one of the labels. The assignment stays open.
        field = refusal.field
        raise ApiProblem(
            422,
            "validation-error",
            refusal.message,
            errors=[
                {"field": f"answers.{field}" if field else "answers", "message": refusal.message}
            ],
        ) from None
    return assignment_out(submitted)


@router.post(
    "/assignments/{assignment_id}/return",
    response=AssignmentOut,
    url_name="worker-assignment-return",
)
def worker_assignment_return(request, assignment_id: str):
    """Give the task back; its slot goes to another worker. 409 `assignment-not-open`."""
    api_rate_limit(request, "return", account=request.auth.pk)
    assignment = _own_assignment(request, assignment_id)
    try:
        returned = services.assignment_return(assignment=assignment, worker=request.auth)
    except services.WorkRefused as refusal:
        raise ApiProblem(409, "assignment-not-open", refusal.message) from None
    returned = _ASSIGNMENT.get(pk=returned.pk)
    return assignment_out(returned)


@router.get("/assignments", response=Page[AssignmentOut], url_name="worker-assignments")
def worker_assignments(request, page: Query[HistoryParams]):
    """The worker's assignments, newest accepted first; `state` filters by the state as due
    now (an accepted one past its deadline is expired)."""
    now = timezone.now()
    assignments = selectors.worker_history(worker=request.auth)
    if page.state:
        assignments = assignments.annotate(state_now=selectors.state_due(now)).filter(
            state_now=page.state
        )
    return paginate(
        assignments, page, key="accepted_at", item=lambda row: assignment_out(row, now=now)
    )


@router.get("/earnings", response=EarningsOut, url_name="worker-earnings")
def worker_earnings(request):
    money = payments.worker_money(request.auth)
    return {
        "currency": money["currency"],
        "available_cents": money["available_cents"],
        "pending_cents": money["payout_pending_cents"],
        "paid_out_cents": money["paid_out_cents"],
        "due_cents": money["auto_approval_due_cents"],
        "awaiting_review_cents": money["awaiting_review_cents"],
    }
