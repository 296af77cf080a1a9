import pytest

from microwork.projects.models import Project
from tests.api.conftest import assert_problem
from tests.api.requester.conftest import make_batch
from tests.api.requester.snapshot import rows

pytestmark = pytest.mark.django_db

NEW = {
    "title": "Sentiment",
    "description": "Say if a sentence is positive.",
    "reward_cents": 50,
    "assignments_per_task": 3,
    "time_limit_seconds": 600,
    "lifetime_seconds": 7 * 24 * 3600,
    "auto_approval_seconds": 3 * 24 * 3600,
    "estimated_seconds": 60,
    "template": {"kind": "custom_html", "html": '<p>${text}</p><input name="answer">'},
}


def test_create_then_read_a_project(callers):
    response = callers.api.post("/api/v1/projects", NEW)

    assert response.status_code == 201, response.content
    body = response.json()
    project = Project.objects.get(public_id=body["id"])
    assert project.requester == callers.owner
    assert project.time_allotted_seconds == 600
    assert project.auto_approval_delay_seconds == 3 * 24 * 3600
    assert body["template"]["columns"] == ["text"]
    assert body["terms_locked"] is False
    assert body["currency"] == "EUR"
    assert callers.api.get(f"/api/v1/projects/{body['id']}").json() == body


def test_create_names_the_fields_in_the_apis_words(callers):
    before = rows()
    bad = {**NEW, "time_limit_seconds": 5, "template": {"kind": "custom_html", "html": ""}}

    body = assert_problem(callers.api.post("/api/v1/projects", bad), 422, "validation-error")

    fields = {error["field"] for error in body["errors"]}
    assert "template.html" in fields or "time_limit_seconds" in fields, body
    assert rows() == before


def test_create_refuses_a_body_that_does_not_validate(callers):
    before = rows()
    body = assert_problem(
        callers.api.post("/api/v1/projects", {**NEW, "reward_cents": 0, "title": ""}),
        422,
        "validation-error",
    )
    assert {error["field"] for error in body["errors"]} == {"reward_cents", "title"}
    assert rows() == before


def test_create_refuses_a_nul_character_before_anything_else_naming_it(callers):
    """PostgreSQL stores no NUL: the body is refused as it is read (common/nul.py), whatever
    else it holds."""
    before = rows()
    body = assert_problem(
        callers.api.post("/api/v1/projects", {**NEW, "reward_cents": 0, "title": "a\x00b"}),
        422,
        "validation-error",
    )
    assert body["errors"] == [{"field": "title", "message": "contains a NUL character"}]
    assert rows() == before


def test_patch_changes_only_what_is_sent(callers):
    project_id = callers.api.post("/api/v1/projects", NEW).json()["id"]

    response = callers.api.patch(
        f"/api/v1/projects/{project_id}", {"title": "Renamed", "reward_cents": 60}
    )

    assert response.status_code == 200, response.content
    project = Project.objects.get(public_id=project_id)
    assert (project.title, project.reward_cents, project.description) == (
        "Renamed",
        60,
        NEW["description"],
    )


def test_patch_of_pay_after_publishing_is_409_and_changes_nothing(callers):
    batch = make_batch(callers.owner)
    before = rows()

    body = assert_problem(
        callers.api.patch(f"/api/v1/projects/{batch.project.public_id}", {"reward_cents": 99}),
        409,
        "project-terms-locked",
    )

    assert body["errors"] == [{"field": "reward_cents", "message": "frozen"}]
    assert rows() == before


def test_the_project_list_pages_by_cursor_newest_first(callers):
    made = [callers.api.post("/api/v1/projects", {**NEW, "title": f"P{n}"}) for n in range(5)]
    callers.other_api.post("/api/v1/projects", NEW)  # another requester's: never listed

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = callers.api.get("/api/v1/projects", query).json()
        seen += [item["title"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == [response.json()["title"] for response in reversed(made)]


def test_a_bad_cursor_is_422_naming_it(callers):
    body = assert_problem(
        callers.api.get("/api/v1/projects", {"cursor": "nonsense"}), 422, "validation-error"
    )
    assert body["errors"][0]["field"] == "cursor"
