"""Random and hostile bodies (hypothesis) to every REST endpoint that takes one: any JSON value,
deep nesting, lone surrogate escapes, bytes that are not JSON. The answer is a success or a 4xx
problem with a detail, never a 500, and a refused request writes nothing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microwork.payments.models import LedgerEntry
from microwork.projects.models import Batch, Project, Task
from microwork.quality.models import QualificationType
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.api.conftest import api_client_for
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REQUESTER_POSTS = [
    ("post", "/api/v1/projects"),
    ("patch", "/api/v1/projects/{project}"),
    ("put", "/api/v1/projects/{project}/requirements"),
    ("put", "/api/v1/projects/{project}/rules"),
    ("post", "/api/v1/assignments/{submitted}/approve"),
    ("post", "/api/v1/assignments/{submitted}/reject"),
    ("post", "/api/v1/assignments/{submitted}/bonus"),
    ("post", "/api/v1/batches/{batch}/publish"),
    ("post", "/api/v1/batches/{batch}/review"),
    ("post", "/api/v1/batches/{batch}/doubtful-tasks/more"),
    ("post", "/api/v1/qualifications"),
]
NAMES = [
    "title",
    "description",
    "reward_cents",
    "assignments_per_task",
    "template",
    "kind",
    "labels",
    "name",
    "amount_cents",
    "reason",
    "feedback",
    "decisions",
    "action",
    "ids",
    "answers",
    "answer",
    "value",
    "rules",
    "requirements",
]
HOSTILE = ["", "\x00", "\ud800", "x" * 3000, "-1", "1e309", "<script>", "{{ 7*7 }}"]
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(HOSTILE),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(NAMES), values, max_size=5).map(
        lambda body: json.dumps(body).encode()
    ),
    values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=100),
    st.sampled_from(
        [b"[" * 100_000, b'{"title": "\\ud800"}', b'{"a":' * 3000, b"\xff", b"{}", b"null"]
    ),
)


def _written() -> tuple:
    return (
        tuple(
            model.objects.count()
            for model in (Project, Batch, Task, Assignment, LedgerEntry, QualificationType)
        ),
        list(Project.objects.order_by("pk").values()),
        list(Batch.objects.order_by("pk").values("status")),
        list(Assignment.objects.order_by("pk").values("state", "answers")),
    )


@pytest.fixture
def owned():
    requester = RequesterFactory()
    fund(requester, 100_000)
    project = ProjectFactory(requester=requester)
    batch = BatchFactory(project=project)
    TaskFactory(batch=batch)
    submitted = SubmittedAssignmentFactory(task__batch__project=project)
    ids = {
        "project": project.public_id,
        "batch": batch.pk,
        "submitted": submitted.public_id,
    }
    return api_client_for(requester), ids


def _answer_is_clean(response, before):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"]
        assert _written() == before


@EXAMPLES
@given(endpoint=st.sampled_from(REQUESTER_POSTS), body=bodies)
def test_any_body_to_a_requester_endpoint_is_taken_or_a_problem(owned, endpoint, body):
    api, ids = owned
    method, path = endpoint
    before = _written()

    response = api.client.generic(
        method.upper(),
        path.format(**ids),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.secret}"},
    )

    _answer_is_clean(response, before)


@pytest.fixture
def open_work():
    worker = WorkerFactory()
    assignments = AssignmentFactory.create_batch(3, worker=worker, task__input={"text": "Nice day"})
    return api_client_for(worker), assignments


@EXAMPLES
@given(body=bodies, which=st.integers(min_value=0, max_value=2))
def test_any_answer_to_the_worker_submit_is_taken_or_a_problem(open_work, body, which):
    api, assignments = open_work
    before = _written()

    response = api.client.post(
        f"/api/v1/worker/assignments/{assignments[which].public_id}/submit",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.secret}"},
    )

    _answer_is_clean(response, before)
