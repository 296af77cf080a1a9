"""Random and hostile batch files (hypothesis) through the readers, the upload page and the REST
API: a file is taken whole or refused whole with a message naming what is wrong, never a 500,
and a refused file writes nothing."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microwork.projects.models import Batch, Task
from microwork.projects.upload import FileInvalid, open_reader
from tests.accounts.factories import RequesterFactory
from tests.api.conftest import api_client_for
from tests.projects.factories import ProjectFactory

DB_EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces that break readers: quotes, separators, line ends, a BOM, NUL, bytes that are not
# UTF-8, JSON escapes of lone surrogates, deep nesting, huge numbers.
HOSTILE = [
    b'"',
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b'"\\ud800"',
    b"[" * 3000,
    b"{" * 50,
    b'{"a": ',
    b"1e999999",
    b"-" * 10 + b"9" * 5000,
    b"_gold",
    b"gold",
    b"text",
    b'{"text": "x"}',
    b"null",
    b"true",
    b"\xe2\x80\xa8",
]
files = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE), st.binary(max_size=40), st.text(max_size=20).map(str.encode)
    ),
    max_size=30,
).map(b"".join)
json_lines = st.lists(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=8,
    ).map(lambda value: json.dumps(value).encode()),
    max_size=6,
).map(b"\n".join)


@settings(max_examples=200, deadline=None)
@given(content=st.one_of(files, json_lines), name=st.sampled_from(["f.csv", "f.jsonl"]))
def test_a_reader_refuses_or_reads_any_file_with_rows_it_can_name(content, name):
    try:
        reader = open_reader(io.BytesIO(content), name)
        rows = list(reader)
    except FileInvalid as refused:
        assert str(refused.error)
        return
    for row in rows:
        if row.values is None:
            assert row.errors and all(str(error) for error in row.errors)
        else:
            assert row.errors == []
            assert all(isinstance(value, str) for value in row.values.values())
            for value in row.values.values():
                value.encode("utf-8")  # every kept cell can be shown


@pytest.fixture
def requester_project(db):
    requester = RequesterFactory()
    return requester, ProjectFactory(requester=requester)


def _written() -> tuple[int, int]:
    return Batch.objects.count(), Task.objects.count()


@pytest.mark.django_db
@DB_EXAMPLES
@given(content=st.one_of(files, json_lines), name=st.sampled_from(["f.csv", "f.jsonl"]))
def test_the_upload_page_takes_or_refuses_any_file_and_a_refusal_writes_nothing(
    requester_project, content, name
):
    requester, project = requester_project
    client = Client()
    client.force_login(requester)
    before = _written()

    response = client.post(
        reverse("projects:batch-upload", args=[project.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert _written() == before
        page = response.content.decode()
        assert 'class="errorlist' in page or "error" in page
    else:
        assert _written()[0] == before[0] + 1


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    content=st.one_of(files, json_lines),
    content_type=st.sampled_from(["text/csv", "application/jsonl", "application/x-ndjson"]),
)
def test_the_rest_upload_takes_or_refuses_any_body_as_a_problem_and_a_refusal_writes_nothing(
    requester_project, content, content_type
):
    requester, project = requester_project
    api = api_client_for(requester)
    before = _written()

    response = api.post(
        f"/api/v1/projects/{project.public_id}/batches", content, content_type=content_type
    )

    assert response.status_code in (201, 400, 415, 422), response.content
    if response.status_code != 201:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"]
        assert _written() == before
