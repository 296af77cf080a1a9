"""What real MTurk clients depend on (reference §8), driven with boto3: the full HIT and
assignment structures they index, every paginator walking to an empty last page, what the
server must validate because botocore does not, and the assignment state errors psiTurk,
Mephisto and Dallinger catch. On PostgreSQL each test also runs over HTTP (conftest)."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.test import Client

from microwork.fairness.settlement import settle_due
from microwork.mturk.models import RequestToken
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Bonus, Posting
from microwork.projects.models import Task
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.mturk.conftest import ENDPOINT, make_client
from tests.mturk.test_endpoint import HIT, QUESTION, _error
from tests.web.guard import forbid_writes

MTURK_ID = re.compile(r"^[A-Z0-9]{30}$")
WORKER_ID = re.compile(r"^A[A-Z0-9]+$")


def _claim(hit_id):
    worker = WorkerFactory()
    return work.assignment_claim(worker=worker, task=Task.objects.get(public_id=hit_id))


def _submit(hit_id, answer="yes"):
    assignment = _claim(hit_id)
    work.assignment_submit(
        assignment=assignment, fields={"answer": [answer]}, worker=assignment.worker
    )
    return assignment


def _hit_type(mturk, **extra):
    return mturk.create_hit_type(
        **{k: HIT[k] for k in ("AssignmentDurationInSeconds", "Reward", "Title", "Description")},
        **extra,
    )["HITTypeId"]


# --- structures --------------------------------------------------------------------------


def test_hit_has_every_field_clients_index(mturk, funded):
    requirement = {
        "QualificationTypeId": "000000000000000000L0",
        "Comparator": "GreaterThanOrEqualTo",
        "IntegerValues": [95],
        "RequiredToPreview": True,  # as Dallinger and the AWS sample send it
    }
    hit = mturk.create_hit(
        **HIT, RequesterAnnotation="batch-7", QualificationRequirements=[requirement]
    )["HIT"]

    assert MTURK_ID.match(hit["HITId"]) and MTURK_ID.match(hit["HITTypeId"])
    assert hit["HITGroupId"] == hit["HITTypeId"]  # Mephisto's and Dallinger's preview links
    assert isinstance(hit["CreationTime"], datetime) and isinstance(hit["Expiration"], datetime)
    assert (hit["Expiration"] - hit["CreationTime"]).total_seconds() == pytest.approx(3600, abs=1)
    assert {
        key: hit[key]
        for key in (
            "Title",
            "Description",
            "Keywords",
            "Question",
            "HITStatus",
            "MaxAssignments",
            "Reward",
            "AutoApprovalDelayInSeconds",
            "AssignmentDurationInSeconds",
            "RequesterAnnotation",
            "HITReviewStatus",
            "NumberOfAssignmentsPending",
            "NumberOfAssignmentsAvailable",
            "NumberOfAssignmentsCompleted",
        )
    } == {
        "Title": "Label a sentence",
        "Description": "Read one sentence",
        "Keywords": "text",
        "Question": QUESTION,
        "HITStatus": "Assignable",
        "MaxAssignments": 2,
        "Reward": "0.50",
        "AutoApprovalDelayInSeconds": 3600,
        "AssignmentDurationInSeconds": 120,
        "RequesterAnnotation": "batch-7",
        "HITReviewStatus": "NotReviewed",
        "NumberOfAssignmentsPending": 0,
        "NumberOfAssignmentsAvailable": 2,
        "NumberOfAssignmentsCompleted": 0,
    }
    (echoed,) = hit["QualificationRequirements"]
    assert {key: echoed[key] for key in requirement} == requirement


def test_hit_counters_keep_max_assignments_equal_to_their_sum(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 4})["HIT"]
    _claim(hit["HITId"])  # pending
    _submit(hit["HITId"])  # submitted, in no counter
    reviewed = _submit(hit["HITId"])
    mturk.approve_assignment(AssignmentId=reviewed.public_id)

    again = mturk.get_hit(HITId=hit["HITId"])["HIT"]

    assert (
        again["NumberOfAssignmentsAvailable"],
        again["NumberOfAssignmentsPending"],
        again["NumberOfAssignmentsCompleted"],
    ) == (1, 1, 1)
    assert again["HITStatus"] == "Assignable"


def test_assignment_has_the_fields_clients_read(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    done = _submit(hit["HITId"], "blue")
    mturk.approve_assignment(AssignmentId=done.public_id, RequesterFeedback="good")

    got = mturk.get_assignment(AssignmentId=done.public_id)
    assignment = got["Assignment"]

    assert got["HIT"]["HITId"] == hit["HITId"]
    assert MTURK_ID.match(assignment["AssignmentId"])
    assert WORKER_ID.match(assignment["WorkerId"])
    assert assignment["AssignmentStatus"] == "Approved"
    assert assignment["RequesterFeedback"] == "good"
    assert "RejectionTime" not in assignment
    for key in ("AcceptTime", "SubmitTime", "AutoApprovalTime", "ApprovalTime", "Deadline"):
        assert isinstance(assignment[key], datetime), key
    assert (assignment["Deadline"] - assignment["AcceptTime"]).total_seconds() == 120
    assert assignment["Answer"].startswith("<?xml")
    assert "<FreeText>blue</FreeText>" in assignment["Answer"]


# --- pagination --------------------------------------------------------------------------


def _three_hits(mturk):
    return {mturk.create_hit(**HIT)["HIT"]["HITId"] for _ in range(3)}


def _three_reviewable_hits(mturk):
    ids = _three_hits(mturk)
    for hit_id in ids:
        mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    return ids


def _three_qualification_types(mturk):
    return {
        mturk.create_qualification_type(
            Name=f"Trained {n}", Description="d", QualificationTypeStatus="Active"
        )["QualificationType"]["QualificationTypeId"]
        for n in range(3)
    }


def _qualification_type(mturk):
    return mturk.create_qualification_type(
        Name="Trained", Description="d", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]


def _three_hits_using_a_type(mturk):
    type_id = _qualification_type(mturk)
    requirement = [{"QualificationTypeId": type_id, "Comparator": "Exists"}]
    ids = {
        mturk.create_hit(**HIT, QualificationRequirements=requirement)["HIT"]["HITId"]
        for _ in range(3)
    }
    mturk.create_hit(**HIT)  # not using it: not listed
    return ids, {"QualificationTypeId": type_id}


def _three_grants(mturk):
    type_id = _qualification_type(mturk)
    workers = [WorkerFactory().worker_id for _ in range(3)]
    for worker_id in workers:
        mturk.associate_qualification_with_worker(
            QualificationTypeId=type_id, WorkerId=worker_id, SendNotification=False
        )
    return set(workers), {"QualificationTypeId": type_id}


def _three_blocks(mturk):
    workers = [WorkerFactory().worker_id for _ in range(3)]
    for worker_id in workers:
        mturk.create_worker_block(WorkerId=worker_id, Reason="spam")
    return set(workers)


def _three_bonuses(mturk):
    hit_id = mturk.create_hit(**HIT)["HIT"]["HITId"]
    done = _submit(hit_id)
    for n in range(3):
        mturk.send_bonus(
            WorkerId=done.worker.worker_id,
            BonusAmount=f"0.0{n + 1}",
            AssignmentId=done.public_id,
            Reason="thanks",
        )
    return {"0.01", "0.02", "0.03"}, {"HITId": hit_id}


def _three_assignments(mturk):
    hit_id = mturk.create_hit(**{**HIT, "MaxAssignments": 4})["HIT"]["HITId"]
    ids = {_submit(hit_id).public_id for _ in range(3)}
    _claim(hit_id)  # accepted, not submitted: never listed
    return ids, {"HITId": hit_id}


PAGINATORS = {
    # operation: (make 3 items -> (ids, arguments), result key, id of an item)
    "list_hits": (lambda m: (_three_hits(m), {}), "HITs", "HITId"),
    "list_reviewable_hits": (lambda m: (_three_reviewable_hits(m), {}), "HITs", "HITId"),
    "list_hits_for_qualification_type": (_three_hits_using_a_type, "HITs", "HITId"),
    "list_qualification_types": (
        lambda m: (
            _three_qualification_types(m),
            {"MustBeRequestable": True, "MustBeOwnedByCaller": True},
        ),
        "QualificationTypes",
        "QualificationTypeId",
    ),
    "list_workers_with_qualification_type": (_three_grants, "Qualifications", "WorkerId"),
    "list_worker_blocks": (lambda m: (_three_blocks(m), {}), "WorkerBlocks", "WorkerId"),
    "list_bonus_payments": (_three_bonuses, "BonusPayments", "BonusAmount"),
    "list_assignments_for_hit": (_three_assignments, "Assignments", "AssignmentId"),
}


@pytest.mark.parametrize("operation", sorted(PAGINATORS))
def test_every_paginator_ends_on_an_empty_page_without_a_token(mturk, funded, operation):
    make, result_key, id_key = PAGINATORS[operation]
    ids, arguments = make(mturk)

    pages = list(
        mturk.get_paginator(operation).paginate(**arguments, PaginationConfig={"PageSize": 2})
    )

    assert [page["NumResults"] for page in pages] == [2, 1, 0]
    assert [len(page[result_key]) for page in pages] == [2, 1, 0]
    assert all("NextToken" in page for page in pages[:2])
    assert "NextToken" not in pages[-1]
    assert pages[0]["NextToken"] != pages[1]["NextToken"]
    assert {item[id_key] for page in pages for item in page[result_key]} == ids


def test_mephistos_next_token_loop_ends(mturk, funded):
    ids = _three_hits(mturk)
    seen, calls = [], 0
    page = mturk.list_hits(MaxResults=100)
    while len(page["HITs"]) > 0:
        seen += [hit["HITId"] for hit in page["HITs"]]
        page = mturk.list_hits(MaxResults=100, NextToken=page["NextToken"])
        calls += 1

    assert (set(seen), calls, page["NumResults"]) == (ids, 1, 0)


def test_a_next_token_forged_or_of_another_listing_is_refused(mturk, funded):
    _three_hits(mturk)
    token = mturk.list_hits(MaxResults=1)["NextToken"]

    for call in (
        lambda: mturk.list_hits(MaxResults=1, NextToken="forged"),
        lambda: mturk.list_worker_blocks(NextToken=token),
    ):
        with pytest.raises(mturk.exceptions.RequestError):
            call()
    assert mturk.list_hits(MaxResults=1, NextToken=token)["NumResults"] == 1


# --- validation botocore leaves to the server --------------------------------------------


def _with_hit(mturk):
    return mturk.create_hit(**HIT)["HIT"]["HITId"]


REFUSED = {
    "unknown assignment status": lambda m: m.list_assignments_for_hit(
        HITId=_with_hit(m), AssignmentStatuses=["Accepted"]
    ),
    "title over 128": lambda m: m.create_hit(**{**HIT, "Title": "x" * 129}),
    "reward pattern": lambda m: m.create_hit(**{**HIT, "Reward": "0.505"}),
    "no question": lambda m: m.create_hit(**{k: v for k, v in HIT.items() if k != "Question"}),
    "review policy": lambda m: m.create_hit(
        **HIT, AssignmentReviewPolicy={"PolicyName": "ScoreMyKnownAnswers/2011-09-01"}
    ),
    "lifetime under 30 s": lambda m: m.create_hit(**{**HIT, "LifetimeInSeconds": 29}),
    # MTurk's own limit, 30 days, which is also MICROWORK_AUTO_APPROVAL_MAX_SECONDS's default.
    "auto-approval over 30 days": lambda m: m.create_hit(
        **{**HIT, "AutoApprovalDelayInSeconds": 30 * 24 * 3600 + 1}
    ),
    "max results over 100": lambda m: m.list_worker_blocks(MaxResults=101),
    "worker id pattern": lambda m: m.create_worker_block(WorkerId="bad-id", Reason="x"),
    "subject over 200": lambda m: m.notify_workers(
        Subject="x" * 201, MessageText="m", WorkerIds=[WorkerFactory().worker_id]
    ),
    "over 100 workers": lambda m: m.notify_workers(
        Subject="s", MessageText="m", WorkerIds=[f"A{n:012d}" for n in range(101)]
    ),
    "eleven requirements": lambda m: m.create_hit(
        **HIT,
        QualificationRequirements=[
            {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThan",
                "IntegerValues": [n],
            }
            for n in range(11)
        ],
    ),
    "unknown qualification type": lambda m: m.create_hit(
        **HIT,
        QualificationRequirements=[
            {"QualificationTypeId": "3NOSUCHTYPE00000000000000000000", "Comparator": "Exists"}
        ],
    ),
}


def test_auto_approval_up_to_30_days_and_a_lower_cap_refused_by_its_parameter(
    mturk, funded, settings
):
    month = mturk.create_hit(**{**HIT, "AutoApprovalDelayInSeconds": 30 * 24 * 3600})["HIT"]
    settings.MICROWORK_AUTO_APPROVAL_MAX_SECONDS = 3 * 24 * 3600  # an operator's shorter cap

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(**{**HIT, "AutoApprovalDelayInSeconds": 4 * 24 * 3600})

    assert month["AutoApprovalDelayInSeconds"] == 30 * 24 * 3600
    assert _error(excinfo)[2].startswith("AutoApprovalDelayInSeconds: At most 72 hours")
    assert Task.objects.count() == 1


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_server_refuses_what_botocore_does_not_check(mturk, funded, case):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        REFUSED[case](mturk)

    code, turk_code, message = _error(excinfo)
    assert code == "RequestError"
    assert turk_code.startswith("AWS.")
    assert re.search(r" \(\d{13}\)$", message)  # MTurk's " (<epoch millis>)" suffix
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Only the HIT a case made to refer to exists; the refused call added nothing.
    assert Task.objects.count() == (1 if case == "unknown assignment status" else 0)


# --- assignment states clients catch ------------------------------------------------------


def test_an_accepted_assignment_is_invisible_to_the_api(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    accepted = _claim(hit["HITId"])

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.get_assignment(AssignmentId=accepted.public_id)

    assert f"Assignment {accepted.public_id} does not exist." in _error(excinfo)[2]  # Dallinger
    assert mturk.list_assignments_for_hit(HITId=hit["HITId"])["NumResults"] == 0
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.approve_assignment(AssignmentId=accepted.public_id)
    assert Assignment.objects.get(pk=accepted.pk).state == "accepted"


def test_auto_approved_work_reads_approved_before_the_sweep_without_writing(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "AutoApprovalDelayInSeconds": 0})["HIT"]
    done = _submit(hit["HITId"])
    postings = Posting.objects.count()

    with forbid_writes():
        listed = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
        got = mturk.get_assignment(AssignmentId=done.public_id)
        approved = mturk.list_assignments_for_hit(
            HITId=hit["HITId"], AssignmentStatuses=["Approved"]
        )["Assignments"]
        submitted = mturk.list_assignments_for_hit(
            HITId=hit["HITId"], AssignmentStatuses=["Submitted"]
        )["Assignments"]
        balance = mturk.get_account_balance()

    assert [a["AssignmentStatus"] for a in listed] == ["Approved"]
    shown = got["Assignment"]
    assert shown["AssignmentStatus"] == "Approved"
    assert shown["ApprovalTime"] == shown["AutoApprovalTime"]
    assert got["HIT"]["NumberOfAssignmentsCompleted"] == 1
    assert [a["AssignmentId"] for a in approved] == [done.public_id]
    assert submitted == []
    # As once settled: 1000 - 2 x 0.60 held, 0.60 of it due to the worker.
    assert (balance["AvailableBalance"], balance["OnHoldBalance"]) == ("998.80", "0.60")
    assert Assignment.objects.get(pk=done.pk).state == "submitted"
    assert Posting.objects.count() == postings


def test_every_read_operation_shows_what_is_due_and_writes_nothing(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "AutoApprovalDelayInSeconds": 0})["HIT"]
    done = _submit(hit["HITId"])  # past its AutoApprovalTime at once
    overdue = _claim(hit["HITId"])
    Assignment.objects.filter(pk=overdue.pk).update(deadline=overdue.accepted_at)
    mturk.send_bonus(
        WorkerId=done.worker.worker_id,
        BonusAmount="0.10",
        AssignmentId=done.public_id,
        Reason="thanks",
        UniqueRequestToken="bonus",
    )
    type_id = mturk.create_qualification_type(
        Name="Trained", Description="Passed training", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    worker_id = done.worker.worker_id
    mturk.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=worker_id, IntegerValue=7, SendNotification=False
    )
    mturk.create_worker_block(WorkerId=overdue.worker.worker_id, Reason="spam")
    hit_id = hit["HITId"]

    with forbid_writes():
        got = mturk.get_hit(HITId=hit_id)["HIT"]
        listed = mturk.list_hits()["HITs"]
        reviewable = mturk.list_reviewable_hits()["HITs"]
        assignments = mturk.list_assignments_for_hit(HITId=hit_id)["Assignments"]
        assignment = mturk.get_assignment(AssignmentId=done.public_id)["Assignment"]
        bonuses = mturk.list_bonus_payments(HITId=hit_id)["BonusPayments"]
        balance = mturk.get_account_balance()
        mturk.get_qualification_type(QualificationTypeId=type_id)
        mturk.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
        mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker_id)
        mturk.list_workers_with_qualification_type(QualificationTypeId=type_id)
        mturk.list_hits_for_qualification_type(QualificationTypeId=type_id)
        blocks = mturk.list_worker_blocks()["WorkerBlocks"]

    # The overdue assignment no longer pends; the submission past its AutoApprovalTime is
    # completed, Approved at that time.
    counters = ("NumberOfAssignmentsPending", "NumberOfAssignmentsCompleted")
    assert [got[key] for key in counters] == [0, 1]
    assert [[hit_[key] for key in counters] for hit_ in listed] == [[0, 1]]
    assert got["HITStatus"] == "Assignable"  # the overdue slot is free again
    assert reviewable == []
    assert [a["AssignmentStatus"] for a in assignments] == ["Approved"]
    assert assignment["ApprovalTime"] == assignment["AutoApprovalTime"]
    assert [b["BonusAmount"] for b in bonuses] == ["0.10"]
    # 1000 - 2 x 0.60 held - 0.10 bonus and 0.02 fee; settled: the approval's 0.60 paid and the
    # overdue slot's 0.60 still held (the HIT is live).
    assert (balance["AvailableBalance"], balance["OnHoldBalance"]) == ("998.68", "0.60")
    assert len(blocks) == 1
    states = dict(Assignment.objects.values_list("pk", "state"))
    assert states == {done.pk: "submitted", overdue.pk: "accepted"}


def test_auto_approved_work_refuses_approve_and_reject_as_mturk_does(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "AutoApprovalDelayInSeconds": 0})["HIT"]
    done = _submit(hit["HITId"])

    assert settle_due().auto_approved == 1
    assert settle_due().auto_approved == 0

    listed = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [a["AssignmentStatus"] for a in listed] == ["Approved"]
    for call in (
        lambda: mturk.approve_assignment(AssignmentId=done.public_id, OverrideRejection=True),
        lambda: mturk.reject_assignment(AssignmentId=done.public_id, RequesterFeedback="late"),
    ):
        with pytest.raises(mturk.exceptions.RequestError) as excinfo:
            call()
        code, turk_code, message = _error(excinfo)
        assert turk_code == "AWS.MechanicalTurk.InvalidAssignmentState"
        assert message.startswith("This operation can be called with a status of: Submitted")
    # Paid once: 1000 - 2 x 0.60 held + 0.60 of it paid.
    balance = mturk.get_account_balance()
    assert (balance["AvailableBalance"], balance["OnHoldBalance"]) == ("998.80", "0.60")
    assert Posting.objects.filter(kind="reward", assignment=done).count() == 1
    assert ledger_problems() == []


def test_a_rejection_cannot_be_overridden_once_the_hit_is_deleted(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 1})["HIT"]
    done = _submit(hit["HITId"])
    mturk.reject_assignment(AssignmentId=done.public_id, RequesterFeedback="wrong")
    mturk.delete_hit(HITId=hit["HITId"])

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.approve_assignment(AssignmentId=done.public_id, OverrideRejection=True)

    assert _error(excinfo)[1] == "AWS.MechanicalTurk.InvalidAssignmentState"
    assert Assignment.objects.get(pk=done.pk).state == "rejected"
    assert mturk.get_account_balance()["AvailableBalance"] == "1000.00"
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Disposed"


def test_delete_hit_with_unreviewed_work_is_refused(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    _submit(hit["HITId"])
    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.delete_hit(HITId=hit["HITId"])

    assert _error(excinfo)[1] == "AWS.MechanicalTurk.InvalidHITState"
    allowed = "This operation can be called with a status of: Reviewing, Reviewable"
    assert allowed in _error(excinfo)[2]
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"


def test_bonus_to_another_worker_or_without_a_hit_is_refused(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    done = _submit(hit["HITId"])
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.send_bonus(
            WorkerId=WorkerFactory().worker_id,
            BonusAmount="1.00",
            AssignmentId=done.public_id,
            Reason="thanks",
        )
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.list_bonus_payments()
    assert "Either the HITId parameter or the AssignmentId parameter" in _error(excinfo)[2]
    assert not Bonus.objects.exists()


def test_unique_request_token_refuses_a_second_hit_of_a_hit_type(mturk, funded):
    hit_type = _hit_type(mturk)
    first = mturk.create_hit_with_hit_type(
        HITTypeId=hit_type, LifetimeInSeconds=600, Question=QUESTION, UniqueRequestToken="dal-1"
    )["HIT"]

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit_with_hit_type(
            HITTypeId=hit_type,
            LifetimeInSeconds=600,
            Question=QUESTION,
            UniqueRequestToken="dal-1",
        )

    assert _error(excinfo)[1] == "AWS.MechanicalTurk.HitAlreadyExists"
    assert first["HITId"] in _error(excinfo)[2]
    assert Task.objects.count() == 1
    assert RequestToken.objects.count() == 1


# --- the endpoint itself ------------------------------------------------------------------


def _signed(
    access_key, target: str, body: bytes = b"{}", *, when=None, sent_body=None, service=None
):
    """POST `body` signed as botocore signs it (at `when`), then send `sent_body` instead if
    given, as a proxy that altered it would."""
    key, secret = access_key
    request = AWSRequest(
        method="POST",
        url="http://testserver/mturk/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
    )
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = stamp
    request.headers["X-Amz-Date"] = stamp
    request.headers["Host"] = "testserver"
    service = service or "mturk-requester"
    signer = SigV4Auth(Credentials(key.access_key_id, secret), service, "us-east-1")
    signature = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    headers = dict(request.headers)
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key.access_key_id}/{stamp[:8]}/us-east-1/"
        f"{service}/aws4_request, "
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, "
        f"Signature={signature}"
    )
    headers.pop("Content-Type")
    return Client().post(
        "/mturk/",
        data=body if sent_body is None else sent_body,
        content_type="application/x-amz-json-1.1",
        headers=headers,
    )


@pytest.mark.parametrize(
    ("target", "body", "error_type"),
    [
        ("MTurkRequesterServiceV20170117.NoSuchOperation", b"{}", "UnknownOperationException"),
        ("SomeOtherService.GetAccountBalance", b"{}", "UnknownOperationException"),
        ("MTurkRequesterServiceV20170117.GetAccountBalance", b"not json", "RequestError"),
        ("MTurkRequesterServiceV20170117.GetAccountBalance", b"[1]", "RequestError"),
    ],
)
def test_endpoint_refuses_unknown_targets_and_bodies(access_key, target, body, error_type):
    response = _signed(access_key, target, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/x-amz-json-1.1"
    assert response["x-amzn-RequestId"]
    assert json.loads(response.content)["__type"] == error_type


BALANCE = "MTurkRequesterServiceV20170117.GetAccountBalance"


@pytest.mark.parametrize(
    ("case", "error_type"),
    [
        ("clock 16 minutes ahead", "InvalidSignatureException"),
        ("body altered after signing", "InvalidSignatureException"),
        ("signed for another service", "InvalidSignatureException"),
    ],
)
def test_endpoint_refuses_signatures_that_do_not_hold(access_key, case, error_type):
    if case == "clock 16 minutes ahead":
        response = _signed(access_key, BALANCE, when=datetime.now(UTC) + timedelta(minutes=16))
    elif case == "body altered after signing":
        response = _signed(access_key, BALANCE, body=b"{}", sent_body=b'{"x": 1}')
    else:
        response = _signed(access_key, BALANCE, service="sqs")

    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == error_type


def test_endpoint_refuses_a_malformed_authorization_header(db):
    response = Client().post(
        "/mturk/",
        data=b"{}",
        content_type="application/x-amz-json-1.1",
        headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA", "X-Amz-Target": BALANCE},
    )

    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "IncompleteSignatureException"


def test_boto3_sees_a_wrong_secret_and_a_deactivated_account_as_bad_credentials(
    access_key, requester
):
    """psiTurk and Dallinger call GetAccountBalance to check the keys: any error means bad."""
    key, secret = access_key
    other_secret = secret[:-1] + ("y" if secret.endswith("x") else "x")
    wrong = make_client(key.access_key_id, other_secret, endpoint=ENDPOINT, django=Client())
    with pytest.raises(wrong.exceptions.ClientError) as excinfo:
        wrong.get_account_balance()
    assert excinfo.value.response["Error"]["Code"] == "InvalidSignatureException"

    requester.is_active = False
    requester.save(update_fields=["is_active"])
    right = make_client(key.access_key_id, secret, endpoint=ENDPOINT, django=Client())
    with pytest.raises(right.exceptions.ClientError) as excinfo:
        right.get_account_balance()
    assert excinfo.value.response["Error"]["Code"] == "UnrecognizedClientException"
