"""Batches: upload a file of rows (streamed; a bad file writes nothing and names every bad row),
read progress and cost, publish, pause, resume, cancel, and list the tasks."""

import tempfile
from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Query, Router, Schema, Status
from pydantic import Field

from microwork.api import auth
from microwork.api.limits import api_rate_limit
from microwork.api.pagination import Page, PageParams, paginate
from microwork.api.problems import ApiProblem
from microwork.api.requester.owned import own_batch, own_project
from microwork.api.requester.refusals import refusals
from microwork.payments import selectors as payment_selectors
from microwork.projects import services
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Task
from microwork.work import selectors

router = Router(auth=auth.requester, tags=["requester: batches"])

# Content types of a raw upload body, and the format each one is read as.
RAW_FORMATS = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/json-lines": "jsonl",
}
READ_CHUNK = 256 * 1024
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself (CSV with a header row, or JSON Lines), or a "
        'multipart form with the file in the field "file".',
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/jsonl": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}

BatchState = Literal["draft", "published", "paused", "expired", "cancelled"]


class ProgressOut(Schema):
    accepted: int
    submitted: int
    approved: int
    rejected: int
    returned: int
    expired: int
    total_slots: int
    done_slots: int
    tasks_completed: int
    percent_done: int
    median_seconds: int | None


class CostOut(Schema):
    slots: int
    rewards_cents: int
    fees_cents: int
    total_cents: int
    currency: str


class BatchOut(Schema):
    id: int
    project_id: str
    name: str
    state: BatchState
    task_count: int
    columns: list[str]
    created_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    actions: list[Literal["publish", "pause", "resume", "cancel"]] = Field(
        description="What the batch allows now."
    )


class BatchDetailOut(BatchOut):
    progress: ProgressOut
    cost: CostOut


class TaskOut(Schema):
    id: str
    row_number: int
    data: dict
    assignments_per_task: int
    open_slots: int
    is_gold: bool


def batch_state(batch: Batch) -> str:
    if batch.status in (BatchStatus.PUBLISHED, BatchStatus.PAUSED) and batch.is_expired():
        return "expired"
    return batch.status


def batch_out(batch: Batch) -> dict:
    return {
        "id": batch.pk,
        "project_id": batch.project.public_id,
        "name": batch.name,
        "state": batch_state(batch),
        "task_count": batch.task_count,
        "columns": list(batch.columns),
        "created_at": batch.created_at,
        "published_at": batch.published_at,
        "expires_at": batch.expires_at,
        "actions": sorted(services.batch_available_actions(batch)),
    }


def batch_detail_out(batch: Batch) -> dict:
    progress = selectors.batch_progress(batch)
    states = progress["assignments"]
    cost = payment_selectors.batch_cost(batch)
    return {
        **batch_out(batch),
        "progress": {
            **{state: states[state] for state in ProgressOut.model_fields if state in states},
            "total_slots": progress["slots_total"],
            "done_slots": progress["answered"],
            "tasks_completed": progress["tasks_completed"],
            "percent_done": progress["percent_done"],
            "median_seconds": progress["median_seconds"],
        },
        "cost": {
            "slots": cost["slots"],
            "rewards_cents": cost["rewards_cents"],
            "fees_cents": cost["fees_cents"],
            "total_cents": cost["total_cents"],
            "currency": batch.project.currency,
        },
    }


@router.get("/projects/{project_id}/batches", response=Page[BatchOut], url_name="requester-batches")
def batch_list(request, project_id: str, page: Query[PageParams]):
    project = own_project(request, project_id)
    return paginate(
        Batch.objects.filter(project=project).select_related("project"),
        page,
        key="created_at",
        item=batch_out,
    )


def _spooled_body(request, extension: str):
    """The raw body, copied a chunk at a time into a file that stays in memory while small and
    moves to disk when large (as Django keeps uploaded files), so a large upload is held once,
    never whole in memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    size = 0
    while chunk := request.read(READ_CHUNK):
        size += len(chunk)
        # The body's declared length was checked before (common/body_limit.py); this counts
        # what is really read, for a body that did not declare one.
        if size > settings.MICROWORK_MAX_UPLOAD_BYTES:
            spool.close()
            raise ApiProblem(
                413,
                "payload-too-large",
                f"A batch file may be at most {settings.MICROWORK_MAX_UPLOAD_BYTES} bytes.",
            )
        spool.write(chunk)
    spool.seek(0)
    return spool, f"upload.{extension}"


def _uploaded_file(request):
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiProblem(
                422,
                "validation-error",
                'Send the file in the multipart field "file".',
                errors=[{"field": "file", "message": "required"}],
            )
        return upload, upload.name
    if content_type not in RAW_FORMATS:
        raise ApiProblem(
            415,
            "unsupported-media-type",
            "Send the file as text/csv or application/jsonl, or as multipart/form-data.",
        )
    return _spooled_body(request, RAW_FORMATS[content_type])


def _upload_errors(invalid: services.BatchUploadInvalid) -> list[dict]:
    errors = []
    for error in invalid.errors:
        item = {"field": error.column or "file", "message": error.message}
        if error.row is not None:
            item["row"] = error.row
        errors.append(item)
    return errors


@router.post(
    "/projects/{project_id}/batches",
    response={201: BatchOut},
    url_name="requester-batch-upload",
    openapi_extra=UPLOAD_BODY,
)
def batch_upload(request, project_id: str, name: str = Query("", max_length=200)):
    """Create a draft batch, one task per row of the file. Any bad row refuses the whole file
    (422, every bad row named, up to 200): nothing is created."""
    api_rate_limit(request, "upload", account=request.auth.pk)
    project = own_project(request, project_id)
    if "\x00" in name:
        raise ApiProblem(
            422,
            "validation-error",
            "The name must not contain NUL characters.",
            errors=[{"field": "name", "message": "must not contain NUL characters"}],
        )
    upload, filename = _uploaded_file(request)
    try:
        batch = services.batch_create_from_upload(
            project=project, file=upload, filename=filename, name=name
        )
    except services.BatchUploadInvalid as invalid:
        raise ApiProblem(
            422,
            "upload-invalid",
            f"{invalid.error_count} error(s) in the file; no batch was created.",
            errors=_upload_errors(invalid),
        ) from None
    finally:
        upload.close()
    return Status(201, batch_out(batch))


@router.get("/batches/{batch_id}", response=BatchDetailOut, url_name="requester-batch")
def batch_detail(request, batch_id: int):
    return batch_detail_out(own_batch(request, batch_id))


def _act(request, batch_id: int, action) -> dict:
    batch = own_batch(request, batch_id)
    with refusals():
        batch = action(batch=batch)
    return batch_detail_out(batch)


@router.post(
    "/batches/{batch_id}/publish", response=BatchDetailOut, url_name="requester-batch-publish"
)
def batch_publish(request, batch_id: int):
    """Open the batch to workers; its whole cost moves into escrow (409 insufficient-funds)."""
    return _act(request, batch_id, services.batch_publish)


@router.post("/batches/{batch_id}/pause", response=BatchDetailOut, url_name="requester-batch-pause")
def batch_pause(request, batch_id: int):
    return _act(request, batch_id, services.batch_pause)


@router.post(
    "/batches/{batch_id}/resume", response=BatchDetailOut, url_name="requester-batch-resume"
)
def batch_resume(request, batch_id: int):
    return _act(request, batch_id, services.batch_resume)


@router.post(
    "/batches/{batch_id}/cancel", response=BatchDetailOut, url_name="requester-batch-cancel"
)
def batch_cancel(request, batch_id: int):
    """End the batch for good; work already accepted can still be submitted and paid."""
    return _act(request, batch_id, services.batch_cancel)


def task_out(task: Task) -> dict:
    return {
        "id": task.public_id,
        "row_number": task.row_number,
        "data": task.input,
        "assignments_per_task": task.max_assignments,
        "open_slots": task.open_slots,
        "is_gold": task.gold is not None,
    }


@router.get("/batches/{batch_id}/tasks", response=Page[TaskOut], url_name="requester-batch-tasks")
def batch_tasks(request, batch_id: int, page: Query[PageParams]):
    batch = own_batch(request, batch_id)
    return paginate(
        Task.objects.filter(batch=batch), page, key="created_at", descending=False, item=task_out
    )
