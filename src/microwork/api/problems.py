"""Errors as RFC 9457 problem details (`application/problem+json`), for every refusal the API
gives: a body that does not validate, a refused use case, a missing object, a missing or weak
credential.

    {"type": "https://microwork.dev/problems/<slug>", "title": "...", "status": 422,
     "detail": "...", "errors": [{"field": "answers.label", "message": "..."}]}

`errors` names the field at fault (dotted for nested fields; `row` too for uploads, 1-based as
the web upload reports them). An endpoint refuses by raising ApiProblem; a ValidationError of
Django's (the services' way of naming a field) becomes a 422 with its fields.
"""

import functools
import json
import logging

from django.core import signals
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

PROBLEM_BASE = "https://microwork.dev/problems/"
CONTENT_TYPE = "application/problem+json"

# The titles of the problems the foundation raises; endpoints may name others.
TITLES = {
    "validation-error": "The request is not valid",
    "unauthenticated": "Authentication required",
    "forbidden": "Not allowed",
    "insufficient-scope": "The token's scope does not allow this",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "conflict": "Conflict",
    "bad-request": "Bad request",
    "payload-too-large": "The request body is too large",
    "too-many-requests": "Too many requests",
    "server-error": "Server error",
}
# The slug of a status when nothing more precise is known.
STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    422: "validation-error",
    429: "too-many-requests",
}
# ninja's names for where a parameter came from; the field is named without them.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}

logger = logging.getLogger(__name__)


class ApiProblem(Exception):
    """Raise to answer with a problem: `slug` names its type (`no-task-available`), `errors`
    lists {"field", "message"} (and "row" for uploads)."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str = "",
        *,
        title: str = "",
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or slug)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.title = title or TITLES.get(slug) or slug.replace("-", " ").capitalize()
        self.errors = errors
        self.headers = headers or {}


def problem_body(problem: ApiProblem) -> dict:
    body = {
        "type": PROBLEM_BASE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    return body


def problem_response(problem: ApiProblem) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem_body(problem)), status=problem.status, content_type=CONTENT_TYPE
    )
    for name, value in problem.headers.items():
        response[name] = value
    return response


def field_name(loc) -> str:
    """ninja's error location as a field name: ("body", "payload", "answers", "label") ->
    "answers.label", ("query", "limit") -> "limit"."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # A body is one parameter, named in the location after "body": not the client's field.
        if source in ("body", "form") and len(parts) > 1:
            parts.pop(0)
    return ".".join(str(part) for part in parts)


def validation_errors(exc: NinjaValidationError) -> list[dict]:
    return [
        {"field": field_name(error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]


def django_validation_errors(exc: DjangoValidationError) -> list[dict]:
    """A service's ValidationError as errors: a dict names fields; a plain message has none
    ("field": "")."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": "" if name == "__all__" else name, "message": message}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": message} for message in exc.messages]


def _on_problem(request, exc: ApiProblem):
    return problem_response(exc)


def _on_validation(request, exc: NinjaValidationError):
    return problem_response(
        ApiProblem(422, "validation-error", "See errors.", errors=validation_errors(exc))
    )


def _on_django_validation(request, exc: DjangoValidationError):
    errors = django_validation_errors(exc)
    detail = "; ".join(error["message"] for error in errors)
    return problem_response(ApiProblem(422, "validation-error", detail, errors=errors))


def _on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApiProblem):
        # ninja answers any error of the body's parser with a 400 of its own; the parser's
        # problem (a body over the cap: 413) is the answer.
        return problem_response(exc.__cause__)
    if isinstance(exc, AuthenticationError):
        return problem_response(
            ApiProblem(
                401,
                "unauthenticated",
                "Send `Authorization: Bearer <token>`, or sign in.",
                headers={"WWW-Authenticate": 'Bearer realm="microwork"'},
            )
        )
    if isinstance(exc, AuthorizationError):
        return problem_response(ApiProblem(403, "forbidden", str(exc)))
    headers = {}
    if isinstance(exc, Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    slug = STATUS_SLUGS.get(exc.status_code, "bad-request")
    return problem_response(ApiProblem(exc.status_code, slug, str(exc), headers=headers))


def _on_too_big(request, exc: RequestDataTooBig):
    return problem_response(ApiProblem(413, "payload-too-large", "The request body is too large."))


def _on_404(request, exc: Http404):
    return problem_response(ApiProblem(404, "not-found", "No such object."))


def _on_exception(request, exc: Exception):
    # Logged with its traceback as Django logs any 500, and signalled as Django does (the test
    # client then raises it); the client learns nothing more.
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    signals.got_request_exception.send(sender=None, request=request)
    return problem_response(ApiProblem(500, "server-error", "Something went wrong on our side."))


PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names the fields at fault.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "row": {"type": "integer"},
                },
            },
        },
    },
}
_DESCRIPTIONS = {
    400: "The body could not be read (not JSON, or not the declared type).",
    401: "No valid credential: send `Authorization: Bearer <token>`, or sign in.",
    403: "The credential may not do this (role, scope or ownership).",
    404: "No such object, or not yours.",
    409: "Refused in the object's present state; the slug says why.",
    413: "The body is over the size limit.",
    422: "A field is not valid; `errors` names it.",
    429: "Too many requests: retry after the number of seconds in Retry-After.",
}


def _problem_answer(status: int) -> dict:
    answer = {
        "description": _DESCRIPTIONS[status],
        "content": {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 429:
        answer["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return answer


def document(schema: dict) -> dict:
    """Add the problems every operation may answer to `schema` (an OpenAPI dict built by
    ninja), so clients and schemathesis know the shape of a refusal: 401, 403, 422 and 429
    everywhere (limits cover every door), 404 where the path names an object, 409 on every act
    (a POST, PUT, PATCH or DELETE), 400 and 413 where a body is sent. What an endpoint declares
    itself is kept."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = [401, 403, 422, 429]
            if "{" in path:
                statuses.append(404)
            if method != "get":
                statuses.append(409)
            if "requestBody" in operation:
                statuses += [400, 413]
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(status, _problem_answer(status))
    return schema


def install(api) -> None:
    """Answer every error of `api` (a NinjaAPI) with a problem."""
    api.add_exception_handler(Exception, _on_exception)
    api.add_exception_handler(Http404, _on_404)
    api.add_exception_handler(RequestDataTooBig, _on_too_big)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(NinjaValidationError, _on_validation)
    api.add_exception_handler(DjangoValidationError, _on_django_validation)
    api.add_exception_handler(ApiProblem, _on_problem)


def method_problems(view):
    """Wrap an API address's view so that ninja's plain 405 (a method the address does not
    take) is a problem too, with its Allow header."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        allowed = response.get("Allow", "")
        return problem_response(
            ApiProblem(405, "method-not-allowed", f"Use {allowed}.", headers={"Allow": allowed})
        )

    return wrapper


def not_found_view(request, *args, **kwargs):
    """Any other address under /api/: a problem, not the site's HTML 404 page."""
    return problem_response(ApiProblem(404, "not-found", "No such endpoint."))
