"""A captured signed request sent again: refused when it changes something (a SendBonus
replayed inside the 15-minute window paid each time), taken when it only reads. Bodies too big
or nested too deep are refused in MTurk's error shape, never a ServiceFault."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.test import Client
from django.utils import timezone

from microwork.mturk import auth
from microwork.mturk.models import SeenSignature
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Bonus, LedgerEntry
from microwork.projects.models import Task
from microwork.work.models import Assignment
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import HIT, _submit
from tests.threads import run_in_threads

TARGET = "MTurkRequesterServiceV20170117."


def _signed(key_id: str, secret: str, operation: str, body: dict | bytes) -> tuple[dict, bytes]:
    """The headers and body of one request signed as botocore signs it, to send as often as
    a test likes."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = AWSRequest(
        method="POST",
        url="http://testserver/mturk/",
        data=data,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET + operation,
        },
    )
    signer = SigV4Auth(Credentials(key_id, secret), "mturk-requester", "us-east-1")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = stamp
    request.headers["X-Amz-Date"] = stamp
    request.headers["Host"] = "testserver"
    signature = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    signed = signer.signed_headers(signer.headers_to_sign(request))
    headers = dict(request.headers)
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{stamp[:8]}/us-east-1/mturk-requester/"
        f"aws4_request, SignedHeaders={signed}, Signature={signature}"
    )
    headers.pop("Content-Type")
    return headers, data


def _send(headers: dict, data: bytes):
    response = Client().post(
        "/mturk/", data=data, content_type="application/x-amz-json-1.1", headers=headers
    )
    return response.status_code, json.loads(response.content)


def _bonus_request(access_key, assignment: Assignment) -> tuple[dict, bytes]:
    key, secret = access_key
    return _signed(
        key.access_key_id,
        secret,
        "SendBonus",
        {
            "WorkerId": assignment.worker.worker_id,
            "BonusAmount": "1.00",
            "AssignmentId": assignment.public_id,
            "Reason": "thanks",
        },
    )


def _approved_work(access_key) -> Assignment:
    key, secret = access_key
    mturk = make_client(key.access_key_id, secret, django=Client())
    hit = mturk.create_hit(**HIT)["HIT"]
    assignment = _submit(hit["HITId"])
    mturk.approve_assignment(AssignmentId=assignment.public_id)
    return assignment


@pytest.mark.django_db
def test_a_replayed_send_bonus_is_refused_and_pays_once(funded, access_key):
    headers, data = _bonus_request(access_key, _approved_work(access_key))

    first = _send(headers, data)
    entries = LedgerEntry.objects.count()
    replays = [_send(headers, data) for _ in range(3)]

    assert first == (200, {})
    assert {status for status, _ in replays} == {400}
    assert {body["__type"] for _, body in replays} == {"ThrottlingException"}
    assert replays[0][1]["Message"].startswith("Rate exceeded: this signed request was already")
    assert Bonus.objects.count() == 1
    assert LedgerEntry.objects.count() == entries
    assert ledger_problems() == []


@pytest.mark.django_db
def test_a_default_client_gets_two_identical_hits_sent_within_one_second(access_key, funded):
    """The second call, signed like the first in the same second, is answered
    ThrottlingException; botocore retries it, signed again, and it goes through."""
    key, secret = access_key
    mturk = make_client(key.access_key_id, secret, django=Client(), nonce=False, retries=10)
    throttled = []
    mturk.meta.events.register(
        "needs-retry.mturk",
        lambda response, **_: throttled.append(response[1].get("Error", {}).get("Code")),
    )

    for _ in range(20):  # two calls within one second: boto3 signs both over the same second
        throttled.clear()
        hits = [mturk.create_hit(**HIT)["HIT"]["HITId"] for _ in range(2)]
        if "ThrottlingException" in throttled:
            break

    assert len(set(hits)) == 2
    assert Task.objects.filter(public_id__in=hits).count() == 2
    assert set(throttled) == {"ThrottlingException", None}  # refused, retried, then taken


@pytest.mark.django_db
def test_a_read_sent_again_is_answered_again(access_key, funded):
    key, secret = access_key
    headers, data = _signed(key.access_key_id, secret, "GetAccountBalance", {})

    answers = [_send(headers, data) for _ in range(2)]

    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1]
    assert SeenSignature.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_change_keeps_no_signature_so_a_retry_is_judged_afresh(access_key, funded):
    key, secret = access_key
    headers, data = _signed(
        key.access_key_id, secret, "ApproveAssignment", {"AssignmentId": "NOSUCHASSIGNMENT"}
    )

    answers = [_send(headers, data) for _ in range(2)]

    assert [body.get("TurkErrorCode") for _, body in answers] == [
        "AWS.MechanicalTurk.AssignmentDoesNotExist"
    ] * 2
    assert SeenSignature.objects.count() == 0


@pytest.mark.django_db
def test_signatures_are_forgotten_once_their_requests_would_have_expired(db):
    now = timezone.now()
    SeenSignature.objects.create(signature="a" * 64, seen_at=now - timedelta(minutes=31))
    SeenSignature.objects.create(signature="b" * 64, seen_at=now - timedelta(minutes=29))

    assert auth.seen_signatures_forget(now=now) == 1
    assert list(SeenSignature.objects.values_list("signature", flat=True)) == ["b" * 64]


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_request_error_not_a_fault(access_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    key, secret = access_key
    headers, data = _signed(key.access_key_id, secret, "CreateHIT", {"Title": "x" * 2000})

    status, body = _send(headers, data)

    assert status == 400
    assert body["__type"] == "RequestError"
    assert body["Message"].startswith("The request body is larger than 1000 bytes.")


@pytest.mark.django_db
def test_a_body_nested_too_deep_is_a_request_error_not_a_fault(access_key):
    key, secret = access_key
    headers, data = _signed(
        key.access_key_id,
        secret,
        "CreateHIT",
        b'{"Title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    )

    status, body = _send(headers, data)

    assert status == 400
    assert body["__type"] == "RequestError"
    assert body["Message"].startswith("The request body is nested too deeply.")


@pytest.mark.django_db
def test_a_nul_character_in_a_parameter_is_a_request_error_naming_it(access_key):
    """PostgreSQL stores no NUL in text: a HIT titled with one would have answered a fault."""
    from microwork.projects.models import Project

    key, secret = access_key
    before = Project.objects.count()
    headers, data = _signed(
        key.access_key_id,
        secret,
        "CreateHITType",
        b'{"Title": "Label\\u0000", "Description": "d", "Reward": "0.10", '
        b'"AssignmentDurationInSeconds": 600}',
    )

    status, body = _send(headers, data)

    assert status == 400
    assert body["__type"] == "RequestError"
    assert body["Message"].startswith("Title contains a NUL character (\\u0000), which is not")
    assert Project.objects.count() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_signed_bonus_sent_at_once_from_eight_threads_pays_once(
    requester, access_key, funded
):
    assignment = _approved_work(access_key)
    headers, data = _bonus_request(access_key, assignment)
    answers = []

    errors = run_in_threads(8, lambda _index: answers.append(_send(headers, data)))

    assert errors == []
    assert sorted(status for status, _ in answers) == [200] + [400] * 7
    assert Bonus.objects.filter(assignment=assignment).count() == 1
    assert ledger_problems() == []
