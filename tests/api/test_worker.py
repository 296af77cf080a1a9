"""The worker's endpoints: the same use cases as the worker's pages, by token or session."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from microwork.accounts.models import ApiToken
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Task
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.api.conftest import ApiClient, api_client_for, assert_problem
from tests.projects.factories import (
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
)
from tests.web.guard import forbid_writes
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def task():
    project = ProjectFactory(assignments_per_task=1)
    return TaskFactory(batch=PublishedBatchFactory(project=project), input={"text": "Nice day"})


def _slots(task) -> int:
    return Task.objects.get(pk=task.pk).open_slots


# --- roles: anonymous 401, a requester 403, on every endpoint ------------------------------

ENDPOINTS = [
    ("get", "/api/v1/worker/projects"),
    ("post", "/api/v1/worker/projects/{project}/accept"),
    ("post", "/api/v1/worker/assignments/{assignment}/submit"),
    ("post", "/api/v1/worker/assignments/{assignment}/return"),
    ("get", "/api/v1/worker/assignments"),
    ("get", "/api/v1/worker/earnings"),
]


def _call(client, method, path, task, assignment):
    url = path.format(project=task.batch.project.public_id, assignment=assignment.public_id)
    if method == "get":
        return client.get(url)
    return client.post(url, {"answers": {"answer": "positive"}})


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_anonymous_is_401_and_nothing_changes(method, path, task):
    assignment = AssignmentFactory(task=task)

    assert_problem(_call(ApiClient(), method, path, task, assignment), 401, "unauthenticated")

    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_a_requester_is_403_and_nothing_changes(method, path, task):
    assignment = AssignmentFactory(task=task)
    requester = task.batch.project.requester

    response = _call(api_client_for(requester), method, path, task, assignment)

    body = assert_problem(response, 403, "forbidden")
    assert body["detail"] == "This endpoint is for workers."
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize("method, path", [e for e in ENDPOINTS if e[0] == "post"])
def test_a_read_token_may_not_post_and_nothing_changes(method, path, task):
    assignment = AssignmentFactory(task=task)

    response = _call(
        api_client_for(assignment.worker, scope="read"), method, path, task, assignment
    )

    assert_problem(response, 403, "insufficient-scope")
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize("method, path", [e for e in ENDPOINTS if e[0] == "post"])
def test_a_session_post_without_csrf_token_is_403_and_nothing_changes(method, path, task):
    assignment = AssignmentFactory(task=task)
    client = Client(enforce_csrf_checks=True)
    client.force_login(assignment.worker)

    response = _call(ApiClient(client=client), method, path, task, assignment)

    assert_problem(response, 403, "csrf-failed")
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED
    assert Assignment.objects.count() == 1


def test_a_session_post_with_its_csrf_token_submits(task):
    assignment = AssignmentFactory(task=task)
    client = Client(enforce_csrf_checks=True)
    client.force_login(assignment.worker)
    client.get("/api/v1/docs/")  # the docs page sets the CSRF cookie, as any page does
    csrf = client.cookies["csrftoken"].value

    response = ApiClient(client=client).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"answer": "positive"}},
        headers={"X-CSRFToken": csrf},
    )

    assert response.status_code == 200, response.content
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.SUBMITTED


# --- ownership: another worker's assignment is 404 -----------------------------------------


@pytest.mark.parametrize("action", ["submit", "return"])
def test_another_workers_assignment_is_404_and_nothing_changes(action, task):
    assignment = AssignmentFactory(task=task)
    slots = _slots(task)

    response = api_client_for(WorkerFactory()).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/{action}",
        {"answers": {"answer": "positive"}},
    )

    assert_problem(response, 404, "not-found")
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers, _slots(task)) == (AssignmentState.ACCEPTED, None, slots)


def test_another_workers_assignments_are_not_listed(task):
    AssignmentFactory(task=task)

    page = api_client_for(WorkerFactory()).get("/api/v1/worker/assignments").json()

    assert page == {"items": [], "next_cursor": None}


# --- the flow ------------------------------------------------------------------------------


def test_projects_lists_what_the_marketplace_offers(task):
    worker = WorkerFactory()
    project = task.batch.project
    ProjectFactory()  # no batch: no work

    response = api_client_for(worker, scope="read").get("/api/v1/worker/projects")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": project.public_id,
                "title": project.title,
                "description": project.description,
                "reward_cents": 50,
                "raised_reward_cents": None,
                "currency": "EUR",
                "tasks_available": 1,
                "estimated_seconds": 60,
                "median_seconds": None,
                "hourly_cents": 3000,
            }
        ],
        "next_cursor": None,
    }


def test_projects_leave_out_a_blocking_requesters(task):
    from microwork.quality import services as quality

    worker = WorkerFactory()
    quality.worker_block_create(
        requester=task.batch.project.requester, worker=worker, reason="Copied answers."
    )

    assert api_client_for(worker).get("/api/v1/worker/projects").json()["items"] == []


def test_accept_submit_is_the_pages_flow(task):
    worker = WorkerFactory()
    client = api_client_for(worker)

    accepted = client.post(f"/api/v1/worker/projects/{task.batch.project.public_id}/accept")

    assert accepted.status_code == 201, accepted.content
    body = accepted.json()
    assignment = Assignment.objects.get(worker=worker)
    assert body["id"] == assignment.public_id
    assert (body["task_id"], body["project_id"]) == (task.public_id, task.batch.project.public_id)
    assert (body["state"], body["data"], body["fields"]) == (
        "accepted",
        {"text": "Nice day"},
        ["answer"],
    )
    assert body["answers"] is None and body["reward_cents"] == 50

    submitted = client.post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"answer": "positive"}},
    )

    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    assert submitted.json()["answers"] == {"answer": "positive"}
    assert "data" not in submitted.json() or submitted.json()["data"] is None
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers) == (AssignmentState.SUBMITTED, {"answer": "positive"})


def test_accept_twice_resumes_the_open_assignment(task):
    worker = WorkerFactory()
    client = api_client_for(worker)
    url = f"/api/v1/worker/projects/{task.batch.project.public_id}/accept"

    first, second = client.post(url), client.post(url)

    assert first.json()["id"] == second.json()["id"]
    assert Assignment.objects.filter(worker=worker).count() == 1


def test_accept_with_no_task_left_is_409_and_creates_nothing(task):
    AssignmentFactory(task=task)  # the only slot
    worker = WorkerFactory()

    response = api_client_for(worker).post(
        f"/api/v1/worker/projects/{task.batch.project.public_id}/accept"
    )

    body = assert_problem(response, 409, "no-task-available")
    assert body["detail"] == "There is no task left for you in this project."
    assert not Assignment.objects.filter(worker=worker).exists()


def test_accept_of_a_paused_batch_is_409(task):
    Batch.objects.filter(pk=task.batch_id).update(status=BatchStatus.PAUSED)

    response = api_client_for(WorkerFactory()).post(
        f"/api/v1/worker/projects/{task.batch.project.public_id}/accept"
    )

    assert_problem(response, 409, "no-task-available")
    assert _slots(task) == 1


def test_accept_when_blocked_is_409_accept_refused(task):
    from microwork.quality import services as quality

    worker = WorkerFactory()
    quality.worker_block_create(
        requester=task.batch.project.requester, worker=worker, reason="Copied answers."
    )

    response = api_client_for(worker).post(
        f"/api/v1/worker/projects/{task.batch.project.public_id}/accept"
    )

    assert_problem(response, 409, "accept-refused")
    assert not Assignment.objects.filter(worker=worker).exists()


def test_accept_of_an_unknown_project_is_404():
    response = api_client_for(WorkerFactory()).post("/api/v1/worker/projects/NOPE/accept")

    assert_problem(response, 404, "not-found")


def test_submit_twice_is_409_and_keeps_the_first_answer(task):
    assignment = SubmittedAssignmentFactory(task=task, answers={"answer": "first"})

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"answer": "second"}},
    )

    assert_problem(response, 409, "assignment-not-open")
    assert Assignment.objects.get(pk=assignment.pk).answers == {"answer": "first"}


def test_submit_after_the_deadline_is_409_and_keeps_nothing(task):
    now = timezone.now()
    assignment = AssignmentFactory(
        task=task, accepted_at=now - timedelta(hours=2), deadline=now - timedelta(hours=1)
    )

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"answer": "late"}},
    )

    assert_problem(response, 409, "deadline-passed")
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers) == (AssignmentState.EXPIRED, None)


@pytest.mark.parametrize(
    "answers, field",
    [
        ({}, "answers"),
        ({"answer": "x" * 70_000}, "answers"),
    ],
)
def test_an_answer_the_page_would_refuse_is_422_and_keeps_nothing(answers, field, task):
    assignment = AssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit", {"answers": answers}
    )

    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == [field]
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers) == (AssignmentState.ACCEPTED, None)


def test_a_label_not_offered_is_422_naming_the_answer_field():
    project = ImageProjectFactory(assignments_per_task=1)
    task = TaskFactory(
        batch=PublishedBatchFactory(project=project, columns=["image_url"]),
        input={"image_url": "https://example.org/cat.jpg"},
    )
    assignment = AssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"label": "horse"}},
    )

    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["answers.label"]
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "answers"),
        ({"answers": {"answer": 3}}, "answers.answer"),
        ({"answers": "positive"}, "answers"),
    ],
)
def test_a_malformed_body_is_422_naming_the_field(body, field, task):
    assignment = AssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit", body
    )

    problem = assert_problem(response, 422, "validation-error")
    assert field in [error["field"] for error in problem["errors"]]
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED


def test_a_body_that_is_not_json_is_400(task):
    assignment = AssignmentFactory(task=task)
    client = api_client_for(assignment.worker)

    response = client.client.post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.secret}"},
    )

    assert_problem(response, 400, "bad-request")
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED


def test_a_body_over_the_cap_is_413_and_keeps_nothing(task):
    from microwork.api.v1 import MAX_JSON_BODY_BYTES

    assignment = AssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"answer": "x" * MAX_JSON_BODY_BYTES}},
    )

    assert_problem(response, 413, "payload-too-large")
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED


def test_checkbox_answers_are_stored_as_the_form_stores_them(task):
    assignment = AssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        {"answers": {"answer": "yes", "tags": ["a", "b"]}},
    )

    assert response.status_code == 200
    assert Assignment.objects.get(pk=assignment.pk).answers == {"answer": "yes", "tags": ["a", "b"]}


def test_return_gives_the_slot_back(task):
    assignment = AssignmentFactory(task=task)
    assert _slots(task) == 0

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/return"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "returned"
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.RETURNED
    assert _slots(task) == 1


def test_return_of_a_submitted_assignment_is_409_and_changes_nothing(task):
    assignment = SubmittedAssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/return"
    )

    assert_problem(response, 409, "assignment-not-open")
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.SUBMITTED
    assert _slots(task) == 0


# --- history and earnings -------------------------------------------------------------------


def test_history_pages_newest_first_and_filters_by_the_state_due(task):
    worker = WorkerFactory()
    now = timezone.now()
    project = task.batch.project
    batch = PublishedBatchFactory(project=project)
    made = []
    for hours in range(5):
        made.append(
            AssignmentFactory(
                task=TaskFactory(batch=batch),
                worker=worker,
                accepted_at=now - timedelta(hours=hours + 2),
                deadline=now - timedelta(hours=hours + 1)
                if hours == 4
                else now + timedelta(hours=1),
            )
        )
    client = api_client_for(worker, scope="read")

    first = client.get("/api/v1/worker/assignments", {"limit": 2}).json()
    second = client.get(
        "/api/v1/worker/assignments", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = client.get(
        "/api/v1/worker/assignments", {"limit": 2, "cursor": second["next_cursor"]}
    ).json()

    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert ids == [a.public_id for a in made]
    assert third["next_cursor"] is None
    # The overdue one is expired as due, before any sweep writes it down; nothing was written.
    expired = client.get("/api/v1/worker/assignments", {"state": "expired"}).json()
    assert [item["id"] for item in expired["items"]] == [made[4].public_id]
    assert Assignment.objects.get(pk=made[4].pk).state == AssignmentState.ACCEPTED
    accepted = client.get("/api/v1/worker/assignments", {"state": "accepted"}).json()
    assert len(accepted["items"]) == 4


@pytest.mark.parametrize(
    "query, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"state": "lost"}, "state"),
        ({"cursor": "zz"}, "cursor"),
    ],
)
def test_history_refuses_bad_parameters_naming_them(query, field):
    response = api_client_for(WorkerFactory()).get("/api/v1/worker/assignments", query)

    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == [field]


def test_earnings_are_the_earnings_pages_figures(task):
    from microwork.work import services as work

    assignment = SubmittedAssignmentFactory(task=task)
    work.assignment_approve(assignment=assignment, requester=task.batch.project.requester)

    response = api_client_for(assignment.worker, scope="read").get("/api/v1/worker/earnings")

    assert response.status_code == 200
    assert response.json() == {
        "currency": "EUR",
        "available_cents": 50,
        "pending_cents": 0,
        "paid_out_cents": 0,
        "due_cents": 0,
        "awaiting_review_cents": 0,
    }


def test_every_worker_get_by_token_writes_only_the_tokens_last_use(task):
    assignment = AssignmentFactory(task=task)
    client = api_client_for(assignment.worker, scope="read")
    with forbid_writes():  # the token's first use is marked: the one write a GET may make
        assert client.get("/api/v1/me").status_code == 200
    stamped = ApiToken.objects.get(user=assignment.worker).last_used_at
    assert stamped is not None

    with forbid_writes():
        for url in (
            "/api/v1/me",
            "/api/v1/worker/projects",
            "/api/v1/worker/assignments",
            "/api/v1/worker/assignments?state=expired",
            "/api/v1/worker/earnings",
        ):
            assert client.get(url).status_code == 200, url
    assert ApiToken.objects.get(user=assignment.worker).last_used_at == stamped


@pytest.mark.parametrize(
    "body, field",
    [
        ({"answers": {"answer": "ok\x00"}}, "answers.answer"),
        ({"answers": {"answer": ["a", "b\x00"]}}, "answers.answer.1"),
        ({"answers": {"an\x00swer": "ok"}}, "answers.an\x00swer"),
    ],
)
def test_a_nul_character_anywhere_in_a_body_is_422_naming_where_and_keeps_nothing(
    body, field, task
):
    """PostgreSQL stores no NUL in text or JSON: the answer used to reach the database and
    answer 500 there (found by the fuzz test on PostgreSQL)."""
    assignment = AssignmentFactory(task=task)

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit", body
    )

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [{"field": field, "message": "contains a NUL character"}]
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers) == (AssignmentState.ACCEPTED, None)


def test_json_nested_deeper_than_the_parser_allows_is_a_400(task):
    assignment = AssignmentFactory(task=task)
    deep = '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = api_client_for(assignment.worker).post(
        f"/api/v1/worker/assignments/{assignment.public_id}/submit",
        deep,
        # Sent as written (the helper JSON-encodes bodies only for the bare content type).
        content_type="application/json; charset=utf-8",
    )

    problem = assert_problem(response, 400, "bad-request")
    assert problem["detail"] == "The JSON is nested too deeply."
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers) == (AssignmentState.ACCEPTED, None)
