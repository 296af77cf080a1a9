"""Workers' qualification requests through the REST API: listed per type, accepted with a
value or rejected with a reason, by the type's owner only."""

import pytest

from microwork.quality.enums import QualificationRequestState as State
from microwork.quality.models import QualificationRequest, WorkerQualification
from tests.api.conftest import assert_problem
from tests.quality.test_qualification_requests import submitted_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(callers):
    from tests.quality.test_qualification_requests import make_type

    qualification_type = make_type(owner=callers.owner, answer_key="")
    return submitted_request(callers.worker, qualification_type)


def test_the_owner_lists_and_accepts_a_request(callers, waiting):
    listed = callers.api.get(
        f"/api/v1/qualifications/{waiting.qualification_type.public_id}/requests"
    )

    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["id"], item["worker_id"], item["state"]) == (
        waiting.public_id,
        callers.worker.worker_id,
        "submitted",
    )
    assert item["answers"] == {"q1": "C", "q2": "X"}

    accepted = callers.api.post(
        f"/api/v1/qualification-requests/{waiting.public_id}/accept", {"value": 70}
    )

    assert accepted.status_code == 200
    assert (accepted.json()["state"], accepted.json()["value"]) == ("granted", 70)
    assert WorkerQualification.objects.get(worker=callers.worker).integer_value == 70
    again = callers.api.post(f"/api/v1/qualification-requests/{waiting.public_id}/reject", {})
    assert_problem(again, 409, "quality-refused")
    assert QualificationRequest.objects.get(pk=waiting.pk).state == State.GRANTED


def test_the_owner_rejects_a_request_with_a_reason(callers, waiting):
    rejected = callers.api.post(
        f"/api/v1/qualification-requests/{waiting.public_id}/reject", {"reason": "Too short."}
    )

    assert rejected.status_code == 200
    assert (rejected.json()["state"], rejected.json()["reason"]) == ("rejected", "Too short.")
    assert not WorkerQualification.objects.exists()


def test_others_get_404_and_change_nothing(callers, waiting):
    type_url = f"/api/v1/qualifications/{waiting.qualification_type.public_id}/requests"
    accept_url = f"/api/v1/qualification-requests/{waiting.public_id}/accept"

    assert_problem(callers.other_api.get(type_url), 404, "not-found")
    assert_problem(callers.other_api.post(accept_url, {"value": 5}), 404, "not-found")
    assert callers.worker_api.post(accept_url, {"value": 5}).status_code == 403
    assert callers.anonymous.post(accept_url, {"value": 5}).status_code == 401
    assert callers.read.post(accept_url, {"value": 5}).status_code == 403

    assert QualificationRequest.objects.get(pk=waiting.pk).state == State.SUBMITTED
    assert not WorkerQualification.objects.exists()
