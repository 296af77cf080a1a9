"""Projects: list, create, read, change (PATCH). The API's names for durations and the template
differ a little from the model's (`time_limit_seconds`, `auto_approval_seconds`, `template`):
the service's errors are named back in the API's words."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from ninja import Query, Router, Schema, Status
from pydantic import Field

from microwork.api import auth
from microwork.api.pagination import Page, PageParams, paginate
from microwork.api.problems import ApiProblem, django_validation_errors
from microwork.api.requester.fields import JsonObject, Seconds, text
from microwork.api.requester.owned import own_project
from microwork.api.requester.refusals import refusals
from microwork.projects import services
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project

router = Router(auth=auth.requester, tags=["requester: projects"])

TemplateKindName = Literal[tuple(TemplateKind.values)]  # type: ignore[valid-type]

# API field -> service (model) field, for the fields whose names differ.
TO_SERVICE = {
    "time_limit_seconds": "time_allotted_seconds",
    "auto_approval_seconds": "auto_approval_delay_seconds",
}
FROM_SERVICE = {
    **{model: api for api, model in TO_SERVICE.items()},
    "template_kind": "template.kind",
    "template_html": "template.html",
    "template_config": "template.config",
}


class TemplateIn(Schema):
    kind: TemplateKindName
    html: text(200_000) = ""
    config: JsonObject = Field(default_factory=dict)


class TemplateOut(Schema):
    kind: str
    html: str
    config: dict
    columns: list[str] = Field(description="The columns a batch file must have.")


class ProjectIn(Schema):
    title: text(200, min_length=1)
    description: text(2000, min_length=1)
    instructions: text(20_000) = ""
    keywords: text(1000) = ""
    reward_cents: int = Field(ge=1, le=100_000_000)
    assignments_per_task: int = Field(1, ge=1, le=100)
    time_limit_seconds: Seconds
    lifetime_seconds: Seconds
    auto_approval_seconds: Seconds
    estimated_seconds: Seconds
    template: TemplateIn
    overlap_dynamic: bool = False
    overlap_max: int = Field(5, ge=1, le=100)
    overlap_threshold_percent: int = Field(80, ge=0, le=100)
    overlap_field: text(40) = ""


class ProjectPatch(Schema):
    title: text(200, min_length=1) | None = None
    description: text(2000, min_length=1) | None = None
    instructions: text(20_000) | None = None
    keywords: text(1000) | None = None
    reward_cents: int | None = Field(None, ge=1, le=100_000_000)
    assignments_per_task: int | None = Field(None, ge=1, le=100)
    time_limit_seconds: Seconds | None = None
    lifetime_seconds: Seconds | None = None
    auto_approval_seconds: Seconds | None = None
    estimated_seconds: Seconds | None = None
    template: TemplateIn | None = None
    overlap_dynamic: bool | None = None
    overlap_max: int | None = Field(None, ge=1, le=100)
    overlap_threshold_percent: int | None = Field(None, ge=0, le=100)
    overlap_field: text(40) | None = None


class ProjectOut(Schema):
    id: str
    title: str
    description: str
    instructions: str
    keywords: str
    reward_cents: int
    currency: str
    assignments_per_task: int
    time_limit_seconds: int
    lifetime_seconds: int
    auto_approval_seconds: int
    estimated_seconds: int
    template: TemplateOut
    overlap_dynamic: bool
    overlap_max: int
    overlap_threshold_percent: int
    overlap_field: str
    terms_locked: bool = Field(
        description="Pay, time and template are frozen: a batch has been published."
    )
    created_at: datetime


def project_out(project: Project, *, terms_locked: bool | None = None) -> dict:
    if terms_locked is None:
        terms_locked = services.project_terms_locked(project)
    return {
        "id": project.public_id,
        "title": project.title,
        "description": project.description,
        "instructions": project.instructions,
        "keywords": project.keywords,
        "reward_cents": project.reward_cents,
        "currency": project.currency,
        "assignments_per_task": project.assignments_per_task,
        "time_limit_seconds": project.time_allotted_seconds,
        "lifetime_seconds": project.lifetime_seconds,
        "auto_approval_seconds": project.auto_approval_delay_seconds,
        "estimated_seconds": project.estimated_seconds,
        "template": {
            "kind": project.template_kind,
            "html": project.template_html,
            "config": project.template_config or {},
            "columns": services.project_required_columns(project),
        },
        "overlap_dynamic": project.overlap_dynamic,
        "overlap_max": project.overlap_max,
        "overlap_threshold_percent": project.overlap_threshold_percent,
        "overlap_field": project.overlap_field,
        "terms_locked": terms_locked,
        "created_at": project.created_at.isoformat(),
    }


def _service_fields(data: dict) -> dict:
    fields = {
        TO_SERVICE.get(name, name): value for name, value in data.items() if name != "template"
    }
    template = data.get("template")
    if template is not None:
        fields["template_kind"] = template["kind"]
        fields["template_html"] = template.get("html", "")
        fields["template_config"] = template.get("config") or {}
    return fields


def _invalid(error: ValidationError) -> ApiProblem:
    errors = [
        {**item, "field": FROM_SERVICE.get(item["field"], item["field"])}
        for item in django_validation_errors(error)
    ]
    return ApiProblem(
        422,
        "validation-error",
        "; ".join(item["message"] for item in errors),
        errors=errors,
    )


@router.get("/projects", response=Page[ProjectOut], url_name="requester-projects")
def project_list(request, page: Query[PageParams]):
    # Whether each project's terms are locked, in the page's own query.
    published = Batch.objects.filter(project=OuterRef("pk")).exclude(status=BatchStatus.DRAFT)
    projects = Project.objects.filter(requester=request.auth).annotate(locked=Exists(published))
    return paginate(
        projects,
        page,
        key="created_at",
        item=lambda project: project_out(project, terms_locked=project.locked),
    )


@router.post("/projects", response={201: ProjectOut}, url_name="requester-project-create")
def project_create(request, payload: ProjectIn):
    try:
        with refusals():
            project = services.project_create(
                requester=request.auth, **_service_fields(payload.model_dump())
            )
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, project_out(project, terms_locked=False))


@router.get("/projects/{project_id}", response=ProjectOut, url_name="requester-project")
def project_detail(request, project_id: str):
    return project_out(own_project(request, project_id))


@router.patch("/projects/{project_id}", response=ProjectOut, url_name="requester-project-update")
def project_update(request, project_id: str, payload: ProjectPatch):
    project = own_project(request, project_id)
    changes = payload.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise ApiProblem(
                422,
                "validation-error",
                f"{name} cannot be null.",
                errors=[{"field": name, "message": "cannot be null"}],
            )
    try:
        with refusals():
            project = services.project_update(project=project, **_service_fields(changes))
    except ValidationError as error:
        raise _invalid(error) from None
    return project_out(project)
