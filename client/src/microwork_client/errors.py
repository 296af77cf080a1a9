"""What can go wrong talking to microwork, as exceptions a caller can catch by kind.

The server answers every refusal with an RFC 9457 problem document
(`application/problem+json`: type, title, status, detail and an `errors` list naming the field,
and for uploads the 1-based data row). ApiError carries all of it; its subclasses say which
status it was, so `except NotFound:` reads as what it means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


class MicroworkError(Exception):
    """Base class of every error raised by microwork_client."""


class ConnectionFailed(MicroworkError):
    """The server could not be reached (refused, unknown host, timeout, connection cut)."""

    def __init__(self, url: str, cause: BaseException):
        self.url = url
        self.cause = cause
        reason = str(cause) or type(cause).__name__
        super().__init__(f"cannot reach {url}: {reason}")


class DatasetPending(MicroworkError):
    """A large batch's aggregated data set is not computed yet (the server answered 202).

    `status` is the server's account of it: state (not_requested, queued, running, failed),
    method, n_answers, latest_result, error."""

    def __init__(self, status: dict[str, Any]):
        self.status = status
        state = status.get("state", "pending")
        message = f"the aggregated data set is not ready ({state})"
        if status.get("error"):
            message += f": {status['error']}"
        super().__init__(message)


class UnexpectedResponse(MicroworkError):
    """The server answered something this client does not understand (not JSON, a field missing)."""


@dataclass(frozen=True)
class ErrorItem:
    """One entry of a problem's `errors` list: what is wrong, and where."""

    message: str
    field: str | None = None
    row: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> ErrorItem:
        if not isinstance(data, dict):
            return cls(message=str(data))
        row = data.get("row")
        field = data.get("field")
        return cls(
            message=str(data.get("message", "")),
            field=str(field) if field not in (None, "") else None,
            row=row if isinstance(row, int) else None,
        )

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}" if self.row is None else f"column {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ApiError(MicroworkError):
    """The server refused the request; `str()` is a readable message naming each field or row."""

    def __init__(
        self,
        *,
        status: int,
        title: str,
        detail: str = "",
        type: str = "about:blank",
        errors: list[ErrorItem] | None = None,
        body: dict[str, Any] | None = None,
        method: str = "",
        url: str = "",
    ):
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors = errors or []
        self.body = body or {}
        self.method = method
        self.url = url
        super().__init__(self._message())

    @property
    def slug(self) -> str:
        """The last part of the problem type, e.g. "no-task-available"."""
        return self.type.rstrip("/").rsplit("/", 1)[-1]

    def _message(self) -> str:
        head = f"{self.status} {self.title}"
        if self.detail and self.detail != self.title:
            head += f": {self.detail}"
        shown = self.errors[:20]
        lines = [head] + [f"  {item}" for item in shown]
        if len(self.errors) > len(shown):
            lines.append(f"  ... and {len(self.errors) - len(shown)} more")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The problem document as received (or as rebuilt when the body was not one)."""
        if self.body:
            return self.body
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "errors": [
                {k: v for k, v in vars(item).items() if v is not None} for item in self.errors
            ],
        }

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        """Build the error of `response`'s status from its problem document, or from its text."""
        body: dict[str, Any] = {}
        try:
            parsed = response.json()
            if isinstance(parsed, dict):
                body = parsed
        except ValueError:
            pass
        status = response.status_code
        if isinstance(body.get("status"), int):
            status = body["status"]
        title = body.get("title") or response.reason_phrase or f"HTTP {status}"
        detail = body.get("detail") or ""
        if not body:
            detail = response.text.strip()[:300]
        # Also accept django-ninja's default {"detail": [...]} validation body, in case a
        # route's schema error escapes the server's problem handler.
        raw_errors = body.get("errors")
        if raw_errors is None and isinstance(body.get("detail"), list):
            raw_errors = [
                {
                    "field": ".".join(str(p) for p in e.get("loc", [])[1:]) or None,
                    "message": e.get("msg", ""),
                }
                for e in body["detail"]
                if isinstance(e, dict)
            ]
            detail = ""
        errors = [ErrorItem.from_json(e) for e in raw_errors or [] if e is not None]
        try:
            request: httpx.Request | None = response.request
        except RuntimeError:  # a response built by hand, without its request
            request = None
        return _ERROR_CLASSES.get(status, ServerError if status >= 500 else ApiError)(
            status=status,
            title=str(title),
            detail=str(detail),
            type=str(body.get("type") or "about:blank"),
            errors=errors,
            body=body,
            method=request.method if request else "",
            url=str(request.url) if request else "",
        )


class Unauthorized(ApiError):
    """401: no token, or a token that is wrong, revoked or expired."""


class Forbidden(ApiError):
    """403: the token is valid but may not do this (a read-scoped token writing, a worker's role)."""


class NotFound(ApiError):
    """404: no such object, or one that belongs to someone else."""


class Conflict(ApiError):
    """409: the object's state forbids the act (`slug` says which, e.g. "no-task-available")."""


class ValidationFailed(ApiError):
    """422 (or 400): the request's content is refused; `errors` names each field or row."""


class RateLimited(ApiError):
    """429: too many requests."""


class ServerError(ApiError):
    """5xx: the server failed; retried for idempotent requests, then raised."""


_ERROR_CLASSES: dict[int, type[ApiError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
}
