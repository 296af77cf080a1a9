"""A batch's assignments and their review: list (by state), read one, approve, reject with a
reason, approve or reject many at once, send a bonus. Approving, rejecting and bonuses move
money: they take an `Idempotency-Key` (idempotency.py)."""

import hashlib
import uuid
from datetime import datetime
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field, model_validator

from microwork.api import auth
from microwork.api.pagination import Page, PageParams, paginate
from microwork.api.problems import ApiProblem
from microwork.api.requester.fields import Cents, text
from microwork.api.requester.idempotency import idempotent
from microwork.api.requester.owned import own_assignment, own_batch
from microwork.api.requester.refusals import refusals
from microwork.payments import services as payments
from microwork.work import selectors, services
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

router = Router(auth=auth.requester, tags=["requester: assignments"])

StateName = Literal[tuple(AssignmentState.values)]  # type: ignore[valid-type]
MAX_REVIEWED = 5000
IDEMPOTENCY_HEADER = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "A retry with the same key and body answers the same, moving no "
            "money again; the same key with another body is a 409.",
        }
    ]
}


class RequesterAssignmentOut(Schema):
    id: str
    task_id: str
    batch_id: int
    worker_id: str
    state: StateName = Field(
        description="As it stands once what is due is settled: an accepted assignment past "
        "its deadline is expired, a submission past its auto-approval time approved."
    )
    answers: dict | None
    accepted_at: datetime
    deadline: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    work_seconds: int | None
    feedback: str
    is_auto_approved: bool


class ApproveIn(Schema):
    feedback: text(1024) = ""


class RejectIn(Schema):
    reason: text(1024, min_length=1)


class BonusIn(Schema):
    amount_cents: Cents
    reason: text(1024, min_length=1)


class BonusOut(Schema):
    id: int
    assignment_id: str
    worker_id: str
    amount_cents: int
    fee_cents: int
    currency: str
    reason: str
    created_at: datetime


class ReviewIn(Schema):
    action: Literal["approve", "reject"]
    assignment_ids: list[text(30)] | None = Field(None, max_length=MAX_REVIEWED)
    all_submitted: bool = False
    reason: text(1024) = ""

    @model_validator(mode="after")
    def _one_choice(self):
        if (self.assignment_ids is None) == (not self.all_submitted):
            raise ValueError('give either "assignment_ids" or "all_submitted": true')
        return self


class ReviewOut(Schema):
    reviewed: int


def assignment_out(assignment: Assignment, now=None) -> dict:
    return {
        "id": assignment.public_id,
        "task_id": assignment.task.public_id,
        "batch_id": assignment.task.batch_id,
        "worker_id": assignment.worker.worker_id,
        "state": selectors.assignment_state_due(assignment, now),
        "answers": assignment.answers,
        "accepted_at": assignment.accepted_at.isoformat(),
        "deadline": assignment.deadline.isoformat(),
        "submitted_at": assignment.submitted_at and assignment.submitted_at.isoformat(),
        "reviewed_at": assignment.reviewed_at and assignment.reviewed_at.isoformat(),
        "work_seconds": assignment.work_seconds,
        "feedback": assignment.feedback,
        "is_auto_approved": assignment.is_auto_approved,
    }


@router.get(
    "/batches/{batch_id}/assignments",
    response=Page[RequesterAssignmentOut],
    url_name="requester-batch-assignments",
)
def batch_assignments(
    request, batch_id: int, page: Query[PageParams], state: StateName | None = None
):
    """The batch's assignments, oldest accepted first; `state` filters on the state as it
    stands (`submitted`: waiting for your review)."""
    batch = own_batch(request, batch_id)
    now = timezone.now()
    rows = (
        Assignment.objects.filter(task__batch=batch)
        .select_related("task", "worker")
        .annotate(state_now=selectors.state_due(now))
    )
    if state:
        rows = rows.filter(state_now=state)
    return paginate(
        rows,
        page,
        key="accepted_at",
        descending=False,
        item=lambda row: assignment_out(row, now),
    )


@router.get(
    "/assignments/{assignment_id}", response=RequesterAssignmentOut, url_name="requester-assignment"
)
def assignment_detail(request, assignment_id: str):
    return assignment_out(own_assignment(request, assignment_id))


def _reviewed(request, assignment_id: str, review) -> tuple[int, dict]:
    def act(_key):
        assignment = own_assignment(request, assignment_id)
        with refusals():
            reviewed = review(assignment)
        return 200, assignment_out(reviewed)

    return Status(*idempotent(request, act))


@router.post(
    "/assignments/{assignment_id}/approve",
    response=RequesterAssignmentOut,
    url_name="requester-assignment-approve",
    openapi_extra=IDEMPOTENCY_HEADER,
)
def assignment_approve(request, assignment_id: str, payload: ApproveIn):
    """Approve and pay a submission, or overturn a rejection within 30 days."""
    return _reviewed(
        request,
        assignment_id,
        lambda assignment: services.assignment_approve(
            assignment=assignment, requester=request.auth, feedback=payload.feedback
        ),
    )


@router.post(
    "/assignments/{assignment_id}/reject",
    response=RequesterAssignmentOut,
    url_name="requester-assignment-reject",
    openapi_extra=IDEMPOTENCY_HEADER,
)
def assignment_reject(request, assignment_id: str, payload: RejectIn):
    """Reject a submission; the worker sees the reason and may appeal."""
    return _reviewed(
        request,
        assignment_id,
        lambda assignment: services.assignment_reject(
            assignment=assignment, requester=request.auth, reason=payload.reason
        ),
    )


def _request_key(key: str | None) -> str:
    """bonus_send's own request key: the Idempotency-Key's hash (a fixed length, in a space
    of its own beside the web page's keys), or a fresh one without a key."""
    if key is None:
        return f"api-{uuid.uuid4().hex}"
    return "api-" + hashlib.sha256(key.encode()).hexdigest()[:48]


@router.post(
    "/assignments/{assignment_id}/bonus",
    response={201: BonusOut},
    url_name="requester-assignment-bonus",
    openapi_extra=IDEMPOTENCY_HEADER,
)
def assignment_bonus(request, assignment_id: str, payload: BonusIn):
    """Send the worker a bonus from your funds (a fee is added)."""

    def act(key):
        assignment = own_assignment(request, assignment_id)
        with refusals():
            bonus = payments.bonus_send(
                requester=request.auth,
                assignment=assignment,
                amount_cents=payload.amount_cents,
                reason=payload.reason,
                request_key=_request_key(key),
            )
        return 201, {
            "id": bonus.pk,
            "assignment_id": assignment.public_id,
            "worker_id": assignment.worker.worker_id,
            "amount_cents": bonus.amount_cents,
            "fee_cents": bonus.fee_cents,
            "currency": bonus.currency,
            "reason": bonus.reason,
            "created_at": bonus.created_at.isoformat(),
        }

    return Status(*idempotent(request, act))


@router.post(
    "/batches/{batch_id}/review",
    response=ReviewOut,
    url_name="requester-batch-review",
    openapi_extra=IDEMPOTENCY_HEADER,
)
def batch_review(request, batch_id: int, payload: ReviewIn):
    """Approve or reject many submissions of the batch at once, all or none: those named, or
    every one still submitted (`all_submitted`). A rejection needs a reason."""

    def act(_key):
        batch = own_batch(request, batch_id)
        if payload.all_submitted:
            chosen = list(selectors.batch_submitted(batch))
        else:
            chosen = _named(batch, payload.assignment_ids)
        with refusals():
            count = services.assignments_review(
                assignments=chosen,
                requester=request.auth,
                approve=payload.action == "approve",
                reason=payload.reason,
            )
        return 200, {"reviewed": count}

    return Status(*idempotent(request, act))


def _named(batch, public_ids: list[str]) -> list[Assignment]:
    """The named assignments; any that is not an answered assignment of `batch` is a 422
    naming its place in the list, and nothing is reviewed."""
    found = {
        assignment.public_id: assignment
        for assignment in Assignment.objects.filter(
            task__batch=batch,
            public_id__in=public_ids,
            state__in=[
                AssignmentState.SUBMITTED,
                AssignmentState.APPROVED,
                AssignmentState.REJECTED,
            ],
        )
    }
    errors = [
        {"field": f"assignment_ids.{index}", "message": "not a submission of this batch"}
        for index, public_id in enumerate(public_ids)
        if public_id not in found
    ]
    if errors:
        raise ApiProblem(
            422, "validation-error", "Some ids are not submissions of this batch.", errors=errors
        )
    return list({public_id: found[public_id] for public_id in public_ids}.values())
