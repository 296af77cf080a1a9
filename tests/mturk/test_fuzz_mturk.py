"""Random and hostile signed requests to the MTurk door (hypothesis): every operation, bodies of
MTurk's parameter names with any JSON values (real ids among them), and bodies that are not JSON
at all. The answer is the operation's result or a 400 in MTurk's error shape with a message,
never a ServiceFault 500; a refused request writes nothing."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microwork.mturk.dispatch import SUPPORTED
from microwork.mturk.models import SeenSignature
from microwork.payments.models import LedgerEntry
from microwork.projects.models import Batch, Task
from microwork.quality.models import QualificationType
from microwork.work.models import Assignment
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import HIT, _submit
from tests.mturk.test_replay import _signed

pytestmark = pytest.mark.django_db
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PARAMETERS = [
    "HITId",
    "HITTypeId",
    "AssignmentId",
    "WorkerId",
    "QualificationTypeId",
    "QualificationRequestId",
    "Reward",
    "BonusAmount",
    "MaxAssignments",
    "NumberOfAdditionalAssignments",
    "LifetimeInSeconds",
    "AssignmentDurationInSeconds",
    "AutoApprovalDelayInSeconds",
    "ExpireAt",
    "Title",
    "Description",
    "Keywords",
    "Question",
    "RequesterFeedback",
    "Reason",
    "UniqueRequestToken",
    "NextToken",
    "MaxResults",
    "Status",
    "AssignmentStatuses",
    "QualificationRequirements",
    "IntegerValue",
    "SendNotification",
    "Name",
    "QualificationTypeStatus",
    "WorkerIds",
    "Subject",
    "MessageText",
    "Revert",
    "OverrideRejection",
]
HOSTILE_STRINGS = [
    "",
    "\x00",
    "\ud800",
    "-1",
    "1e309",
    "99999999999999999999999",
    "0.001",
    "<QuestionForm><?xml",
    '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    "x" * 5000,
    "2999-01-01T00:00:00Z",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(HOSTILE_STRINGS),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture
def door(requester, funded, access_key):
    """A requester with a HIT and a submitted assignment, so that ids in bodies can be real."""
    key, secret = access_key
    mturk = make_client(key.access_key_id, secret, django=Client())
    hit = mturk.create_hit(**HIT)["HIT"]
    assignment = _submit(hit["HITId"])
    real = [hit["HITId"], hit["HITTypeId"], assignment.public_id, assignment.worker.worker_id]
    return key, secret, real


def _written() -> tuple:
    return tuple(
        model.objects.count()
        for model in (Batch, Task, Assignment, LedgerEntry, QualificationType, SeenSignature)
    )


def _send(key, secret, operation: str, body) -> tuple[int, dict]:
    headers, data = _signed(key.access_key_id, secret, operation, body)
    response = Client().post(
        "/mturk/", data=data, content_type="application/x-amz-json-1.1", headers=headers
    )
    return response.status_code, json.loads(response.content)


@EXAMPLES
@given(data=st.data(), operation=st.sampled_from(sorted(SUPPORTED)))
def test_any_body_of_mturks_parameters_is_answered_or_refused_in_mturks_shape(
    door, data, operation
):
    key, secret, real = door
    values = st.one_of(json_values, st.sampled_from(real))
    body = data.draw(st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=6))
    before = _written()

    status, answer = _send(key, secret, operation, body)

    assert status in (200, 400), (status, answer)
    if status == 400:
        assert answer["__type"] and answer["Message"], answer
        assert answer["__type"] != "ServiceFault"
        assert _written() == before


@EXAMPLES
@given(
    raw=st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe", b"null", b"[]", b'"x"']),
    ),
    operation=st.sampled_from(["CreateHIT", "SendBonus", "ListHITs"]),
)
def test_a_body_that_is_not_a_json_object_is_a_request_error(door, raw, operation):
    key, secret, _real = door
    before = _written()

    status, answer = _send(key, secret, operation, raw)

    if status == 200:  # b"{}"-like bodies hypothesis may find: a valid call of a list
        assert operation == "ListHITs"
        return
    assert status == 400, (status, answer)
    assert answer["__type"] != "ServiceFault"
    assert answer["Message"]
    assert _written() == before
