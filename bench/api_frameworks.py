"""The REST API's framework chosen by measurement (docs/adr/0019): the same two endpoints in
django-ninja, in Django REST framework and as a bare Django view, each called in-process through
Django's WSGI handler (no server, no database, no middleware), so that only the framework's own
work differs.

- submit: POST a JSON body `{"answers": {...}}` with a bearer token; the body is validated
  (a string or a list of strings per answer) and an assignment of 12 fields is returned, as
  /api/v1/worker/assignments/{id}/submit does.
- list: GET a page of 50 such assignments, as /api/v1/worker/assignments does.

Figures are CPU time per request (time.process_time, mean and worst of --rounds rounds) and,
with --callgrind, instructions per request counted by valgrind (a run of --requests requests
less a run of none: start-up cancels out). DRF is not a dependency: install it next to the
venv for the measurement only, e.g.

    .venv/bin/pip install --target /tmp/drf djangorestframework   # then drop /tmp/drf/django*
    PYTHONPATH=/tmp/drf .venv/bin/python bench/api_frameworks.py --rounds 7 --requests 2000
    PYTHONPATH=/tmp/drf .venv/bin/python bench/api_frameworks.py --callgrind --requests 300
"""

import argparse
import hmac
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

TOKEN = "mwk_" + "x" * 43
VARIANTS = ("bare", "ninja", "drf")
ENDPOINTS = ("submit", "list")


class BenchUser:
    pk = 1
    is_authenticated = True
    is_active = True


USER = BenchUser()


def _token_ok(value: str) -> bool:
    return hmac.compare_digest(value.encode(), TOKEN.encode())


def assignment(assignment_id: str, answers: dict | None = None) -> dict:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    return {
        "id": assignment_id,
        "project_id": "P" * 30,
        "task_id": "T" * 30,
        "state": "submitted",
        "accepted_at": now,
        "deadline": now + timedelta(minutes=10),
        "submitted_at": now + timedelta(minutes=1),
        "reward_cents": 50,
        "currency": "EUR",
        "answers": answers or {"answer": "ok"},
        "feedback": "",
        "data": None,
    }


PAGE = [assignment(f"A{n:029d}") for n in range(50)]


def _valid_answers(answers) -> bool:
    return isinstance(answers, dict) and all(
        isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(item, str) for item in value))
        for value in answers.values()
    )


# --- bare Django ----------------------------------------------------------------------------


def bare_urls():
    from django.core.serializers.json import DjangoJSONEncoder
    from django.http import JsonResponse
    from django.urls import path

    def authorised(request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and _token_ok(token)

    def submit(request, assignment_id):
        if not authorised(request):
            return JsonResponse({"detail": "unauthenticated"}, status=401)
        body = json.loads(request.body)
        if not _valid_answers(body.get("answers")):
            return JsonResponse({"errors": [{"field": "answers"}]}, status=422)
        return JsonResponse(assignment(assignment_id, body["answers"]), encoder=DjangoJSONEncoder)

    def page(request):
        if not authorised(request):
            return JsonResponse({"detail": "unauthenticated"}, status=401)
        return JsonResponse({"items": PAGE, "next_cursor": None}, encoder=DjangoJSONEncoder)

    return [
        path("bare/assignments/<str:assignment_id>/submit", submit),
        path("bare/assignments", page),
    ]


# --- django-ninja ---------------------------------------------------------------------------


def ninja_urls():
    from typing import Annotated, Any, Literal

    from django.urls import path
    from ninja import NinjaAPI, Schema
    from ninja.security import HttpBearer
    from pydantic import AfterValidator

    class Bearer(HttpBearer):
        def authenticate(self, request, token):
            return USER if _token_ok(token) else None

    def answer_value(value):
        if _valid_answers({"x": value}):
            return value
        raise ValueError("Give a string, or a list of strings.")

    class SubmitIn(Schema):
        answers: dict[str, Annotated[Any, AfterValidator(answer_value)]]

    class AssignmentOut(Schema):
        id: str
        project_id: str
        task_id: str
        state: Literal["accepted", "submitted", "approved", "rejected", "returned", "expired"]
        accepted_at: datetime
        deadline: datetime
        submitted_at: datetime | None
        reward_cents: int
        currency: str
        answers: dict | None
        feedback: str
        data: dict | None = None

    class PageOut(Schema):
        items: list[AssignmentOut]
        next_cursor: str | None

    api = NinjaAPI(urls_namespace="bench-ninja", auth=Bearer(), docs_url=None)

    @api.post("/assignments/{assignment_id}/submit", response=AssignmentOut)
    def submit(request, assignment_id: str, payload: SubmitIn):
        return assignment(assignment_id, payload.answers)

    @api.get("/assignments", response=PageOut)
    def page(request):
        return {"items": PAGE, "next_cursor": None}

    return [path("ninja/", api.urls)]


# --- Django REST framework ------------------------------------------------------------------


def drf_urls():
    from django.urls import path
    from rest_framework import exceptions, serializers
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Bearer(BaseAuthentication):
        def authenticate(self, request):
            scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() != "bearer":
                return None
            if not _token_ok(token):
                raise exceptions.AuthenticationFailed("The token is unknown or revoked.")
            return USER, token

        def authenticate_header(self, request):
            return "Bearer"

    class AnswerValue(serializers.Field):
        def to_internal_value(self, data):
            if _valid_answers({"x": data}):
                return data
            raise serializers.ValidationError("Give a string, or a list of strings.")

        def to_representation(self, value):
            return value

    class SubmitIn(serializers.Serializer):
        answers = serializers.DictField(child=AnswerValue())

    class AssignmentOut(serializers.Serializer):
        id = serializers.CharField()
        project_id = serializers.CharField()
        task_id = serializers.CharField()
        state = serializers.ChoiceField(
            ["accepted", "submitted", "approved", "rejected", "returned", "expired"]
        )
        accepted_at = serializers.DateTimeField()
        deadline = serializers.DateTimeField()
        submitted_at = serializers.DateTimeField(allow_null=True)
        reward_cents = serializers.IntegerField()
        currency = serializers.CharField()
        answers = serializers.JSONField(allow_null=True)
        feedback = serializers.CharField(allow_blank=True)
        data = serializers.JSONField(allow_null=True)

    class Submit(APIView):
        authentication_classes = [Bearer]
        permission_classes = [IsAuthenticated]

        def post(self, request, assignment_id):
            body = SubmitIn(data=request.data)
            body.is_valid(raise_exception=True)
            return Response(
                AssignmentOut(assignment(assignment_id, body.validated_data["answers"])).data
            )

    class Page(APIView):
        authentication_classes = [Bearer]
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return Response({"items": AssignmentOut(PAGE, many=True).data, "next_cursor": None})

    return [
        path("drf/assignments/<str:assignment_id>/submit", Submit.as_view()),
        path("drf/assignments", Page.as_view()),
    ]


# --- the harness ----------------------------------------------------------------------------


def configure(variants) -> None:
    from django.conf import settings

    apps = ["django.contrib.contenttypes", "django.contrib.auth"]
    if "drf" in variants:
        apps.append("rest_framework")
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=apps,
        MIDDLEWARE=[],
        DATABASES={},
        USE_TZ=True,
        REST_FRAMEWORK={
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "UNAUTHENTICATED_USER": None,
        },
    )
    import django

    django.setup()
    global urlpatterns
    builders = {"bare": bare_urls, "ninja": ninja_urls, "drf": drf_urls}
    urlpatterns = [pattern for name in variants for pattern in builders[name]()]


urlpatterns: list = []
BODY = json.dumps({"answers": {"answer": "positive", "tags": ["a", "b"]}}).encode()


def environ(variant: str, endpoint: str) -> dict:
    prefix = {"bare": "/bare", "ninja": "/ninja", "drf": "/drf"}[variant]
    base = {
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": "127.0.0.1",
        "QUERY_STRING": "",
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
    }
    if endpoint == "submit":
        return {
            **base,
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"{prefix}/assignments/{'A' * 30}/submit",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(BODY)),
        }
    return {**base, "REQUEST_METHOD": "GET", "PATH_INFO": f"{prefix}/assignments"}


def call(handler, variant: str, endpoint: str) -> tuple[int, bytes]:
    env = environ(variant, endpoint)
    env["wsgi.input"] = io.BytesIO(BODY if endpoint == "submit" else b"")
    status = []
    chunks = handler(env, lambda code, headers, exc=None: status.append(code))
    body = b"".join(chunks)
    chunks.close()
    return int(status[0].split()[0]), body


def check(handler, variants) -> None:
    """Each variant answers each endpoint alike (200, the same JSON but for date formats), and
    refuses a bad token (401) and a bad body (4xx)."""
    answers = {}
    for variant in variants:
        for endpoint in ENDPOINTS:
            code, body = call(handler, variant, endpoint)
            assert code == 200, (variant, endpoint, code, body[:300])
            answers[variant, endpoint] = json.loads(body)
    for endpoint in ENDPOINTS:
        shapes = {variant: sorted(_first(answers[variant, endpoint])) for variant in variants}
        assert len({tuple(shape) for shape in shapes.values()}) == 1, shapes


def _first(answer: dict) -> dict:
    return answer["items"][0] if "items" in answer else answer


def timed(handler, variant, endpoint, requests: int) -> float:
    """CPU seconds for `requests` calls."""
    started = time.process_time()
    for _ in range(requests):
        call(handler, variant, endpoint)
    return time.process_time() - started


def run_inline(args) -> None:
    configure(args.variants)
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    check(handler, args.variants)
    if args.only:
        variant, endpoint = args.only.split(":")
        for _ in range(20):  # warm: imports, first compilations
            call(handler, variant, endpoint)
        timed(handler, variant, endpoint, args.requests)
        return
    print(f"CPU per request, {args.rounds} rounds of {args.requests:,} requests (in-process WSGI)")
    for endpoint in ENDPOINTS:
        for variant in args.variants:
            for _ in range(50):
                call(handler, variant, endpoint)
        rounds = {variant: [] for variant in args.variants}
        for _ in range(args.rounds):  # the variants alternate, so drift hits them alike
            for variant in args.variants:
                seconds = timed(handler, variant, endpoint, args.requests)
                rounds[variant].append(seconds * 1e6 / args.requests)
        for variant in args.variants:
            values = rounds[variant]
            print(
                f"  {endpoint:<6} {variant:<6} mean {statistics.mean(values):7.1f} µs, "
                f"worst {max(values):7.1f} µs, best {min(values):7.1f} µs"
            )


def instructions(variant: str, endpoint: str, requests: int) -> int:
    """Instructions valgrind counts for this script's run with `requests` calls."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        os.path.abspath(__file__),
        "--only",
        f"{variant}:{endpoint}",
        "--requests",
        str(requests),
        "--variants",
        variant,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def run_callgrind(args) -> None:
    print(f"instructions per request (callgrind; a run of {args.requests} less a run of 0)")
    for endpoint in ENDPOINTS:
        for variant in args.variants:
            base = instructions(variant, endpoint, 0)
            loaded = instructions(variant, endpoint, args.requests)
            print(f"  {endpoint:<6} {variant:<6} {(loaded - base) / args.requests:12,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # VARIANT:ENDPOINT, for --callgrind
    args = parser.parse_args()
    if args.callgrind:
        run_callgrind(args)
    else:
        run_inline(args)


if __name__ == "__main__":
    main()
