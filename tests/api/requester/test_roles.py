"""Every requester endpoint: anonymous 401, a worker 403, a read-scoped token 403 on writes,
another requester's object 404, each refusal changing nothing."""

import pytest

from microwork.quality import services as quality
from tests.api.conftest import assert_problem
from tests.api.requester.conftest import make_batch, submit
from tests.api.requester.snapshot import rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(callers):
    """The owner's project, published batch with three submissions, and qualification type."""
    batch = make_batch(callers.owner, rows=2, slots=2)
    submissions = submit(batch, 3)
    qualification = quality.qualification_type_create(
        owner=callers.owner, name="Careful", description="Careful workers"
    )
    quality.qualification_grant(
        qualification_type=qualification,
        worker=submissions[0].worker,
        requester=callers.owner,
        integer_value=3,
    )
    return {
        "project": batch.project.public_id,
        "batch": batch.pk,
        "assignment": submissions[0].public_id,
        "qualification": qualification.public_id,
        "worker_id": submissions[0].worker.worker_id,
    }


RULE = {"condition": "gold_accuracy_below", "threshold_percent": 60, "action": "block"}
# (method, path, body): every requester endpoint, about the owner's objects.
ENDPOINTS = [
    ("get", "/api/v1/projects", None),
    ("post", "/api/v1/projects", {"title": "x"}),
    ("get", "/api/v1/projects/{project}", None),
    ("patch", "/api/v1/projects/{project}", {"title": "Renamed"}),
    ("get", "/api/v1/projects/{project}/batches", None),
    ("post", "/api/v1/projects/{project}/batches", None),
    ("get", "/api/v1/batches/{batch}", None),
    ("post", "/api/v1/batches/{batch}/publish", None),
    ("post", "/api/v1/batches/{batch}/pause", None),
    ("post", "/api/v1/batches/{batch}/resume", None),
    ("post", "/api/v1/batches/{batch}/cancel", None),
    ("get", "/api/v1/batches/{batch}/tasks", None),
    ("get", "/api/v1/batches/{batch}/assignments", None),
    ("get", "/api/v1/assignments/{assignment}", None),
    ("post", "/api/v1/assignments/{assignment}/approve", {"feedback": ""}),
    ("post", "/api/v1/assignments/{assignment}/reject", {"reason": "Wrong"}),
    ("post", "/api/v1/assignments/{assignment}/bonus", {"amount_cents": 10, "reason": "Good"}),
    ("post", "/api/v1/batches/{batch}/review", {"action": "approve", "all_submitted": True}),
    ("get", "/api/v1/batches/{batch}/results", None),
    ("get", "/api/v1/batches/{batch}/dataset", None),
    ("post", "/api/v1/batches/{batch}/dataset/aggregation", None),
    ("get", "/api/v1/balance", None),
    ("get", "/api/v1/statement", None),
    ("get", "/api/v1/qualifications", None),
    ("post", "/api/v1/qualifications", {"name": "New", "description": "d"}),
    ("get", "/api/v1/qualifications/{qualification}", None),
    ("patch", "/api/v1/qualifications/{qualification}", {"description": "Changed"}),
    ("delete", "/api/v1/qualifications/{qualification}", None),
    ("get", "/api/v1/qualifications/{qualification}/grants", None),
    ("post", "/api/v1/qualifications/{qualification}/grants", {"worker_id": "{worker_id}"}),
    ("delete", "/api/v1/qualifications/{qualification}/grants/{worker_id}", None),
    ("get", "/api/v1/projects/{project}/rules", None),
    ("put", "/api/v1/projects/{project}/rules", {"rules": [RULE]}),
    ("get", "/api/v1/projects/{project}/requirements", None),
    ("put", "/api/v1/projects/{project}/requirements", {"requirements": []}),
]
# Those about no object of anyone's: another requester reads or writes their own.
NOT_OWNED = {"/api/v1/projects", "/api/v1/balance", "/api/v1/statement", "/api/v1/qualifications"}
IDS = [f"{method.upper()} {path}" for method, path, _body in ENDPOINTS]


def _call(client, method, path, body, world):
    path = path.format(**world)
    if isinstance(body, dict):
        body = {
            key: value.format(**world) if isinstance(value, str) else value
            for key, value in body.items()
        }
    if method == "get":
        return client.get(path)
    if method == "delete":
        return client.delete(path)
    return getattr(client, method)(path, body or {})


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=IDS)
def test_anonymous_is_401_and_changes_nothing(callers, world, method, path, body):
    before = rows()
    assert_problem(_call(callers.anonymous, method, path, body, world), 401, "unauthenticated")
    assert rows() == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=IDS)
def test_a_worker_is_403_and_changes_nothing(callers, world, method, path, body):
    before = rows()
    assert_problem(_call(callers.worker_api, method, path, body, world), 403, "forbidden")
    assert rows() == before


WRITES = [endpoint for endpoint in ENDPOINTS if endpoint[0] != "get"]


@pytest.mark.parametrize(
    ("method", "path", "body"), WRITES, ids=[f"{m.upper()} {p}" for m, p, _b in WRITES]
)
def test_a_read_token_is_403_on_writes_and_changes_nothing(callers, world, method, path, body):
    before = rows()
    assert_problem(_call(callers.read, method, path, body, world), 403, "insufficient-scope")
    assert rows() == before


OWNED = [endpoint for endpoint in ENDPOINTS if endpoint[1] not in NOT_OWNED]


@pytest.mark.parametrize(
    ("method", "path", "body"), OWNED, ids=[f"{m.upper()} {p}" for m, p, _b in OWNED]
)
def test_another_requesters_object_is_404_and_changes_nothing(callers, world, method, path, body):
    before = rows()
    response = _call(callers.other_api, method, path, body, world)
    assert_problem(response, 404, "not-found")
    assert rows() == before


GETS = [endpoint for endpoint in ENDPOINTS if endpoint[0] == "get"]


@pytest.mark.parametrize(("method", "path", "body"), GETS, ids=[f"GET {p}" for _m, p, _b in GETS])
def test_a_read_token_reads_and_a_get_writes_nothing(callers, world, method, path, body):
    before = rows()
    response = _call(callers.read, method, path, body, world)
    assert response.status_code == 200, response.content
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    assert rows() == before
