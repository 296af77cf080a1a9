import io

import pytest
from django.test.utils import override_settings

from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Task
from tests.api.conftest import assert_problem
from tests.api.requester.conftest import make_batch, make_project
from tests.api.requester.snapshot import rows

pytestmark = pytest.mark.django_db


def _upload(client, project, body: bytes, content_type="text/csv", name="May"):
    return client.post(
        f"/api/v1/projects/{project.public_id}/batches?name={name}", body, content_type=content_type
    )


def test_a_csv_body_becomes_a_draft_batch(callers):
    project = make_project(callers.owner)

    response = _upload(callers.api, project, b"text\nhello\nworld\n")

    assert response.status_code == 201, response.content
    body = response.json()
    batch = Batch.objects.get(pk=body["id"])
    assert (body["state"], body["task_count"], body["name"]) == ("draft", 2, "May")
    assert [task.input for task in batch.tasks.order_by("row_number")] == [
        {"text": "hello"},
        {"text": "world"},
    ]
    assert body["actions"] == ["cancel", "publish"]


def test_a_jsonl_body_and_a_multipart_file_are_read_too(callers):
    project = make_project(callers.owner)

    jsonl = _upload(callers.api, project, b'{"text": "a"}\n{"text": "b"}\n', "application/jsonl")
    multipart = callers.api.client.post(
        f"/api/v1/projects/{project.public_id}/batches",
        {"file": io.BytesIO(b"text\nc\n")},
        headers={"Authorization": f"Bearer {callers.api.secret}"},
    )

    assert (jsonl.status_code, jsonl.json()["task_count"]) == (201, 2)
    assert (multipart.status_code, multipart.json()["task_count"]) == (201, 1), multipart.content


def test_a_bad_file_names_every_bad_row_and_writes_nothing(callers):
    project = make_project(callers.owner)
    before = rows()

    body = assert_problem(
        _upload(callers.api, project, b"text\nfine\n \nok,extra\nfine\n"),
        422,
        "upload-invalid",
    )

    assert body["errors"] == [
        {"row": 3, "field": "text", "message": "empty, but the template uses it"},
        {"row": 4, "field": "file", "message": "has 2 cells, but the header has 1"},
    ]
    assert rows() == before


def test_a_missing_column_is_named(callers):
    project = make_project(callers.owner)
    body = assert_problem(_upload(callers.api, project, b"other\nx\n"), 422, "upload-invalid")
    assert body["errors"] == [
        {"row": 1, "field": "text", "message": "the template needs this column, the file lacks it"}
    ]
    assert not Batch.objects.exists()


def test_an_unknown_content_type_is_415(callers):
    project = make_project(callers.owner)
    assert_problem(
        _upload(callers.api, project, b"<x/>", "application/xml"), 415, "unsupported-media-type"
    )
    assert not Batch.objects.exists()


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_large_upload_streams_through_a_file_on_disk(callers):
    """Rows past the memory threshold spill to a temporary file: the body is held once, never
    whole in memory, and every row arrives."""
    project = make_project(callers.owner)
    lines = b"text\n" + b"".join(b"sentence %d\n" % n for n in range(5000))

    response = _upload(callers.api, project, lines)

    assert response.status_code == 201, response.content
    assert Task.objects.filter(batch_id=response.json()["id"]).count() == 5000


def test_publish_pause_resume_cancel(callers):
    batch = make_batch(callers.owner, publish=False)
    base = f"/api/v1/batches/{batch.pk}"

    published = callers.api.post(f"{base}/publish")
    paused = callers.api.post(f"{base}/pause")
    resumed = callers.api.post(f"{base}/resume")
    cancelled = callers.api.post(f"{base}/cancel")

    assert [r.json()["state"] for r in (published, paused, resumed, cancelled)] == [
        "published",
        "paused",
        "published",
        "cancelled",
    ]
    assert published.json()["cost"] == {
        "slots": 4,
        "rewards_cents": 200,
        "fees_cents": 40,
        "total_cents": 240,
        "currency": "EUR",
    }


def test_a_refused_state_change_is_409_and_changes_nothing(callers):
    batch = make_batch(callers.owner)
    before = rows()

    assert_problem(callers.api.post(f"/api/v1/batches/{batch.pk}/resume"), 409, "batch-state")

    assert rows() == before
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.PUBLISHED


def test_publishing_without_the_funds_is_409_and_changes_nothing(callers):
    batch = make_batch(callers.owner, publish=False, reward_cents=100_000)
    before = rows()

    body = assert_problem(
        callers.api.post(f"/api/v1/batches/{batch.pk}/publish"), 409, "insufficient-funds"
    )

    assert "more is needed" in body["detail"]
    assert rows() == before


def test_tasks_page_in_row_order(callers):
    batch = make_batch(callers.owner, rows=5, publish=False)

    first = callers.api.get(f"/api/v1/batches/{batch.pk}/tasks", {"limit": 3}).json()
    second = callers.api.get(
        f"/api/v1/batches/{batch.pk}/tasks", {"limit": 3, "cursor": first["next_cursor"]}
    ).json()

    assert [task["row_number"] for task in first["items"] + second["items"]] == [1, 2, 3, 4, 5]
    assert second["next_cursor"] is None
    assert first["items"][0]["data"] == {"text": "sentence 1"}
