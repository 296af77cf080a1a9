"""The REST API v1's NinjaAPI: its routers, errors as problems, the schema at /api/v1/schema/
and its docs page at /api/v1/docs/ (docs/api.md, docs/adr/0019-rest-api-framework.md).

Each area adds its router here, one line each.
"""

import functools
import json

from django.http import HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.parser import Parser

from microwork.api import auth, me, problems, worker
from microwork.api.requester import assignments, batches, money, projects, quality, results
from microwork.common.nul import first_nul_path

# A JSON body larger than this is refused before it is parsed (413); uploads of files read
# their own bodies, with their own limits.
MAX_JSON_BODY_BYTES = 1_048_576


class LimitedParser(Parser):
    def parse_body(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        # Django caps what it reads (DATA_UPLOAD_MAX_MEMORY_SIZE); this cap is the API's own.
        if (length.isdigit() and int(length) > MAX_JSON_BODY_BYTES) or len(
            request.body
        ) > MAX_JSON_BODY_BYTES:
            raise problems.ApiProblem(
                413,
                "payload-too-large",
                f"A JSON body may be at most {MAX_JSON_BODY_BYTES} bytes.",
            )
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise problems.ApiProblem(400, "bad-request", "The body is not JSON.") from None
        except RecursionError:
            raise problems.ApiProblem(
                400, "bad-request", "The JSON is nested too deeply."
            ) from None
        field = first_nul_path(body)
        if field is not None:
            # PostgreSQL stores no NUL in text or JSON: refused here, named, not a 500 later.
            raise problems.ApiProblem(
                422,
                "validation-error",
                "A string contains a NUL character (\\u0000), which is not text.",
                errors=[{"field": field, "message": "contains a NUL character"}],
            )
        return body


_schema_bodies: dict[str, bytes] = {}


def schema_cached(view):
    """ninja's docs_decorator: keep /api/v1/schema/'s body once built, per address. Building it
    walks every endpoint's models (about 60 ms of CPU), and the address is public. The docs
    page itself (it may carry the visitor's CSRF token) is not kept."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        body = _schema_bodies.get(request.path)
        if body is not None:
            return HttpResponse(body, content_type="application/json")
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and response["Content-Type"] == "application/json":
            _schema_bodies[request.path] = response.content
        return response

    return wrapper


class DocumentedAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        # The problems (401, 413, 429...) are answered by the handlers of problems.install(),
        # which ninja cannot see: they are added to each operation here.
        return problems.document(super().get_openapi_schema(**kwargs))


api = DocumentedAPI(
    title="microwork",
    version="1",
    description="microwork's REST API: see /docs/api.md for tokens, errors and pagination.",
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs_url="/docs/",
    # Served from ninja's bundled static files under the site's strict CSP: no CDN, no inline
    # script (ninja's page starts Swagger UI from a static file). No validator badge: it would
    # load an image from swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=schema_cached,
    auth=auth.any_user,
    parser=LimitedParser(),
)
problems.install(api)

api.add_router("", me.router)
api.add_router("/worker", worker.router)
# The requester's endpoints (api/requester/).
api.add_router("", projects.router)
api.add_router("", batches.router)
api.add_router("", assignments.router)
api.add_router("", results.router)
api.add_router("", money.router)
api.add_router("", quality.router)
