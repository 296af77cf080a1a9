"""A batch's results (one row per answered assignment, MTurk's batch-results columns) and its
aggregated data set (one row per task: label, confidence, agreement), streamed as CSV, JSON
Lines or Parquet. Both are read as the web downloads read them (work/results.py,
quality/exports.py): in chunks, never whole in memory."""

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from ninja import Router, Schema, Status

from microwork.api import auth
from microwork.api.problems import ApiProblem
from microwork.api.requester.owned import own_batch
from microwork.api.requester.refusals import refusals
from microwork.quality import doubtful, exports, stored
from microwork.quality.aggregation import DEFAULT_METHOD, METHODS
from microwork.work import results

router = Router(auth=auth.requester, tags=["requester: results"])

Format = Literal["csv", "jsonl", "parquet"]
Method = Literal[tuple(METHODS)]  # type: ignore[valid-type]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
RESULT_WRITERS = {
    "csv": results.results_csv,
    "jsonl": results.results_jsonl,
    "parquet": results.results_parquet,
}
DATASET_WRITERS = {
    "csv": exports.export_csv,
    "jsonl": exports.export_jsonl,
    "parquet": exports.export_parquet,
}


def _download_schema(description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {
                    content_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in CONTENT_TYPES.values()
                },
            }
        }
    }


class AggregationStatusOut(Schema):
    state: Literal["not_requested", "queued", "running", "failed"]
    method: str
    n_answers: int
    latest_result: int | None
    error: str


def _stream(stream, file_format: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _no_parquet() -> ApiProblem:
    return ApiProblem(
        501,
        "parquet-unavailable",
        "Parquet files need pyarrow on the server (the parquet extra); use csv or jsonl.",
    )


@router.get(
    "/batches/{batch_id}/results",
    url_name="requester-batch-results",
    openapi_extra=_download_schema("One row per answered assignment."),
)
def batch_results(request, batch_id: int, format: Format = "csv"):
    batch = own_batch(request, batch_id)
    if format == "parquet" and not exports.parquet_available():
        raise _no_parquet()
    return _stream(RESULT_WRITERS[format](batch), format, f"batch-{batch.pk}-results.{format}")


def _pending_status(status: stored.StoredStatus, method: str) -> dict:
    if status.failure is not None:
        state = "failed"
    elif status.in_progress is not None:
        state = status.in_progress.state
    else:
        state = "not_requested"
    return {
        "state": state,
        "method": method,
        "n_answers": status.n_answers,
        "latest_result": status.latest.pk if status.latest is not None else None,
        "error": status.error,
    }


@router.get(
    "/batches/{batch_id}/dataset",
    response={202: AggregationStatusOut},
    url_name="requester-batch-dataset",
    openapi_extra=_download_schema("One row per task: the aggregated labels."),
)
def batch_dataset(
    request,
    batch_id: int,
    format: Format = "csv",
    method: Method = DEFAULT_METHOD,
    result: int | None = None,
):
    """The aggregated data set. A large batch's is computed in the background: until it is,
    the answer is 202 with where it stands (POST .../dataset/aggregation asks for it), and
    `result=<latest_result>` downloads the last one computed."""
    batch = own_batch(request, batch_id)
    if format == "parquet" and not exports.parquet_available():
        raise _no_parquet()
    source = stored.batch_dataset_source(batch=batch, method=method, result_id=result)
    if source.pending is not None:
        return Status(202, _pending_status(source.pending, method))
    suffix = "" if method == DEFAULT_METHOD else f"-{method}"
    return _stream(
        DATASET_WRITERS[format](batch, method=method, aggregated=source.aggregated),
        format,
        f"batch-{batch.pk}-aggregated{suffix}.{format}",
    )


@router.post(
    "/batches/{batch_id}/dataset/aggregation",
    response={200: AggregationStatusOut, 204: None},
    url_name="requester-batch-aggregation",
)
def batch_aggregation(request, batch_id: int, method: Method = DEFAULT_METHOD):
    """Ask for a large batch's aggregation (queued for the job worker); nothing is queued
    twice. 204 when the data set can be downloaded now."""
    batch = own_batch(request, batch_id)
    status = stored.batch_aggregation_request(batch=batch, method=method)
    if status.is_synchronous or status.is_fresh:
        return Status(204, None)
    return Status(200, _pending_status(status, method))


class DoubtfulTaskOut(Schema):
    task_id: str
    row_number: int
    label: str
    confidence: float
    n_answers: int


class DoubtfulOut(Schema):
    field: str | None
    below: float
    count: int
    tasks: list[DoubtfulTaskOut]


class AskedMoreOut(Schema):
    tasks_extended: int


@router.get(
    "/batches/{batch_id}/doubtful-tasks",
    response={200: DoubtfulOut, 202: AggregationStatusOut},
    url_name="requester-batch-doubtful",
)
def batch_doubtful(request, batch_id: int):
    """The tasks whose aggregated label (the default method, calibrated confidence) is less
    sure than the project's confidence target (0.90 without one), least sure first; gold
    tasks never. A large batch's labels are aggregated in the background: 202 then."""
    batch = own_batch(request, batch_id)
    status = stored.batch_aggregation_status(batch=batch, method=DEFAULT_METHOD)
    if not status.is_synchronous:
        return Status(202, _pending_status(status, DEFAULT_METHOD))
    found = doubtful.batch_doubtful_tasks(batch)
    return {
        "field": found.field,
        "below": found.below,
        "count": len(found.tasks),
        "tasks": [
            {
                "task_id": task.public_id,
                "row_number": task.row_number,
                "label": str(task.label),
                "confidence": task.confidence,
                "n_answers": task.n_answers,
            }
            for task in found.tasks
        ],
    }


@router.post(
    "/batches/{batch_id}/doubtful-tasks/more",
    response={200: AskedMoreOut},
    url_name="requester-batch-doubtful-more",
)
def batch_doubtful_more(request, batch_id: int):
    """One more answer on every task doubtful now, its escrow reserved from the requester's
    funds as dynamic overlap does; all or nothing (409 insufficient-funds, or batch-state when
    the batch no longer hands out work)."""
    batch = own_batch(request, batch_id)
    if not stored.batch_aggregation_status(batch=batch, method=DEFAULT_METHOD).is_synchronous:
        raise ApiProblem(
            409, "batch-state", "A large batch's doubtful tasks are not computed here yet."
        )
    try:
        with refusals():
            extended = doubtful.doubtful_ask_more(batch=batch)
    except ValidationError as error:
        raise ApiProblem(409, "batch-state", " ".join(error.messages)) from None
    return {"tasks_extended": extended}
