"""`Client`: microwork's REST API v1 over httpx, typed.

    from microwork_client import Client

    with Client("https://microwork.example.org", token="mwk_...") as mw:
        project = mw.project_create(title="Sentiment", description="...", reward_cents=10, ...)
        batch = mw.batch_upload(project.id, "rows.csv", progress=lambda done, total: ...)
        mw.batch_publish(batch.id)
        for assignment in mw.assignments(batch.id, state="submitted"):
            ...
        mw.download_results(batch.id, "results.csv")

Lists are iterators that follow `next_cursor` page after page. Refusals raise ApiError
subclasses (errors.py). Idempotent requests (GET, PUT, DELETE, and POSTs that carry an
Idempotency-Key) are retried on connection errors and 503 with a growing pause; the others never
are, since the server may have acted before the connection broke.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from . import __version__
from .errors import ApiError, ConnectionFailed, DatasetPending, UnexpectedResponse
from .types import (
    Assignment,
    Balance,
    Batch,
    Bonus,
    Earnings,
    Grant,
    LedgerLine,
    Me,
    Project,
    Qualification,
    Resource,
    ReviewResult,
    Task,
    WorkerProject,
)

R = TypeVar("R", bound=Resource)

# (bytes done, bytes in all or None when the server does not say)
ProgressCallback = Callable[[int, int | None], None]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({503})
CHUNK = 256 * 1024
EXPORT_FORMATS = ("csv", "jsonl", "parquet")
DATASET_POLL_SECONDS = 3.0
UPLOAD_TYPES = {".csv": "text/csv", ".jsonl": "application/jsonl", ".ndjson": "application/jsonl"}


def _api_root(base_url: str) -> str:
    """ "https://host", "https://host/" and "https://host/api/v1" all give ".../api/v1/"."""
    root = base_url.strip().rstrip("/")
    if root.endswith("/api/v1"):
        root = root[: -len("/api/v1")]
    return root + "/api/v1/"


class _FileChunks:
    """An upload body read from disk CHUNK bytes at a time, reporting progress as it goes."""

    def __init__(self, file: IO[bytes], total: int, progress: ProgressCallback | None):
        self.file, self.total, self.progress = file, total, progress

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        if self.progress:
            self.progress(0, self.total)
        while chunk := self.file.read(CHUNK):
            sent += len(chunk)
            yield chunk
            if self.progress:
                self.progress(sent, self.total)


class Client:
    """A session with one microwork server, authenticated by a personal API token."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ):
        headers = {
            "Accept": "application/json, application/problem+json",
            "User-Agent": f"microwork-client/{__version__} httpx/{httpx.__version__}",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = _api_root(base_url)
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _pause(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.backoff * (2**attempt)
        if response is not None:
            with contextlib.suppress(ValueError):
                delay = min(float(response.headers.get("Retry-After", delay)), 30.0)
        time.sleep(delay)

    def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """Send with retries when the request is idempotent; raise ApiError on 4xx/5xx."""
        retryable = request.method in IDEMPOTENT_METHODS or "Idempotency-Key" in request.headers
        attempts = 1 + (self.retries if retryable else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as error:
                if last:
                    raise ConnectionFailed(str(request.url), error) from error
                self._pause(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES and not last:
                response.close()
                self._pause(attempt, response)
                continue
            if response.status_code >= 400:
                if stream:
                    response.read()
                    response.close()
                raise ApiError.from_response(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One call; the decoded JSON answer (None for an empty one)."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        request = self._http.build_request(
            method, path.lstrip("/"), params=params, json=json, content=content, headers=headers
        )
        response = self._send(request)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise UnexpectedResponse(
                f"{method} {path}: not JSON ({response.headers.get('Content-Type')})"
            ) from error

    def _get(self, cls: type[R], path: str, **params: Any) -> R:
        return cls.from_json(self.request("GET", path, params=params))

    def _post(
        self,
        cls: type[R],
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> R:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return cls.from_json(
            self.request(
                "POST", path, json=body if body is not None else {}, headers=headers, params=params
            )
        )

    def pages(
        self, path: str, *, limit: int | None = None, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, following `next_cursor` until it is null."""
        cursor = None
        while True:
            page = self.request("GET", path, params={**params, "limit": limit, "cursor": cursor})
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise UnexpectedResponse(f"GET {path}: not a page of items: {page!r:.200}")
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def _list(self, cls: type[R], path: str, **params: Any) -> Iterator[R]:
        return (cls.from_json(item) for item in self.pages(path, **params))

    # -- account --------------------------------------------------------------------------------

    def me(self) -> Me:
        return self._get(Me, "me")

    # -- projects -------------------------------------------------------------------------------

    def projects(self, *, limit: int | None = None) -> Iterator[Project]:
        return self._list(Project, "projects", limit=limit)

    def project(self, project_id: str) -> Project:
        return self._get(Project, f"projects/{project_id}")

    def project_create(self, **fields: Any) -> Project:
        return self._post(Project, "projects", fields)

    def project_update(self, project_id: str, **fields: Any) -> Project:
        return Project.from_json(self.request("PATCH", f"projects/{project_id}", json=fields))

    def project_rules(self, project_id: str) -> Any:
        return self.request("GET", f"projects/{project_id}/rules")

    def project_rules_set(self, project_id: str, rules: Any) -> Any:
        return self.request("PUT", f"projects/{project_id}/rules", json=rules)

    # -- batches --------------------------------------------------------------------------------

    def batches(self, project_id: str, *, limit: int | None = None) -> Iterator[Batch]:
        return self._list(Batch, f"projects/{project_id}/batches", limit=limit)

    def batch(self, batch_id: str | int) -> Batch:
        return self._get(Batch, f"batches/{batch_id}")

    def batch_upload(
        self,
        project_id: str,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        content_type: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> Batch:
        """Create a draft batch from a CSV or JSONL file, streamed from disk.

        The file is sent as the raw body with its length, CHUNK bytes at a time, so memory does
        not grow with it; `progress(sent, total)` is called after each chunk. A file with bad
        rows raises ValidationFailed whose `errors` name each row, and no batch is created.
        Never retried: the body is read once.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        content_type = content_type or UPLOAD_TYPES.get(suffix, "text/csv")
        size = path.stat().st_size
        with path.open("rb") as file:
            request = self._http.build_request(
                "POST",
                f"projects/{project_id}/batches",
                params={"name": name if name is not None else path.stem},
                content=_FileChunks(file, size, progress),
                headers={
                    "Content-Type": content_type,
                    # With a length, httpx sends the body as is rather than chunked (which
                    # WSGI servers do not all read).
                    "Content-Length": str(size),
                    "Content-Disposition": f'attachment; filename="{_quoted(path.name)}"',
                },
            )
            response = self._send(request)
        return Batch.from_json(response.json())

    def _batch_act(self, batch_id: str | int, action: str, key: str | None = None) -> Batch:
        return self._post(Batch, f"batches/{batch_id}/{action}", idempotency_key=key)

    def batch_publish(self, batch_id: str | int, *, idempotency_key: str | None = None) -> Batch:
        """Publish: the batch's cost moves to escrow (hence an Idempotency-Key, new per call)."""
        return self._batch_act(batch_id, "publish", idempotency_key or _new_key())

    def batch_pause(self, batch_id: str | int) -> Batch:
        return self._batch_act(batch_id, "pause")

    def batch_resume(self, batch_id: str | int) -> Batch:
        return self._batch_act(batch_id, "resume")

    def batch_cancel(self, batch_id: str | int, *, idempotency_key: str | None = None) -> Batch:
        return self._batch_act(batch_id, "cancel", idempotency_key or _new_key())

    def tasks(self, batch_id: str | int, *, limit: int | None = None) -> Iterator[Task]:
        return self._list(Task, f"batches/{batch_id}/tasks", limit=limit)

    def assignments(
        self, batch_id: str | int, *, state: str | None = None, limit: int | None = None
    ) -> Iterator[Assignment]:
        return self._list(Assignment, f"batches/{batch_id}/assignments", state=state, limit=limit)

    def assignment(self, assignment_id: str) -> Assignment:
        return self._get(Assignment, f"assignments/{assignment_id}")

    # -- review ---------------------------------------------------------------------------------

    def approve(
        self, assignment_id: str, *, feedback: str = "", idempotency_key: str | None = None
    ) -> Assignment:
        return self._post(
            Assignment,
            f"assignments/{assignment_id}/approve",
            {"feedback": feedback},
            idempotency_key=idempotency_key or _new_key(),
        )

    def reject(
        self, assignment_id: str, *, reason: str, idempotency_key: str | None = None
    ) -> Assignment:
        return self._post(
            Assignment,
            f"assignments/{assignment_id}/reject",
            {"reason": reason},
            idempotency_key=idempotency_key or _new_key(),
        )

    def bonus(
        self,
        assignment_id: str,
        *,
        amount_cents: int,
        reason: str,
        idempotency_key: str | None = None,
    ) -> Bonus:
        """Pay a bonus. Pass your own `idempotency_key` to make a retry across runs pay once."""
        return self._post(
            Bonus,
            f"assignments/{assignment_id}/bonus",
            {"amount_cents": amount_cents, "reason": reason},
            idempotency_key=idempotency_key or _new_key(),
        )

    def review(
        self,
        batch_id: str | int,
        *,
        action: str,
        assignment_ids: list[str] | None = None,
        all_submitted: bool = False,
        reason: str = "",
        idempotency_key: str | None = None,
    ) -> ReviewResult:
        """Approve or reject many assignments of a batch at once: listed, or all submitted."""
        if action not in ("approve", "reject"):
            raise ValueError("action is 'approve' or 'reject'")
        if bool(assignment_ids) == bool(all_submitted):
            raise ValueError("give either assignment_ids or all_submitted=True")
        body: dict[str, Any] = {"action": action, "reason": reason}
        if all_submitted:
            body["all_submitted"] = True
        else:
            body["assignment_ids"] = list(assignment_ids or [])
        return self._post(
            ReviewResult,
            f"batches/{batch_id}/review",
            body,
            idempotency_key=idempotency_key or _new_key(),
        )

    # -- results --------------------------------------------------------------------------------

    def download_results(
        self,
        batch_id: str | int,
        destination: str | os.PathLike[str] | IO[bytes],
        *,
        format: str = "csv",
        dataset: bool = False,
        method: str | None = None,
        wait_seconds: float = 0,
        progress: ProgressCallback | None = None,
    ) -> int:
        """Stream a batch's results (one row per answered assignment) or, with `dataset=True`,
        its aggregated data set (one row per task; `method` picks the aggregation) to
        `destination`; the number of bytes written.

        A large batch's data set is computed in the background: until it is, DatasetPending is
        raised, unless `wait_seconds` > 0, in which case the computation is asked for and the
        download tried again every few seconds for that long.

        A path is written through a temporary file beside it, renamed when complete, so an
        interrupted download never leaves a truncated file under the final name.
        """
        if format not in EXPORT_FORMATS:
            raise ValueError(f"format is one of {', '.join(EXPORT_FORMATS)}")
        kind = "dataset" if dataset else "results"
        params = {"format": format, "method": method if dataset else None}
        request = self._http.build_request(
            "GET",
            f"batches/{batch_id}/{kind}",
            params={k: v for k, v in params.items() if v is not None},
            headers={"Accept": "*/*"},
        )
        deadline = time.monotonic() + wait_seconds
        asked = False
        while True:
            try:
                return self._download(request, destination, progress)
            except DatasetPending as pending:
                if time.monotonic() >= deadline or pending.status.get("state") == "failed":
                    raise
                if not asked:
                    self.dataset_aggregate(batch_id, method=method)
                    asked = True
                time.sleep(min(DATASET_POLL_SECONDS, max(deadline - time.monotonic(), 0)))

    def _download(
        self,
        request: httpx.Request,
        destination: str | os.PathLike[str] | IO[bytes],
        progress: ProgressCallback | None,
    ) -> int:
        if not isinstance(destination, str | os.PathLike):
            return self._stream_into(request, destination, progress)
        target = Path(destination)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                written = self._stream_into(request, file, progress)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return written

    def _stream_into(
        self, request: httpx.Request, file: IO[bytes], progress: ProgressCallback | None
    ) -> int:
        response = self._send(request, stream=True)
        try:
            if response.status_code == 202:  # a data set still to be computed
                response.read()
                raise DatasetPending(response.json())
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            written = 0
            try:
                for chunk in response.iter_bytes(CHUNK):
                    file.write(chunk)
                    written += len(chunk)
                    if progress:
                        progress(written, total)
            except httpx.TransportError as error:
                raise ConnectionFailed(str(request.url), error) from error
        finally:
            response.close()
        return written

    def dataset_aggregate(self, batch_id: str | int, *, method: str | None = None) -> Any:
        """Ask for a large batch's aggregated data set to be computed in the background; the
        server's status of it, or None when it can be downloaded now."""
        return self.request(
            "POST", f"batches/{batch_id}/dataset/aggregation", params={"method": method}
        )

    # -- money ----------------------------------------------------------------------------------

    def balance(self) -> Balance:
        return self._get(Balance, "balance")

    def statement(self, *, limit: int | None = None) -> Iterator[LedgerLine]:
        return self._list(LedgerLine, "statement", limit=limit)

    # -- qualifications -------------------------------------------------------------------------

    def qualifications(self, *, limit: int | None = None) -> Iterator[Qualification]:
        return self._list(Qualification, "qualifications", limit=limit)

    def qualification(self, qualification_id: str | int) -> Qualification:
        return self._get(Qualification, f"qualifications/{qualification_id}")

    def qualification_create(self, **fields: Any) -> Qualification:
        return self._post(Qualification, "qualifications", fields)

    def qualification_update(self, qualification_id: str | int, **fields: Any) -> Qualification:
        return Qualification.from_json(
            self.request("PATCH", f"qualifications/{qualification_id}", json=fields)
        )

    def qualification_delete(self, qualification_id: str | int) -> None:
        self.request("DELETE", f"qualifications/{qualification_id}")

    def qualification_grants(
        self, qualification_id: str, *, limit: int | None = None
    ) -> Iterator[Grant]:
        return self._list(Grant, f"qualifications/{qualification_id}/grants", limit=limit)

    def qualification_grant(
        self, qualification_id: str, *, worker_id: str, value: int = 1
    ) -> Grant:
        return self._post(
            Grant,
            f"qualifications/{qualification_id}/grants",
            {"worker_id": worker_id, "value": value},
        )

    def qualification_revoke(
        self, qualification_id: str, *, worker_id: str, reason: str = ""
    ) -> None:
        self.request(
            "DELETE",
            f"qualifications/{qualification_id}/grants/{worker_id}",
            params={"reason": reason or None},
        )

    # -- worker side ----------------------------------------------------------------------------

    def worker_projects(self, *, limit: int | None = None) -> Iterator[WorkerProject]:
        return self._list(WorkerProject, "worker/projects", limit=limit)

    def accept(self, project_id: str) -> Assignment:
        """Take the next task of a project; Conflict with slug "no-task-available" when none."""
        return self._post(Assignment, f"worker/projects/{project_id}/accept")

    def submit(self, assignment_id: str, answers: dict[str, Any]) -> Assignment:
        return self._post(
            Assignment, f"worker/assignments/{assignment_id}/submit", {"answers": answers}
        )

    def return_assignment(self, assignment_id: str) -> Assignment:
        return self._post(Assignment, f"worker/assignments/{assignment_id}/return")

    def history(
        self, *, state: str | None = None, limit: int | None = None
    ) -> Iterator[Assignment]:
        return self._list(Assignment, "worker/assignments", state=state, limit=limit)

    def earnings(self) -> Earnings:
        return self._get(Earnings, "worker/earnings")


def _new_key() -> str:
    return str(uuid.uuid4())


def _quoted(name: str) -> str:
    return name.replace("\\", "_").replace('"', "_")
