"""The REST API against its own OpenAPI schema (schemathesis, in-process through the WSGI
application): for every operation, generated requests with a requester's and a worker's token
over seeded data never get a 5xx, and every answer matches the schema.

Deterministic (hypothesis derandomized, a few examples per operation), so it runs in CI in
well under a minute.
"""

import pytest
import schemathesis
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from microwork.quality import services as quality
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.api.conftest import api_client_for
from tests.api.requester.conftest import deposit, make_batch, submit

app = get_wsgi_application()
# A batch upload's JSON Lines body is text, as its CSV body is.
schemathesis.serializer.alias("application/jsonl", "text/plain")
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)

EXAMPLES = 3
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """Schemathesis calls the WSGI application directly, not through Django's test client, so
    each request's start would close the test's connection (close_old_connections: it is not
    in autocommit), and on PostgreSQL break the test's transaction. The test client disconnects
    that handler the same way."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    """A requester with a published batch holding submissions, and a worker; their tokens."""
    owner = RequesterFactory()
    deposit(owner)
    batch = make_batch(owner, rows=3, slots=2)
    submitted = submit(batch, 3)
    qualification = quality.qualification_type_create(
        owner=owner, name="Careful", description="Careful workers"
    )
    return {
        "requester": api_client_for(owner).secret,
        "worker": api_client_for(WorkerFactory()).secret,
        # Path parameters name the seeded objects, so requests reach real rows, not 404s.
        "ids": {
            "project_id": batch.project.public_id,
            "batch_id": batch.pk,
            "assignment_id": submitted[0].public_id,
            "qualification_id": qualification.public_id,
            "worker_id": submitted[0].worker.worker_id,
        },
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("role", ["requester", "worker"])
def test_the_api_answers_as_its_schema_says_and_never_fails(case, role, tokens):
    for name in case.path_parameters or {}:
        if name in tokens["ids"]:
            case.path_parameters[name] = tokens["ids"][name]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[role]}"},
        checks=CHECKS,
    )
