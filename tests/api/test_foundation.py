"""The API's foundation: tokens and sessions, problems, pagination, the schema and its docs."""

import re
from datetime import timedelta

import jsonschema
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from microwork.accounts.models import ApiToken
from microwork.accounts.tokens import api_token_authenticate, api_token_create, api_token_revoke
from microwork.api import auth
from microwork.api.pagination import PageParams, encode_cursor, paginate
from microwork.api.problems import ApiProblem
from microwork.common.csp import PLATFORM_POLICY
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.api.conftest import ApiClient, api_client_for, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- /me, by every credential --------------------------------------------------------------


def test_me_answers_a_worker_by_token():
    worker = WorkerFactory(display_name="Ada")

    response = api_client_for(worker, scope="read").get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": worker.worker_id,
        "email": worker.email,
        "role": "worker",
        "display_name": worker.worker_id,
        "token_scope": "read",
    }


def test_me_answers_a_requester_by_session():
    requester = RequesterFactory(display_name="Lab A")
    client = Client()
    client.force_login(requester)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(requester.pk),
        "email": requester.email,
        "role": "requester",
        "display_name": "Lab A",
        "token_scope": None,
    }


def test_me_without_credential_is_a_401_problem():
    response = ApiClient().get("/api/v1/me")

    body = assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(body) == {"type", "title", "status", "detail"}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer mwk_not-a-token",
        "Bearer ",
        "Token mwk_abc",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "mwk_" + "x" * 500,
    ],
)
def test_a_bad_authorization_header_is_401_even_with_a_session(header):
    client = Client()
    client.force_login(WorkerFactory())

    response = client.get("/api/v1/me", headers={"Authorization": header})

    assert_problem(response, 401, "unauthenticated")


def test_a_revoked_token_is_401():
    worker = WorkerFactory()
    token, secret = api_token_create(user=worker, name="laptop", scope="write")
    api_token_revoke(token=token, user=worker)

    assert_problem(ApiClient(secret).get("/api/v1/me"), 401, "unauthenticated")


def test_a_deactivated_users_token_is_401():
    worker = WorkerFactory()
    _token, secret = api_token_create(user=worker, name="laptop", scope="write")
    worker.is_active = False
    worker.save(update_fields=["is_active"])

    assert_problem(ApiClient(secret).get("/api/v1/me"), 401, "unauthenticated")


def test_bad_tokens_from_one_address_are_answered_429_for_a_while():
    worker = WorkerFactory()
    _token, secret = api_token_create(user=worker, name="laptop", scope="write")
    stranger = ApiClient("mwk_guess")
    for _attempt in range(auth.FAILURE_LIMIT):
        assert_problem(stranger.get("/api/v1/me"), 401, "unauthenticated")

    refused = stranger.get("/api/v1/me")

    assert_problem(refused, 429, "too-many-requests")
    assert refused["Retry-After"] == str(auth.FAILURE_WINDOW_SECONDS)
    # A good token is never refused for the others' mistakes, and costs the cache nothing.
    assert ApiClient(secret).get("/api/v1/me").status_code == 200
    cache.clear()
    assert_problem(stranger.get("/api/v1/me"), 401, "unauthenticated")


# --- tokens --------------------------------------------------------------------------------


def test_api_token_create_keeps_only_a_digest():
    worker = WorkerFactory()

    token, secret = api_token_create(user=worker, name=" laptop ", scope="write")

    assert re.fullmatch(r"mwk_[A-Za-z0-9_-]{43}", secret)
    stored = ApiToken.objects.get(pk=token.pk)
    assert (stored.name, stored.scope, stored.prefix) == ("laptop", "write", secret[:10])
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert len(stored.digest) == 64
    assert stored.last_used_at is None and stored.revoked_at is None


@pytest.mark.parametrize(
    "name, scope, field",
    [
        ("", "read", "name"),
        ("   ", "read", "name"),
        ("x" * 101, "read", "name"),
        ("ok", "admin", "scope"),
    ],
)
def test_api_token_create_refuses_naming_the_field(name, scope, field):
    from django.core.exceptions import ValidationError

    worker = WorkerFactory()

    with pytest.raises(ValidationError) as refused:
        api_token_create(user=worker, name=name, scope=scope)

    assert list(refused.value.message_dict) == [field]
    assert not ApiToken.objects.exists()


def test_api_token_create_caps_active_tokens():
    from django.core.exceptions import ValidationError

    from microwork.accounts.tokens import MAX_ACTIVE_TOKENS

    worker = WorkerFactory()
    tokens = [
        api_token_create(user=worker, name=f"t{n}", scope="read")[0]
        for n in range(MAX_ACTIVE_TOKENS)
    ]
    with pytest.raises(ValidationError):
        api_token_create(user=worker, name="one more", scope="read")
    assert ApiToken.objects.filter(user=worker).count() == MAX_ACTIVE_TOKENS

    api_token_revoke(token=tokens[0], user=worker)
    api_token_create(user=worker, name="one more", scope="read")
    assert (
        ApiToken.objects.filter(user=worker, revoked_at__isnull=True).count() == MAX_ACTIVE_TOKENS
    )


def test_api_token_revoke_of_another_users_token_changes_nothing():
    owner, other = WorkerFactory(), WorkerFactory()
    token, secret = api_token_create(user=owner, name="laptop", scope="read")

    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(token=token, user=other)

    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert api_token_authenticate(secret) is not None


def test_api_token_revoke_twice_keeps_the_first_date():
    worker = WorkerFactory()
    token, _secret = api_token_create(user=worker, name="laptop", scope="read")
    first = api_token_revoke(token=token, user=worker).revoked_at

    assert api_token_revoke(token=token, user=worker).revoked_at == first


def test_last_use_is_written_at_most_once_a_minute():
    worker = WorkerFactory()
    token, secret = api_token_create(user=worker, name="laptop", scope="read")
    start = timezone.now()

    api_token_authenticate(secret, now=start)
    with CaptureQueriesContext(connection) as queries:
        api_token_authenticate(secret, now=start + timedelta(seconds=59))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start
    assert [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")] == []

    api_token_authenticate(secret, now=start + timedelta(seconds=61))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start + timedelta(seconds=61)


def test_a_session_request_never_writes_a_tokens_last_use():
    worker = WorkerFactory()
    token, _secret = api_token_create(user=worker, name="laptop", scope="read")
    client = Client()
    client.force_login(worker)

    assert client.get("/api/v1/me").status_code == 200

    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


# --- problems ------------------------------------------------------------------------------


def test_an_unknown_api_address_is_a_404_problem():
    assert_problem(ApiClient().get("/api/v2/nothing"), 404, "not-found")
    assert_problem(ApiClient().get("/api/v1/nothing"), 404, "not-found")


def test_an_api_problem_carries_its_errors():
    from microwork.api.problems import problem_body

    problem = ApiProblem(
        422, "validation-error", "Bad.", errors=[{"row": 3, "field": "x", "message": "no"}]
    )

    assert problem_body(problem) == {
        "type": "https://microwork.dev/problems/validation-error",
        "title": "The request is not valid",
        "status": 422,
        "detail": "Bad.",
        "errors": [{"row": 3, "field": "x", "message": "no"}],
    }


# --- pagination ----------------------------------------------------------------------------


def test_pagination_walks_every_row_once_even_with_equal_timestamps():
    worker = WorkerFactory()
    same = timezone.now()
    made = [api_token_create(user=worker, name=f"t{n}", scope="read")[0] for n in range(7)]
    ApiToken.objects.filter(pk__in=[t.pk for t in made[2:5]]).update(created_at=same)
    seen, cursor, pages = [], None, 0
    while True:
        page = paginate(
            ApiToken.objects.filter(user=worker),
            PageParams(limit=3, cursor=cursor),
            item=lambda token: token.pk,
        )
        pages += 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    expected = list(
        ApiToken.objects.filter(user=worker)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 7 and pages == 3


def test_pagination_of_an_exact_page_has_no_next_cursor():
    worker = WorkerFactory()
    for n in range(3):
        api_token_create(user=worker, name=f"t{n}", scope="read")

    page = paginate(ApiToken.objects.filter(user=worker), PageParams(limit=3))

    assert len(page["items"]) == 3 and page["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["nope", "W10", encode_cursor(timezone.now(), 1)[:-3] + "!!!"])
def test_a_cursor_not_given_by_the_api_is_a_422_naming_it(cursor):
    with pytest.raises(ApiProblem) as refused:
        paginate(ApiToken.objects.all(), PageParams(limit=3, cursor=cursor))

    assert refused.value.status == 422
    assert refused.value.errors == [{"field": "cursor", "message": "Not a cursor this API gave."}]


def test_page_params_bound_the_limit():
    from pydantic import ValidationError

    for limit in (0, 501):
        with pytest.raises(ValidationError):
            PageParams(limit=limit)
    assert PageParams().limit == 50


# --- schema and docs -----------------------------------------------------------------------


def test_the_schema_is_openapi_3_1_and_public():
    response = Client().get("/api/v1/schema/")

    assert response.status_code == 200
    schema = response.json()
    assert re.fullmatch(r"3\.1\.\d+", schema["openapi"])
    assert "/api/v1/me" in schema["paths"]


def test_the_schema_documents_every_refusal_as_a_problem():
    """Clients and schemathesis learn what a 401, 413 or 429 looks like from the schema (issue 17
    left them out)."""
    schema = Client().get("/api/v1/schema/").json()
    submit = schema["paths"]["/api/v1/worker/assignments/{assignment_id}/submit"]["post"]
    me = schema["paths"]["/api/v1/me"]["get"]

    assert sorted(submit["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "422",
        "429",
    ]
    assert sorted(me["responses"]) == ["200", "401", "403", "422", "429"]
    too_many = submit["responses"]["429"]
    assert too_many["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert too_many["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]


def test_a_real_429_matches_the_documented_problem():
    schema = Client().get("/api/v1/schema/").json()
    stranger = ApiClient("mwk_guess")
    for _attempt in range(auth.FAILURE_LIMIT):
        stranger.get("/api/v1/me")

    refused = stranger.get("/api/v1/me")

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    jsonschema.validate(refused.json(), schema["components"]["schemas"]["Problem"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"title": "no type"}, schema["components"]["schemas"]["Problem"])


def test_the_docs_page_loads_under_the_strict_csp_without_inline_script():
    response = Client().get("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == PLATFORM_POLICY
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, html
    for attributes, body in scripts:
        # A script runs only from a same-origin static file; the JSON block is data.
        is_file = re.search(r'src="/static/[^"]+\.js"', attributes) and not body.strip()
        is_data = 'type="application/json"' in attributes
        assert is_file or is_data, attributes
    assert "http://" not in html and "https://" not in html  # no CDN


def test_the_schema_is_built_once_then_served_as_built(monkeypatch):
    from microwork.api import v1

    monkeypatch.setattr(v1, "_schema_bodies", {})
    built = []
    build = v1.api.get_openapi_schema
    monkeypatch.setattr(
        v1.api, "get_openapi_schema", lambda **kwargs: built.append(1) or build(**kwargs)
    )

    first, second = Client().get("/api/v1/schema/"), Client().get("/api/v1/schema/")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content
    assert second["Content-Type"] == "application/json"
    assert built == [1]


def test_role_decorators_refuse_the_other_role_with_a_403_problem():
    from types import SimpleNamespace

    @auth.requester_required
    def requester_only(request):
        return "done"

    requester, worker = RequesterFactory(), WorkerFactory()

    assert requester_only(SimpleNamespace(auth=requester)) == "done"
    with pytest.raises(ApiProblem) as refused:
        requester_only(SimpleNamespace(auth=worker))
    assert (refused.value.status, refused.value.slug) == (403, "forbidden")
    assert refused.value.detail == "This endpoint is for requesters."


def test_a_method_an_address_does_not_take_is_a_405_problem_naming_the_allowed_ones():
    response = api_client_for(WorkerFactory()).get("/api/v1/worker/projects/ANY/accept")

    assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "POST"
