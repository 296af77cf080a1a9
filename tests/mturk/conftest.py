"""boto3 against the MTurk endpoint, in-process: a `before-send` hook hands each signed
request to Django's test Client, so the SQLite run exercises the real protocol (signing,
JSON 1.1, errors, paging) with boto3's own serializer, parsers and paginators. On PostgreSQL
every test using the `mturk` fixture runs a second time with boto3 over real HTTP against a
live server; test_live.py has the round trip through the worker's web pages."""

import uuid

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from django.test import Client

from microwork.mturk import services
from tests.payments.factories import fund

ENDPOINT = "http://testserver/mturk/"


class _Raw:
    def __init__(self, content: bytes):
        self.content = content

    def stream(self, **_kwargs):
        yield self.content


def _send_through(client: Client):
    def send(request, **_kwargs):
        headers = {
            key: (value.decode() if isinstance(value, bytes) else value)
            for key, value in request.headers.items()
        }
        headers.pop("Content-Length", None)
        headers["Host"] = "testserver"  # what urllib3 would send for the endpoint URL
        content_type = headers.pop("Content-Type", "application/x-amz-json-1.1")
        response = client.generic(
            request.method,
            "/mturk/",
            data=request.body or b"",
            content_type=content_type,
            headers=headers,
        )
        return AWSResponse(
            request.url, response.status_code, dict(response.items()), _Raw(response.content)
        )

    return send


def make_client(
    access_key_id: str,
    secret: str,
    *,
    endpoint: str = ENDPOINT,
    django=None,
    nonce: bool = True,
    retries: int = 1,
):
    client = boto3.client(
        "mturk",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": retries, "mode": "standard"}),
    )
    # boto3 signs over the second, so two identical calls within one second carry the same
    # signature, and the server takes the second as a replay (mturk/auth.py: signature_once),
    # answering ThrottlingException, which a default client retries, signed again. Tests make
    # such calls on purpose (identical HITs in a loop) without retries: a signed nonce keeps
    # each call's signature its own. test_replay.py runs a default client without it.
    if nonce:
        client.meta.events.register("before-sign.mturk", _sign_a_nonce)
    if django is not None:
        client.meta.events.register("before-send.mturk", _send_through(django))
    return client


def _sign_a_nonce(request, **_kwargs):
    request.headers["X-Test-Nonce"] = uuid.uuid4().hex


@pytest.fixture
def access_key(requester):
    return services.access_key_create(requester=requester)


@pytest.fixture(
    params=[
        "in_process",
        # The same test again, boto3 over real HTTP to a live server. live_server needs
        # transactional tests, whose flush the ledger's append-only triggers refuse on SQLite.
        pytest.param("http", marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)]),
    ]
)
def mturk(request, access_key):
    """A boto3 MTurk client of `requester`: in-process, and on PostgreSQL also over HTTP."""
    key, secret = access_key
    if request.param == "http":
        live_server = request.getfixturevalue("live_server")
        client = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")
        yield client
        # Close the kept-alive connections, so the server's threads end and give back their
        # database connections before the test database is dropped.
        client.close()
        return
    yield make_client(key.access_key_id, secret, django=Client())


@pytest.fixture
def funded(requester):
    fund(requester, 100_000)
    return requester
