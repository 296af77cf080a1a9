"""The MTurk endpoint driven by boto3 itself (through Django's test Client, see conftest)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.core.management import call_command
from django.test import Client

from microwork.accounts.services import worker_profile_update
from microwork.mturk import services
from microwork.mturk.models import RequesterAccessKey, RequestToken
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Bonus, LedgerEntry
from microwork.projects.models import Task
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.mturk.conftest import make_client
from tests.payments.factories import fund

QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<html><body><form id="mturk_form" '
    'method="post" action="https://www.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" name="assignmentId" id="assignmentId" value="">'
    '<input name="answer"></form></body></html>]]></HTMLContent>'
    "<FrameHeight>450</FrameHeight></HTMLQuestion>"
)
HIT = {
    "MaxAssignments": 2,
    "LifetimeInSeconds": 3600,
    "AssignmentDurationInSeconds": 120,  # 0.50 for 2 minutes meets the pay floor
    "AutoApprovalDelayInSeconds": 3600,
    "Reward": "0.50",
    "Title": "Label a sentence",
    "Description": "Read one sentence",
    "Keywords": "text",
    "Question": QUESTION,
}


def _error(excinfo):
    response = excinfo.value.response
    return response["Error"]["Code"], response.get("TurkErrorCode"), response["Error"]["Message"]


def _submit(hit_id, answer="yes"):
    worker = WorkerFactory()
    task = Task.objects.get(public_id=hit_id)
    assignment = work.assignment_claim(worker=worker, task=task)
    work.assignment_submit(assignment=assignment, fields={"answer": [answer]}, worker=worker)
    return assignment


def test_get_account_balance_reports_available_funds(mturk, funded):
    assert mturk.get_account_balance()["AvailableBalance"] == "1000.00"


def test_create_hit_reserves_escrow_and_returns_the_hit(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]

    assert hit["HITStatus"] == "Assignable"
    assert hit["MaxAssignments"] == 2
    assert hit["Reward"] == "0.50"
    assert hit["QualificationRequirements"] == []
    assert hit["NumberOfAssignmentsAvailable"] == 2
    balance = mturk.get_account_balance()
    assert (balance["AvailableBalance"], balance["OnHoldBalance"]) == ("998.80", "1.20")
    assert ledger_problems() == []


def test_create_hit_refused_for_insufficient_funds_changes_nothing(mturk, requester):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(**HIT)

    code, turk_code, _message = _error(excinfo)
    assert (code, turk_code) == ("RequestError", "AWS.MechanicalTurk.InsufficientFunds")
    assert not Task.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_create_hit_refuses_bad_xml_and_bad_reward(mturk, funded):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(**{**HIT, "Question": "<HTMLQuestion>"})
    assert _error(excinfo)[1] == "AWS.MechanicalTurk.XMLParseError"
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(**{**HIT, "Reward": "$0.50"})
    assert _error(excinfo)[1] == "AWS.ParameterOutOfRange"
    assert not Task.objects.exists()


def test_create_hit_type_returns_the_same_id_for_the_same_values(mturk, funded):
    values = {
        key: HIT[key] for key in ("AssignmentDurationInSeconds", "Reward", "Title", "Description")
    }
    first = mturk.create_hit_type(**values)["HITTypeId"]

    assert mturk.create_hit_type(**values)["HITTypeId"] == first
    assert mturk.create_hit_type(**{**values, "Title": "Other"})["HITTypeId"] != first
    hit = mturk.create_hit_with_hit_type(
        HITTypeId=first, LifetimeInSeconds=600, MaxAssignments=1, Question=QUESTION
    )["HIT"]
    assert hit["HITTypeId"] == first


def test_create_hit_with_unknown_hit_type_is_refused(mturk, funded):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit_with_hit_type(
            HITTypeId="NOSUCHTYPE", LifetimeInSeconds=600, Question=QUESTION
        )
    assert _error(excinfo)[1] == "AWS.MechanicalTurk.HITTypeDoesNotExist"


def test_unique_request_token_refuses_a_second_hit(mturk, funded):
    hit = mturk.create_hit(**HIT, UniqueRequestToken="tok-1")["HIT"]

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(**HIT, UniqueRequestToken="tok-1")

    code, turk_code, message = _error(excinfo)
    assert turk_code == "AWS.MechanicalTurk.HitAlreadyExists"
    assert hit["HITId"] in message
    assert Task.objects.count() == 1


def test_unique_request_token_expires_after_24_hours(mturk, funded):
    mturk.create_hit(**HIT, UniqueRequestToken="tok-2")
    RequestToken.objects.update(created_at=datetime.now(UTC) - timedelta(hours=25))

    mturk.create_hit(**HIT, UniqueRequestToken="tok-2")

    assert Task.objects.count() == 2


def test_get_hit_of_another_requester_does_not_exist(mturk, funded):
    other = RequesterFactory()
    fund(other, 10_000)
    key, secret = services.access_key_create(requester=other)
    theirs = make_client(key.access_key_id, secret, django=Client()).create_hit(**HIT)["HIT"]

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.get_hit(HITId=theirs["HITId"])

    assert _error(excinfo)[1] == "AWS.MechanicalTurk.HITDoesNotExist"
    assert f"Hit {theirs['HITId']} does not exist." in _error(excinfo)[2]


def test_list_hits_paginates_with_boto3s_paginator(mturk, funded):
    ids = {mturk.create_hit(**HIT)["HIT"]["HITId"] for _ in range(5)}

    pages = list(mturk.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 2}))

    assert [page["NumResults"] for page in pages] == [2, 2, 1, 0]
    assert "NextToken" not in pages[-1]
    assert {hit["HITId"] for page in pages for hit in page["HITs"]} == ids


def test_list_hits_refuses_max_results_over_100(mturk, funded):
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.list_hits(MaxResults=101)


def test_round_trip_approve_reject_bonus(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    first, second = _submit(hit["HITId"], "yes"), _submit(hit["HITId"], "no")

    listed = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert {a["AssignmentStatus"] for a in listed} == {"Submitted"}
    answer = mturk.get_assignment(AssignmentId=first.public_id)["Assignment"]["Answer"]
    assert "<QuestionIdentifier>answer</QuestionIdentifier><FreeText>yes</FreeText>" in answer

    mturk.approve_assignment(AssignmentId=first.public_id, RequesterFeedback="good")
    mturk.reject_assignment(AssignmentId=second.public_id, RequesterFeedback="")
    mturk.send_bonus(
        WorkerId=first.worker.worker_id,
        BonusAmount="1.00",
        AssignmentId=first.public_id,
        Reason="thanks",
        UniqueRequestToken="bonus-1",
    )
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.send_bonus(
            WorkerId=first.worker.worker_id,
            BonusAmount="1.00",
            AssignmentId=first.public_id,
            Reason="thanks",
            UniqueRequestToken="bonus-1",
        )
    assert Bonus.objects.count() == 1
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.approve_assignment(AssignmentId=first.public_id)
    assert "This operation can be called with a status of: Submitted" in _error(excinfo)[2]
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.approve_assignment(AssignmentId=second.public_id)
    mturk.approve_assignment(AssignmentId=second.public_id, OverrideRejection=True)

    bonuses = mturk.list_bonus_payments(HITId=hit["HITId"])["BonusPayments"]
    assert [b["BonusAmount"] for b in bonuses] == ["1.00"]
    statuses = [
        a["AssignmentStatus"]
        for a in mturk.list_assignments_for_hit(
            HITId=hit["HITId"], AssignmentStatuses=["Approved"]
        )["Assignments"]
    ]
    assert statuses == ["Approved", "Approved"]
    # 1000 - 2 x (0.50 + 0.10) - bonus 1.00 - fee 0.20
    assert mturk.get_account_balance()["AvailableBalance"] == "997.60"
    assert ledger_problems() == []


def test_expire_then_delete_hit(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.delete_hit(HITId=hit["HITId"])
    assert "currently in the state 'Assignable'" in _error(excinfo)[2]

    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    assert mturk.list_reviewable_hits()["NumResults"] == 1
    mturk.update_hit_review_status(HITId=hit["HITId"])
    assert mturk.list_reviewable_hits(Status="Reviewing")["NumResults"] == 1
    mturk.delete_hit(HITId=hit["HITId"])

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.delete_hit(HITId=hit["HITId"])
    assert "currently in the state 'Disposed'" in _error(excinfo)[2]
    # One state for a deleted HIT: GetHIT says Disposed too; nothing else finds it.
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Disposed"
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    assert _error(excinfo)[1] == "AWS.MechanicalTurk.HITDoesNotExist"
    assert mturk.list_hits()["NumResults"] == 0
    assert mturk.get_account_balance()["AvailableBalance"] == "1000.00"
    assert ledger_problems() == []


def test_extend_and_add_assignments(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    mturk.update_expiration_for_hit(
        HITId=hit["HITId"], ExpireAt=datetime.now(UTC) + timedelta(hours=2)
    )
    mturk.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=3, UniqueRequestToken="more"
    )
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=3, UniqueRequestToken="more"
        )

    again = mturk.get_hit(HITId=hit["HITId"])["HIT"]
    assert (again["HITStatus"], again["MaxAssignments"]) == ("Assignable", 5)
    assert mturk.get_account_balance()["OnHoldBalance"] == "3.00"
    assert ledger_problems() == []


def test_qualification_types_and_grants(mturk, funded):
    made = mturk.create_qualification_type(
        Name="Trained", Description="Passed training", QualificationTypeStatus="Active"
    )["QualificationType"]
    assert made["IsRequestable"] is True
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_qualification_type(
            Name="Trained", Description="again", QualificationTypeStatus="Active"
        )
    assert _error(excinfo)[2].startswith(
        "You have already created a QualificationType with this name."
    )
    type_id = made["QualificationTypeId"]
    worker = WorkerFactory()

    mturk.associate_qualification_with_worker(
        QualificationTypeId=type_id,
        WorkerId=worker.worker_id,
        IntegerValue=7,
        SendNotification=False,
    )
    assert (
        mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)[
            "Qualification"
        ]["IntegerValue"]
        == 7
    )
    listed = mturk.list_workers_with_qualification_type(QualificationTypeId=type_id)
    assert [q["WorkerId"] for q in listed["Qualifications"]] == [worker.worker_id]
    mturk.disassociate_qualification_from_worker(
        QualificationTypeId=type_id, WorkerId=worker.worker_id, Reason="retrain"
    )
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)
    assert "operation can be called with a status of: Granted" in _error(excinfo)[2]
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId="ANOBODY")
    assert "does not exist" in _error(excinfo)[2]

    found = mturk.list_qualification_types(MustBeRequestable=True, Query="train")
    assert [q["QualificationTypeId"] for q in found["QualificationTypes"]] == [type_id]
    mturk.update_qualification_type(QualificationTypeId=type_id, Description="New")
    assert (
        mturk.get_qualification_type(QualificationTypeId=type_id)["QualificationType"][
            "Description"
        ]
        == "New"
    )
    hit = mturk.create_hit(
        **HIT,
        QualificationRequirements=[
            {"QualificationTypeId": type_id, "Comparator": "Exists"},
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "In",
                "LocaleValues": [{"Country": "US"}],
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            },
        ],
    )["HIT"]
    assert (
        mturk.list_hits_for_qualification_type(QualificationTypeId=type_id, MaxResults=10)["HITs"][
            0
        ]["HITId"]
        == hit["HITId"]
    )
    mturk.delete_qualification_type(QualificationTypeId=type_id)
    assert (
        mturk.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True)[
            "NumResults"
        ]
        == 0
    )


def test_requirements_are_enforced_on_workers(mturk, funded):
    hit = mturk.create_hit(
        **HIT,
        QualificationRequirements=[
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "EqualTo",
                "LocaleValues": [{"Country": "US"}],
            },
        ],
    )["HIT"]
    worker = WorkerFactory()
    task = Task.objects.get(public_id=hit["HITId"])
    with pytest.raises(work.NoTaskAvailable):
        work.assignment_claim(worker=worker, task=task)
    worker_profile_update(worker=worker, country="US", is_adult=True)
    assert work.assignment_claim(worker=worker, task=task).task == task


def test_worker_blocks(mturk, funded):
    worker = WorkerFactory()
    mturk.create_worker_block(WorkerId=worker.worker_id, Reason="spam")
    assert mturk.list_worker_blocks()["WorkerBlocks"] == [
        {"WorkerId": worker.worker_id, "Reason": "spam"}
    ]
    mturk.delete_worker_block(WorkerId=worker.worker_id)
    mturk.delete_worker_block(WorkerId=worker.worker_id)  # not blocked: still fine
    assert mturk.list_worker_blocks()["NumResults"] == 0
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.create_worker_block(WorkerId="ANOBODY", Reason="x")


def test_notify_workers_reports_workers_never_reviewed(
    mturk, funded, mailoutbox, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    hit = mturk.create_hit(**HIT)["HIT"]
    assignment = _submit(hit["HITId"])
    mturk.approve_assignment(AssignmentId=assignment.public_id)
    stranger = WorkerFactory()

    # The message is a notification, mailed by the job queue after the commit.
    HUEY.immediate = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = mturk.notify_workers(
                Subject="Hello",
                MessageText="More work soon",
                WorkerIds=[assignment.worker.worker_id, stranger.worker_id],
            )
    finally:
        HUEY.immediate = False

    assert [f["WorkerId"] for f in result["NotifyWorkersFailureStatuses"]] == [stranger.worker_id]
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        ([assignment.worker.email], "[microwork] Hello")
    ]


def test_a_hit_layout_is_refused_clearly(mturk, funded):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(**HIT, HITLayoutId="LAYOUT")
    assert _error(excinfo)[1] == "AWS.MechanicalTurk.UnsupportedOperation"
    assert "HITLayoutId is not supported" in _error(excinfo)[2]
    assert not Task.objects.exists()


# --- signatures ----------------------------------------------------------------------------


def _signed_post(key_id, secret, *, body=b"{}", when=None, tamper=False):
    request = AWSRequest(
        method="POST",
        url="http://testserver/mturk/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
        },
    )
    # Sign as botocore does, at a chosen time: its lower-level steps, not add_auth (which
    # stamps the current time).
    signer = SigV4Auth(Credentials(key_id, secret), "mturk-requester", "eu-west-3")
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = stamp
    request.headers["X-Amz-Date"] = stamp
    request.headers["Host"] = "testserver"
    signature = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    if tamper:
        signature = signature[:-4] + "0000"
    signed = signer.signed_headers(signer.headers_to_sign(request))
    headers = dict(request.headers)
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{stamp[:8]}/eu-west-3/mturk-requester/"
        f"aws4_request, SignedHeaders={signed}, Signature={signature}"
    )
    headers.pop("Content-Type")
    return Client().post(
        "/mturk/",
        data=body,
        content_type="application/x-amz-json-1.1",
        headers=headers,
    )


def test_sigv4_accepts_any_region(access_key):
    key, secret = access_key
    response = _signed_post(key.access_key_id, secret)
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    ("case", "error_type"),
    [
        ("bad_signature", "InvalidSignatureException"),
        ("unknown_key", "UnrecognizedClientException"),
        ("revoked_key", "UnrecognizedClientException"),
        ("skew", "InvalidSignatureException"),
    ],
)
def test_sigv4_refusals(access_key, case, error_type):
    key, secret = access_key
    key_id, when, tamper = key.access_key_id, None, False
    if case == "bad_signature":
        tamper = True
    elif case == "unknown_key":
        key_id = "AKIANOSUCHKEY0000000"
    elif case == "revoked_key":
        services.access_key_revoke(key=key)
    elif case == "skew":
        when = datetime.now(UTC) - timedelta(minutes=16)

    response = _signed_post(key_id, secret, when=when, tamper=tamper)

    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == error_type


def test_request_without_signature_is_refused(db):
    response = Client().post("/mturk/", data=b"{}", content_type="application/x-amz-json-1.1")
    assert json.loads(response.content)["__type"] == "MissingAuthenticationTokenException"


def test_secret_is_stored_encrypted(access_key):
    key, secret = access_key
    assert secret not in RequesterAccessKey.objects.get(pk=key.pk).secret_encrypted


def test_mturk_keys_command_prints_the_key_once(requester, capsys):
    call_command("mturk-keys", "create", "--requester", requester.email)
    out = capsys.readouterr().out
    key = RequesterAccessKey.objects.get(requester=requester)
    assert f"aws_access_key_id = {key.access_key_id}" in out
    assert "aws_secret_access_key = " in out


def test_key_page_creates_and_revokes(requester, worker):
    client = Client()
    client.force_login(requester)
    page = client.post("/mturk/keys/", {"label": "psiturk"})
    key = RequesterAccessKey.objects.get(requester=requester)
    assert key.access_key_id in page.content.decode()
    client.post(f"/mturk/keys/{key.access_key_id}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None
    other = Client()
    other.force_login(worker)
    assert other.get("/mturk/keys/").status_code == 403


def test_external_submit_takes_the_answer_with_the_token(mturk, funded):
    from microwork.work.frame import frame_token

    hit = mturk.create_hit(**HIT)["HIT"]
    worker = WorkerFactory()
    assignment = work.assignment_claim(worker=worker, task=Task.objects.get(public_id=hit["HITId"]))
    refused = Client().post(
        "/mturk/externalSubmit", {"assignmentId": assignment.public_id, "answer": "x"}
    )
    assert refused.status_code == 403
    token = frame_token(assignment.public_id)
    done = Client().post(
        f"/mturk/t/{token}/mturk/externalSubmit",
        {"assignmentId": assignment.public_id, "answer": "blue"},
    )
    assert done.status_code == 200
    assert Assignment.objects.get(pk=assignment.pk).answers == {"answer": "blue"}
