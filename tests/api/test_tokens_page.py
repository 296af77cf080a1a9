"""The settings page of personal API tokens: roles, ownership, the secret shown once."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from microwork.accounts.models import ApiToken
from microwork.accounts.tokens import MAX_ACTIVE_TOKENS, api_token_create
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"


def _client(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_the_page_sends_anonymous_visitors_to_log_in():
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_anonymous_post_makes_nothing():
    response = Client().post(PAGE, {"name": "laptop", "scope": "write"})

    assert response.status_code == 302
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("factory", [WorkerFactory, RequesterFactory])
def test_a_worker_or_requester_makes_a_token_and_sees_its_secret_once(factory):
    user = factory()
    client = _client(user)

    made = client.post(PAGE, {"name": "laptop", "scope": "write"})

    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    secret = re.search(r"<code>(mwk_[A-Za-z0-9_-]{43})</code>", made.content.decode()).group(1)
    assert (token.name, token.scope) == ("laptop", "write")
    assert ApiClient(secret).get("/api/v1/me").json()["email"] == user.email
    # Shown this once: the list shows the prefix only.
    again = client.get(PAGE).content.decode()
    assert secret not in again
    assert token.prefix in again
    assert "laptop" in again


def test_the_list_shows_last_use_and_only_ones_own_tokens():
    user, other = WorkerFactory(), WorkerFactory()
    _token, secret = api_token_create(user=user, name="laptop", scope="read")
    api_token_create(user=other, name="someone-elses", scope="read")
    ApiClient(secret).get("/api/v1/me")

    page = _client(user).get(PAGE).content.decode()

    assert "laptop" in page and "someone-elses" not in page
    assert "—" not in page.split("laptop", 1)[1].split("</tr>", 1)[0]  # a last-use date


def test_a_get_of_the_page_writes_nothing():
    from tests.web.guard import forbid_writes

    user = WorkerFactory()
    api_token_create(user=user, name="laptop", scope="read")
    client = _client(user)
    client.get(PAGE)  # the session's first save

    with forbid_writes():
        assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize(
    "data", [{"name": "", "scope": "read"}, {"name": "x", "scope": "admin"}, {}]
)
def test_an_invalid_form_makes_nothing(data):
    user = WorkerFactory()

    response = _client(user).post(PAGE, data)

    assert response.status_code == 422
    assert "mwk_" not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_cap_on_active_tokens_is_said_on_the_page():
    user = WorkerFactory()
    for n in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=user, name=f"t{n}", scope="read")

    response = _client(user).post(PAGE, {"name": "one more", "scope": "read"})

    assert response.status_code == 422
    assert "revoke one first" in response.content.decode()
    assert ApiToken.objects.filter(user=user).count() == MAX_ACTIVE_TOKENS


def test_forms_need_their_csrf_token():
    user = WorkerFactory()
    token, _secret = api_token_create(user=user, name="laptop", scope="read")
    client = _client(user, csrf=True)

    made = client.post(PAGE, {"name": "other", "scope": "write"})
    revoked = client.post(reverse("accounts:api-token-revoke", args=[token.pk]))

    assert (made.status_code, revoked.status_code) == (403, 403)
    assert ApiToken.objects.filter(user=user).count() == 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_revoke_ends_the_token():
    user = WorkerFactory()
    token, secret = api_token_create(user=user, name="laptop", scope="read")

    response = _client(user).post(reverse("accounts:api-token-revoke", args=[token.pk]))

    assert response.status_code == 302 and response["Location"] == PAGE
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert ApiClient(secret).get("/api/v1/me").status_code == 401


def test_revoking_another_users_token_is_404_and_changes_nothing():
    owner, other = RequesterFactory(), RequesterFactory()
    token, secret = api_token_create(user=owner, name="laptop", scope="read")

    response = _client(other).post(reverse("accounts:api-token-revoke", args=[token.pk]))

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert ApiClient(secret).get("/api/v1/me").status_code == 200


def test_revoke_refuses_get_and_changes_nothing():
    user = WorkerFactory()
    token, _secret = api_token_create(user=user, name="laptop", scope="read")

    response = _client(user).get(reverse("accounts:api-token-revoke", args=[token.pk]))

    assert response.status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
