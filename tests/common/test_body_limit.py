"""MICROWORK_MAX_UPLOAD_BYTES (common/body_limit.py): a body over the cap is refused from its
declared length before a byte of it is read, on every door, in each door's own shape; a body
of undeclared length is cut off once its reading passes the cap."""

import io
import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory
from django.urls import reverse

from microwork import settings as microwork_settings
from microwork.common.body_limit import BodyLimitMiddleware, CappedStream
from microwork.mturk import services as mturk_services
from microwork.projects.models import Batch
from tests.accounts.factories import RequesterFactory
from tests.api.conftest import api_client_for, assert_problem
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db
CAP = 4096


@pytest.fixture(autouse=True)
def _small_cap(settings):
    settings.MICROWORK_MAX_UPLOAD_BYTES = CAP


class NeverRead:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def _oversized(**extra) -> dict:
    return {"CONTENT_LENGTH": str(CAP + 1), "wsgi.input": NeverRead(), **extra}


def test_the_cap_defaults_to_100_mib():
    assert microwork_settings.MICROWORK_MAX_UPLOAD_BYTES == 100 * 1024 * 1024


def test_a_batch_file_over_the_cap_on_the_page_is_413_unread_and_creates_nothing():
    requester = RequesterFactory()
    project = ProjectFactory(requester=requester)
    client = Client()
    client.force_login(requester)

    response = client.generic(
        "POST",
        reverse("projects:batch-upload", args=[project.pk]),
        b"",
        content_type="multipart/form-data; boundary=x",
        **_oversized(),
    )

    assert response.status_code == 413
    assert b"larger than 0.00391 MB" in response.content
    assert not Batch.objects.exists()


def test_the_page_says_the_cap_in_megabytes_and_in_french(settings):
    settings.MICROWORK_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
    client = Client()
    client.cookies["django_language"] = "fr"

    response = client.generic(
        "POST",
        reverse("accounts:signup"),
        b"",
        **_oversized(CONTENT_LENGTH=str(200 * 1024 * 1024)),
    )

    assert response.status_code == 413
    assert "La requête dépasse 100 Mo".encode() in response.content


def test_a_batch_file_over_the_cap_on_the_api_is_a_413_problem_and_creates_nothing():
    requester = RequesterFactory()
    project = ProjectFactory(requester=requester)
    api = api_client_for(requester)

    response = api.client.generic(
        "POST",
        f"/api/v1/projects/{project.public_id}/batches",
        b"",
        content_type="text/csv",
        headers={"Authorization": f"Bearer {api.secret}"},
        **_oversized(),
    )

    body = assert_problem(response, 413, "payload-too-large")
    assert body["detail"].startswith("The request is larger than")
    assert not Batch.objects.exists()


def test_an_mturk_body_over_the_cap_is_a_request_error_unread():
    key, _secret = mturk_services.access_key_create(requester=RequesterFactory())

    response = Client().generic(
        "POST", "/mturk/", b"", content_type="application/x-amz-json-1.1", **_oversized()
    )

    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["__type"] == "RequestError"
    assert body["Message"].startswith("The request is larger than")


def test_a_body_at_the_cap_is_taken():
    requester = RequesterFactory()
    project = ProjectFactory(requester=requester)
    api = api_client_for(requester)
    rows = b"text\n" + b"a\n" * ((CAP - 5) // 2)
    assert len(rows) <= CAP

    response = api.post(
        f"/api/v1/projects/{project.public_id}/batches", rows, content_type="text/csv"
    )

    assert response.status_code == 201, response.content
    assert Batch.objects.get().task_count == (CAP - 5) // 2


def test_a_body_of_undeclared_length_is_cut_off_past_the_cap():
    """A server that hands on a chunked body as an open stream (no Content-Length): reading it
    stops with RequestDataTooBig (a 4xx) once past the cap, so it is never held whole."""
    request = RequestFactory().post("/api/v1/projects/x/batches", b"", content_type="text/csv")
    request.META.pop("CONTENT_LENGTH", None)
    request._stream = io.BytesIO(b"x" * (CAP * 3))
    read = []

    def view(request):
        while chunk := request.read(1000):
            read.append(len(chunk))

    with pytest.raises(RequestDataTooBig):
        BodyLimitMiddleware(view)(request)
    assert sum(read) <= CAP


def test_a_capped_stream_reads_lines_up_to_the_cap():
    stream = CappedStream(io.BytesIO(b"a\n" * 10), limit=7)

    assert [stream.readline() for _ in range(3)] == [b"a\n", b"a\n", b"a\n"]
    with pytest.raises(RequestDataTooBig):
        stream.readline()
