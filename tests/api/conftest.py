"""Helpers for API tests (tests/api/ and tests/api/requester/): a client that sends a personal
token, and the problem bodies' shape."""

import json

import pytest
from django.test import Client

from microwork.accounts.tokens import api_token_create
from microwork.api.problems import CONTENT_TYPE, PROBLEM_BASE


class ApiClient:
    """django.test.Client speaking JSON with `Authorization: Bearer <secret>` (none when
    `secret` is None)."""

    def __init__(self, secret: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.secret = secret

    def _headers(self, headers):
        found = dict(headers or {})
        if self.secret is not None:
            found.setdefault("Authorization", f"Bearer {self.secret}")
        return found

    def get(self, path, data=None, headers=None):
        return self.client.get(path, data, headers=self._headers(headers))

    def post(self, path, body=None, headers=None, content_type="application/json"):
        data = json.dumps(body) if body is not None and content_type == "application/json" else body
        return self.client.post(
            path, data or "", content_type=content_type, headers=self._headers(headers)
        )

    def patch(self, path, body=None, headers=None):
        return self.client.patch(
            path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def put(self, path, body=None, headers=None):
        return self.client.put(
            path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path, headers=None):
        return self.client.delete(path, headers=self._headers(headers))


def api_client_for(user, scope: str = "write") -> ApiClient:
    """A client with a fresh token of `user` (`user` None: no token at all)."""
    if user is None:
        return ApiClient()
    _token, secret = api_token_create(user=user, name="tests", scope=scope)
    return ApiClient(secret)


def assert_problem(response, status: int, slug: str) -> dict:
    """`response` is the problem `slug` with `status`; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_BASE + slug, body
    assert body["status"] == status
    return body


@pytest.fixture
def api_for(db):
    return api_client_for
