"""Qualification tests and requests through boto3: a type with a Test and an AnswerKey scores a
worker's answers itself; one without a key yields requests that ListQualificationRequests
shows and Accept/RejectQualificationRequest decide. MTurk's system types are fetched and
listed by their ids."""

import botocore.exceptions
import pytest

from microwork.quality import qualification_requests as requests
from microwork.quality.enums import QualificationRequestState as State
from microwork.quality.models import QualificationRequest, QualificationType, WorkerQualification
from tests.accounts.factories import WorkerFactory
from tests.mturk.test_endpoint import HIT
from tests.quality.test_qualification_requests import submitted_request
from tests.quality.test_qualification_tests import (
    answer_key,
    key_question,
    question_form,
    selection,
)

pytestmark = pytest.mark.django_db

TEST = question_form(selection("q1", "ABC"))
KEY = answer_key(
    key_question("q1", [("B", 10)], default=2),
    mapping="<PercentageMapping><MaximumSummedScore>10</MaximumSummedScore></PercentageMapping>",
)


def _error(excinfo):
    response = excinfo.value.response
    return response["Error"]["Code"], response.get("TurkErrorCode"), response["Error"]["Message"]


def _create(mturk, **members):
    return mturk.create_qualification_type(
        Name="Reader",
        Description="Reads English.",
        QualificationTypeStatus="Active",
        Test=TEST,
        TestDurationInSeconds=300,
        **members,
    )["QualificationType"]


def _take(type_id, worker, answers):
    qualification_type = QualificationType.objects.get(public_id=type_id)
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    return requests.qualification_request_submit(request=request, worker=worker, answers=answers)


def test_a_test_with_an_answer_key_is_scored_and_never_listed_as_a_request(mturk, requester):
    created = _create(mturk, AnswerKey=KEY, RetryDelayInSeconds=60)
    assert created["Test"] == TEST
    assert created["AnswerKey"] == KEY
    assert created["TestDurationInSeconds"] == 300
    worker, other = WorkerFactory(), WorkerFactory()

    _take(created["QualificationTypeId"], worker, {"q1": "B"})
    _take(created["QualificationTypeId"], other, {"q1": "A"})

    scores = {
        worker.worker_id: mturk.get_qualification_score(
            QualificationTypeId=created["QualificationTypeId"], WorkerId=worker.worker_id
        )["Qualification"]["IntegerValue"],
        other.worker_id: mturk.get_qualification_score(
            QualificationTypeId=created["QualificationTypeId"], WorkerId=other.worker_id
        )["Qualification"]["IntegerValue"],
    }
    assert scores == {worker.worker_id: 100, other.worker_id: 20}
    listed = mturk.list_qualification_requests(QualificationTypeId=created["QualificationTypeId"])
    assert listed["NumResults"] == 0


def test_requests_are_listed_and_accepted_with_a_value(mturk, requester):
    type_id = _create(mturk)["QualificationTypeId"]
    worker = WorkerFactory()
    submitted = _take(type_id, worker, {"q1": "C"})

    (listed,) = mturk.list_qualification_requests(QualificationTypeId=type_id)[
        "QualificationRequests"
    ]
    assert set(listed) == {
        "QualificationRequestId",
        "QualificationTypeId",
        "WorkerId",
        "Test",
        "Answer",
        "SubmitTime",
    }
    assert listed["QualificationRequestId"] == submitted.public_id
    assert listed["WorkerId"] == worker.worker_id
    assert listed["Test"] == TEST
    assert (
        "<QuestionIdentifier>q1</QuestionIdentifier><SelectionIdentifier>C</SelectionIdentifier>"
        in listed["Answer"]
    )
    assert mturk.list_qualification_requests()["NumResults"] == 1

    accepted = mturk.accept_qualification_request(
        QualificationRequestId=listed["QualificationRequestId"], IntegerValue=85
    )
    assert set(accepted) == {"ResponseMetadata"}
    score = mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)
    assert score["Qualification"]["IntegerValue"] == 85
    assert mturk.list_qualification_requests(QualificationTypeId=type_id)["NumResults"] == 0

    with pytest.raises(botocore.exceptions.ClientError) as twice:
        mturk.accept_qualification_request(QualificationRequestId=submitted.public_id)
    assert _error(twice)[1] == "AWS.MechanicalTurk.InvalidQualificationState"
    assert WorkerQualification.objects.get(worker=worker).integer_value == 85


def test_a_request_is_rejected_with_a_reason(mturk, requester):
    type_id = _create(mturk)["QualificationTypeId"]
    worker = WorkerFactory()
    submitted = _take(type_id, worker, {"q1": "A"})

    mturk.reject_qualification_request(
        QualificationRequestId=submitted.public_id, Reason="Please read the instructions."
    )

    submitted.refresh_from_db()
    assert (submitted.state, submitted.reason) == (State.REJECTED, "Please read the instructions.")
    assert not WorkerQualification.objects.filter(worker=worker).exists()


def test_another_requesters_request_does_not_exist_for_the_caller(mturk, requester):
    foreign = submitted_request(WorkerFactory())

    with pytest.raises(botocore.exceptions.ClientError) as accepted:
        mturk.accept_qualification_request(QualificationRequestId=foreign.public_id)
    with pytest.raises(botocore.exceptions.ClientError) as rejected:
        mturk.reject_qualification_request(QualificationRequestId=foreign.public_id, Reason="x")

    assert "does not exist" in _error(accepted)[2]
    assert "does not exist" in _error(rejected)[2]
    assert QualificationRequest.objects.get(pk=foreign.pk).state == State.SUBMITTED
    assert mturk.list_qualification_requests()["NumResults"] == 0
    with pytest.raises(botocore.exceptions.ClientError) as listed:
        mturk.list_qualification_requests(QualificationTypeId=foreign.qualification_type.public_id)
    assert _error(listed)[1] == "AWS.MechanicalTurk.QualificationTypeDoesNotExist"


def test_an_unreadable_answer_key_is_refused_naming_the_parameter(mturk, requester):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        _create(mturk, AnswerKey=answer_key(key_question("q7", [("A", 1)])))

    assert "AnswerKey" in _error(refused)[2]
    assert not QualificationType.objects.exists()


SYSTEM = {
    "000000000000000000L0": "Worker_PercentAssignmentsApproved",
    "00000000000000000040": "Worker_NumberHITsApproved",
    "00000000000000000071": "Worker_Locale",
    "00000000000000000060": "Worker_Adult",
    "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH": "Masters",
    "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6": "Masters",
}


def test_system_types_are_fetched_by_their_mturk_ids(mturk):
    for type_id, name in SYSTEM.items():
        shown = mturk.get_qualification_type(QualificationTypeId=type_id)["QualificationType"]
        assert (shown["QualificationTypeId"], shown["Name"]) == (type_id, name)
        assert shown["QualificationTypeStatus"] == "Active"
        assert shown["IsRequestable"] is False
        assert shown["AutoGranted"] is False


def test_system_types_are_listed_unless_requestable_or_owned_ones_are_asked(mturk, requester):
    own = _create(mturk, AnswerKey=KEY)["QualificationTypeId"]

    listed = mturk.list_qualification_types(MustBeRequestable=False)["QualificationTypes"]
    assert [item["QualificationTypeId"] for item in listed] == [*SYSTEM, own]
    requestable = mturk.list_qualification_types(MustBeRequestable=True)["QualificationTypes"]
    assert [item["QualificationTypeId"] for item in requestable] == [own]
    owned = mturk.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
    assert [item["QualificationTypeId"] for item in owned["QualificationTypes"]] == [own]
    searched = mturk.list_qualification_types(MustBeRequestable=False, Query="locale")
    assert [item["Name"] for item in searched["QualificationTypes"]] == ["Worker_Locale"]


def test_system_types_page_like_any_other(mturk, requester):
    own = _create(mturk, AnswerKey=KEY)["QualificationTypeId"]
    paginator = mturk.get_paginator("list_qualification_types")

    pages = list(paginator.paginate(MustBeRequestable=False, PaginationConfig={"PageSize": 4}))

    seen = [item["QualificationTypeId"] for page in pages for item in page["QualificationTypes"]]
    assert seen == [*SYSTEM, own]
    # The end is an empty page without a NextToken (mturk/pagination.py).
    assert [len(page["QualificationTypes"]) for page in pages] == [4, 3, 0]


def test_requirements_on_system_ids_keep_working(mturk, funded):
    hit = mturk.create_hit(
        **HIT,
        QualificationRequirements=[
            {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [80],
            },
            {"QualificationTypeId": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", "Comparator": "Exists"},
        ],
    )["HIT"]

    shown = mturk.get_hit(HITId=hit["HITId"])["HIT"]["QualificationRequirements"]
    assert [r["QualificationTypeId"] for r in shown] == [
        "000000000000000000L0",
        "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH",
    ]
