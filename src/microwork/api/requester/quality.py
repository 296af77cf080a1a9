"""Qualification types (create, read, change, delete), their grants to workers, workers'
requests for them (tests without an answer key: accept or reject), and a project's quality
rules and qualification requirements."""

import re
from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.api import auth
from microwork.api.pagination import Page, PageParams, paginate
from microwork.api.problems import ApiProblem, django_validation_errors
from microwork.api.requester.fields import text
from microwork.api.requester.owned import own_project, own_qualification
from microwork.api.requester.refusals import refusals
from microwork.quality import qualification_requests, services
from microwork.quality.enums import (
    ActionsGuarded,
    Comparator,
    QualificationTypeStatus,
    RuleActionKind,
    RuleCondition,
    SystemQualification,
)
from microwork.quality.models import (
    QualificationRequest,
    QualificationType,
    Rule,
    WorkerQualification,
)

router = Router(auth=auth.requester, tags=["requester: quality"])

TypeStatus = Literal[tuple(QualificationTypeStatus.values)]  # type: ignore[valid-type]
ConditionName = Literal[tuple(RuleCondition.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(RuleActionKind.values)]  # type: ignore[valid-type]
ComparatorName = Literal[tuple(Comparator.values)]  # type: ignore[valid-type]
GuardedName = Literal[tuple(ActionsGuarded.values)]  # type: ignore[valid-type]
SystemName = Literal[tuple(SystemQualification.values)]  # type: ignore[valid-type]
# A service's error key "requirements[2].comparator" -> the API's "requirements.2.comparator".
INDEXED_KEY = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")
API_FIELD = {"qualification_type": "qualification_id"}


def _invalid(error: ValidationError) -> ApiProblem:
    errors = []
    for item in django_validation_errors(error):
        match = INDEXED_KEY.match(item["field"])
        if match is not None:
            name, index, field = match.groups()
            item = {**item, "field": f"{name}.{index}.{API_FIELD.get(field, field)}"}
        errors.append(item)
    detail = "; ".join(item["message"] for item in errors)
    return ApiProblem(422, "validation-error", detail, errors=errors)


# --- qualification types -------------------------------------------------------------------


class QualificationIn(Schema):
    name: text(200, min_length=1)
    description: text(2000, min_length=1)
    keywords: text(1000) = ""
    status: TypeStatus = QualificationTypeStatus.ACTIVE.value
    is_requestable: bool = True
    auto_granted: bool = False
    auto_granted_value: int = Field(1, ge=-2_147_483_648, le=2_147_483_647)


class QualificationPatch(Schema):
    description: text(2000, min_length=1) | None = None
    status: TypeStatus | None = None
    is_requestable: bool | None = None
    auto_granted: bool | None = None
    auto_granted_value: int | None = Field(None, ge=-2_147_483_648, le=2_147_483_647)


class QualificationOut(Schema):
    id: str
    name: str
    description: str
    keywords: str
    status: str
    is_requestable: bool
    auto_granted: bool
    auto_granted_value: int
    created_at: datetime


class GrantIn(Schema):
    worker_id: text(30, min_length=1)
    value: int = Field(1, ge=-2_147_483_648, le=2_147_483_647)


class GrantOut(Schema):
    worker_id: str
    value: int | None
    status: str
    granted_at: datetime
    revoked_at: datetime | None


def qualification_out(qualification: QualificationType) -> dict:
    return {
        "id": qualification.public_id,
        "name": qualification.name,
        "description": qualification.description,
        "keywords": qualification.keywords,
        "status": qualification.status,
        "is_requestable": qualification.is_requestable,
        "auto_granted": qualification.auto_granted,
        "auto_granted_value": qualification.auto_granted_value,
        "created_at": qualification.created_at,
    }


def grant_out(grant: WorkerQualification) -> dict:
    return {
        "worker_id": grant.worker.worker_id,
        "value": grant.integer_value,
        "status": grant.status,
        "granted_at": grant.granted_at,
        "revoked_at": grant.revoked_at,
    }


@router.get("/qualifications", response=Page[QualificationOut], url_name="requester-qualifications")
def qualification_list(request, page: Query[PageParams]):
    types = QualificationType.objects.filter(owner=request.auth, deleted_at__isnull=True)
    return paginate(types, page, key="created_at", item=qualification_out)


@router.post(
    "/qualifications", response={201: QualificationOut}, url_name="requester-qualification-create"
)
def qualification_create(request, payload: QualificationIn):
    try:
        with refusals():
            created = services.qualification_type_create(owner=request.auth, **payload.model_dump())
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, qualification_out(created))


@router.get(
    "/qualifications/{qualification_id}",
    response=QualificationOut,
    url_name="requester-qualification",
)
def qualification_detail(request, qualification_id: str):
    return qualification_out(own_qualification(request, qualification_id))


@router.patch(
    "/qualifications/{qualification_id}",
    response=QualificationOut,
    url_name="requester-qualification-update",
)
def qualification_update(request, qualification_id: str, payload: QualificationPatch):
    qualification = own_qualification(request, qualification_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None]
    if nulls:
        raise ApiProblem(
            422,
            "validation-error",
            "These fields cannot be null.",
            errors=[{"field": name, "message": "cannot be null"} for name in nulls],
        )
    try:
        with refusals():
            updated = services.qualification_type_update(
                qualification_type=qualification, **changes
            )
    except ValidationError as error:
        raise _invalid(error) from None
    return qualification_out(updated)


@router.delete(
    "/qualifications/{qualification_id}",
    response={204: None},
    url_name="requester-qualification-delete",
)
def qualification_delete(request, qualification_id: str):
    """Delete the type: workers keep their grants, its name is free again."""
    services.qualification_type_delete(
        qualification_type=own_qualification(request, qualification_id)
    )
    return Status(204, None)


@router.get(
    "/qualifications/{qualification_id}/grants",
    response=Page[GrantOut],
    url_name="requester-qualification-grants",
)
def grant_list(request, qualification_id: str, page: Query[PageParams]):
    qualification = own_qualification(request, qualification_id)
    grants = WorkerQualification.objects.filter(qualification_type=qualification).select_related(
        "worker"
    )
    return paginate(grants, page, key="granted_at", item=grant_out)


def _worker(worker_id: str) -> User | None:
    return User.objects.filter(worker_id=worker_id, role=Role.WORKER).first()


@router.post(
    "/qualifications/{qualification_id}/grants",
    response=GrantOut,
    url_name="requester-qualification-grant",
)
def grant_create(request, qualification_id: str, payload: GrantIn):
    """Grant the worker the qualification with `value`, or change the value they hold."""
    qualification = own_qualification(request, qualification_id)
    worker = _worker(payload.worker_id)
    if worker is None:
        raise ApiProblem(
            422,
            "validation-error",
            "No worker has this id.",
            errors=[{"field": "worker_id", "message": "no worker has this id"}],
        )
    with refusals():
        grant = services.qualification_grant(
            qualification_type=qualification,
            worker=worker,
            requester=request.auth,
            integer_value=payload.value,
        )
    grant.worker = worker
    return grant_out(grant)


@router.delete(
    "/qualifications/{qualification_id}/grants/{worker_id}",
    response=GrantOut,
    url_name="requester-qualification-revoke",
)
def grant_revoke(
    request, qualification_id: str, worker_id: str, reason: str = Query("", max_length=1024)
):
    """Revoke the worker's qualification (they see `reason`); 404 if they never had it."""
    qualification = own_qualification(request, qualification_id)
    worker = _worker(worker_id)
    if worker is None:
        raise ApiProblem(404, "not-found", "No such grant.")
    if "\x00" in reason:
        raise ApiProblem(
            422,
            "validation-error",
            "The reason must not contain NUL characters.",
            errors=[{"field": "reason", "message": "must not contain NUL characters"}],
        )
    try:
        grant = services.qualification_revoke(
            qualification_type=qualification, worker=worker, requester=request.auth, reason=reason
        )
    except services.QualificationNotGranted:
        raise ApiProblem(404, "not-found", "No such grant.") from None
    grant.worker = worker
    return grant_out(grant)


# --- workers' requests: tests taken, waiting for a decision --------------------------------


class QualificationRequestOut(Schema):
    id: str
    qualification_id: str
    worker_id: str
    state: str
    answers: dict
    score: int | None
    value: int | None
    reason: str
    started_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class RequestAcceptIn(Schema):
    value: int = Field(1, ge=-2_147_483_648, le=2_147_483_647)


class RequestRejectIn(Schema):
    reason: text(1024) = ""


def request_out(item: QualificationRequest) -> dict:
    return {
        "id": item.public_id,
        "qualification_id": item.qualification_type.public_id,
        "worker_id": item.worker.worker_id,
        "state": item.state,
        "answers": item.answers,
        "score": item.summed_score,
        "value": item.integer_value,
        "reason": item.reason,
        "started_at": item.started_at,
        "submitted_at": item.submitted_at,
        "decided_at": item.decided_at,
    }


@router.get(
    "/qualifications/{qualification_id}/requests",
    response=Page[QualificationRequestOut],
    url_name="requester-qualification-requests",
)
def request_list(request, qualification_id: str, page: Query[PageParams]):
    """Every request for the type, newest first; `state` "submitted" ones wait for you."""
    qualification = own_qualification(request, qualification_id)
    requests = QualificationRequest.objects.filter(qualification_type=qualification).select_related(
        "qualification_type", "worker"
    )
    return paginate(requests, page, key="started_at", item=request_out)


def _own_request(request, request_id: str) -> QualificationRequest:
    return get_object_or_404(
        QualificationRequest.objects.select_related("qualification_type", "worker"),
        public_id=request_id,
        qualification_type__owner=request.auth,
    )


@router.post(
    "/qualification-requests/{request_id}/accept",
    response=QualificationRequestOut,
    url_name="requester-qualification-request-accept",
)
def request_accept(request, request_id: str, payload: RequestAcceptIn):
    """Grant the worker the qualification with `value`; 409 unless the request is waiting."""
    with refusals():
        accepted = qualification_requests.qualification_request_accept(
            request=_own_request(request, request_id),
            requester=request.auth,
            integer_value=payload.value,
        )
    return request_out(accepted)


@router.post(
    "/qualification-requests/{request_id}/reject",
    response=QualificationRequestOut,
    url_name="requester-qualification-request-reject",
)
def request_reject(request, request_id: str, payload: RequestRejectIn):
    """Reject the request; the worker sees `reason`. 409 unless the request is waiting."""
    try:
        with refusals():
            rejected = qualification_requests.qualification_request_reject(
                request=_own_request(request, request_id),
                requester=request.auth,
                reason=payload.reason,
            )
    except ValidationError as error:
        raise _invalid(error) from None
    return request_out(rejected)


# --- a project's quality rules ------------------------------------------------------------


class RuleIn(Schema):
    condition: ConditionName
    threshold_percent: int = Field(ge=0, le=100)
    action: ActionName
    min_observations: int = Field(10, ge=1, le=1_000_000)
    weight_percent: int = Field(50, ge=0, le=100)


class RulesIn(Schema):
    rules: list[RuleIn] = Field(max_length=services.MAX_RULES_PER_PROJECT)


class RuleOut(RuleIn):
    id: int
    created_at: datetime


class RulesOut(Schema):
    rules: list[RuleOut]


def rule_out(rule: Rule) -> dict:
    return {
        "id": rule.pk,
        "condition": rule.condition,
        "threshold_percent": rule.threshold_percent,
        "action": rule.action,
        "min_observations": rule.min_observations,
        "weight_percent": rule.weight_percent,
        "created_at": rule.created_at,
    }


@router.get("/projects/{project_id}/rules", response=RulesOut, url_name="requester-project-rules")
def rules_get(request, project_id: str):
    """The project's active quality rules."""
    project = own_project(request, project_id)
    active = Rule.objects.filter(project=project, is_active=True).order_by("pk")
    return {"rules": [rule_out(rule) for rule in active]}


@router.put(
    "/projects/{project_id}/rules", response=RulesOut, url_name="requester-project-rules-set"
)
def rules_put(request, project_id: str, payload: RulesIn):
    """Make these the project's active rules: an unchanged rule stays (with its actions), the
    others are disabled (their actions stay until lifted), new ones act from now on."""
    project = own_project(request, project_id)
    try:
        kept = services.project_rules_set(
            project=project, rule_specs=[rule.model_dump() for rule in payload.rules]
        )
    except ValidationError as error:
        raise _invalid(error) from None
    return {"rules": [rule_out(rule) for rule in kept]}


# --- a project's qualification requirements ------------------------------------------------


class RequirementIn(Schema):
    qualification_id: text(30) | None = Field(
        None, description="One of your types, or a requestable one."
    )
    system_key: SystemName | None = None
    comparator: ComparatorName
    integer_values: list[int] = Field(default_factory=list, max_length=15)
    locale_values: list[dict[str, text(3)]] = Field(default_factory=list, max_length=30)
    actions_guarded: GuardedName = ActionsGuarded.ACCEPT.value


class RequirementsIn(Schema):
    requirements: list[RequirementIn] = Field(max_length=10)


class RequirementOut(Schema):
    qualification_id: str | None
    system_key: str | None
    comparator: str
    integer_values: list[int]
    locale_values: list[dict[str, str]]
    actions_guarded: str


class RequirementsOut(Schema):
    requirements: list[RequirementOut]


def _requirements_out(project) -> dict:
    rows = project.requirements.select_related("qualification_type").order_by("position")
    return {
        "requirements": [
            {
                "qualification_id": row.qualification_type.public_id
                if row.qualification_type_id
                else None,
                "system_key": row.system_key or None,
                "comparator": row.comparator,
                "integer_values": row.integer_values or [],
                "locale_values": row.locale_values or [],
                "actions_guarded": row.actions_guarded,
            }
            for row in rows
        ]
    }


@router.get(
    "/projects/{project_id}/requirements",
    response=RequirementsOut,
    url_name="requester-project-requirements",
)
def requirements_get(request, project_id: str):
    return _requirements_out(own_project(request, project_id))


@router.put(
    "/projects/{project_id}/requirements",
    response=RequirementsOut,
    url_name="requester-project-requirements-set",
)
def requirements_put(request, project_id: str, payload: RequirementsIn):
    """Replace the project's requirements; they apply to accepts from now on."""
    project = own_project(request, project_id)
    specs = []
    for index, item in enumerate(payload.requirements):
        qualification = None
        if item.qualification_id is not None:
            qualification = QualificationType.objects.filter(
                public_id=item.qualification_id, deleted_at__isnull=True
            ).first()
            if qualification is None:
                raise ApiProblem(
                    422,
                    "validation-error",
                    "No such qualification type.",
                    errors=[
                        {
                            "field": f"requirements.{index}.qualification_id",
                            "message": "no such qualification type",
                        }
                    ],
                )
        specs.append(
            {
                "qualification_type": qualification,
                "system_key": item.system_key or "",
                "comparator": item.comparator,
                "integer_values": item.integer_values,
                "locale_values": item.locale_values,
                "actions_guarded": item.actions_guarded,
            }
        )
    try:
        services.project_requirements_set(project=project, requirements=specs)
    except ValidationError as error:
        raise _invalid(error) from None
    return _requirements_out(project)
