"""Every operation of botocore's MTurk model (all 39) answers a well-formed call correctly,
through boto3 in-process (issue 18). The list of operations comes from botocore itself, so an
operation added to the model and not served here fails the first test.

Each call is checked twice: by what it must have done or said (its own assertions below), and
against botocore's model: every member answered is one the output shape has, and none that the
shape requires is missing. Qualification requests (ListQualificationRequests,
AcceptQualificationRequest, RejectQualificationRequest) are the quality app's
(tests/mturk/test_qualification_requests.py tests them in depth); here they answer once each.
"""

from datetime import UTC, datetime, timedelta

import botocore.session
import pytest
from django.test import Client

from microwork.mturk import services
from microwork.quality import qualification_requests
from microwork.quality.models import QualificationType
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import HIT, QUESTION
from tests.mturk.test_more_operations import EMAIL, KNOWN_ANSWERS
from tests.mturk.test_qualification_requests import TEST
from tests.projects.tasktypes.conftest import make_assignment  # noqa: F401 - a fixture
from tests.projects.tasktypes.test_field_photo import (  # noqa: F401 - media is a fixture
    CONFIG,
    HERE,
    KIND,
    ROW,
    jpeg_with_gps,
    media,
    photo_files,
)

pytestmark = pytest.mark.django_db

MODEL = botocore.session.get_session().get_service_model("mturk")


class World:
    """What the calls need, made through the API as a requester would (and, for the workers'
    part, through the work services the web pages call)."""

    def __init__(self, mturk, make_assignment):  # noqa: F811
        self.mturk = mturk
        self._make_assignment = make_assignment
        self.worker = WorkerFactory()
        self.hit = mturk.create_hit(**HIT, AssignmentReviewPolicy=KNOWN_ANSWERS)["HIT"]
        self.hit_id = self.hit["HITId"]
        self.hit_type_id = self.hit["HITTypeId"]
        self.assignment = self.submit(self.hit_id, self.worker)
        self.qualification_type_id = mturk.create_qualification_type(
            Name="Reader", Description="Reads English.", QualificationTypeStatus="Active"
        )["QualificationType"]["QualificationTypeId"]

    def submit(self, hit_id, worker=None, answer="no"):
        from microwork.projects.models import Task

        worker = worker or WorkerFactory()
        assignment = work.assignment_claim(worker=worker, task=Task.objects.get(public_id=hit_id))
        work.assignment_submit(assignment=assignment, fields={"answer": [answer]}, worker=worker)
        return Assignment.objects.get(pk=assignment.pk)

    def other_hit(self, **members):
        return self.mturk.create_hit(**{**HIT, **members})["HIT"]["HITId"]

    def qualification_request(self):
        """A worker's request for a type with a test and no answer key: the requester decides."""
        type_id = self.mturk.create_qualification_type(
            Name="Tested",
            Description="Takes a test.",
            QualificationTypeStatus="Active",
            Test=TEST,
            TestDurationInSeconds=300,
        )["QualificationType"]["QualificationTypeId"]
        worker = WorkerFactory()
        qualification_type = QualificationType.objects.get(public_id=type_id)
        request = qualification_requests.qualification_request_start(
            qualification_type=qualification_type, worker=worker
        )
        qualification_requests.qualification_request_submit(
            request=request, worker=worker, answers={"q1": "B"}
        )
        return request.public_id

    def photo_owner_and_assignment(self):
        assignment = self._make_assignment(KIND, CONFIG, ROW)
        work.assignment_submit(
            assignment=assignment, fields=HERE, files=photo_files(jpeg_with_gps())
        )
        key, secret = services.access_key_create(requester=assignment.task.batch.project.requester)
        return make_client(key.access_key_id, secret, django=Client()), assignment


def _hit_type(w, title="Another type"):
    return w.mturk.create_hit_type(
        Reward="0.50", AssignmentDurationInSeconds=120, Title=title, Description="Other"
    )["HITTypeId"]


def _accept_qualification_request(w):
    request_id = w.qualification_request()
    answer = w.mturk.accept_qualification_request(
        QualificationRequestId=request_id, IntegerValue=90
    )
    assert w.mturk.list_qualification_requests()["NumResults"] == 0
    return answer


def _reject_qualification_request(w):
    request_id = w.qualification_request()
    answer = w.mturk.reject_qualification_request(
        QualificationRequestId=request_id, Reason="Not this time."
    )
    assert w.mturk.list_qualification_requests()["NumResults"] == 0
    return answer


def _list_qualification_requests(w):
    request_id = w.qualification_request()
    answer = w.mturk.list_qualification_requests()
    assert [r["QualificationRequestId"] for r in answer["QualificationRequests"]] == [request_id]
    return answer


def _approve(w):
    # The known-answer policy rejected the "no" already: approval overturns it.
    answer = w.mturk.approve_assignment(AssignmentId=w.assignment.public_id, OverrideRejection=True)
    assert w.mturk.get_assignment(AssignmentId=w.assignment.public_id)["Assignment"][
        "AssignmentStatus"
    ] in ("Approved",)
    return answer


def _reject(w):
    assignment = w.submit(w.other_hit())
    answer = w.mturk.reject_assignment(AssignmentId=assignment.public_id, RequesterFeedback="No")
    status = w.mturk.get_assignment(AssignmentId=assignment.public_id)["Assignment"]
    assert status["AssignmentStatus"] == "Rejected"
    return answer


def _send_bonus(w):
    w.mturk.approve_assignment(AssignmentId=w.assignment.public_id, OverrideRejection=True)
    answer = w.mturk.send_bonus(
        WorkerId=w.worker.worker_id,
        BonusAmount="0.25",
        AssignmentId=w.assignment.public_id,
        Reason="Thanks",
        UniqueRequestToken="bonus-1",
    )
    bonuses = w.mturk.list_bonus_payments(AssignmentId=w.assignment.public_id)["BonusPayments"]
    assert [b["BonusAmount"] for b in bonuses] == ["0.25"]
    return answer


def _delete_hit(w):
    hit_id = w.other_hit()
    w.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))
    answer = w.mturk.delete_hit(HITId=hit_id)
    assert w.mturk.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"
    return answer


def _update_review_status(w):
    hit_id = w.other_hit()
    w.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))
    answer = w.mturk.update_hit_review_status(HITId=hit_id, Revert=False)
    assert w.mturk.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewing"
    return answer


def _list_reviewable(w):
    hit_id = w.other_hit()
    w.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))
    answer = w.mturk.list_reviewable_hits(HITTypeId=w.hit_type_id)
    assert hit_id in [hit["HITId"] for hit in answer["HITs"]]
    return answer


def _associate(w):
    answer = w.mturk.associate_qualification_with_worker(
        QualificationTypeId=w.qualification_type_id,
        WorkerId=w.worker.worker_id,
        IntegerValue=7,
        SendNotification=False,
    )
    score = w.mturk.get_qualification_score(
        QualificationTypeId=w.qualification_type_id, WorkerId=w.worker.worker_id
    )
    assert score["Qualification"]["IntegerValue"] == 7
    return answer


def _disassociate(w):
    _associate(w)
    answer = w.mturk.disassociate_qualification_from_worker(
        QualificationTypeId=w.qualification_type_id, WorkerId=w.worker.worker_id, Reason="Done"
    )
    listed = w.mturk.list_workers_with_qualification_type(
        QualificationTypeId=w.qualification_type_id
    )
    assert listed["NumResults"] == 0
    return answer


def _get_qualification_score(w):
    _associate(w)
    return w.mturk.get_qualification_score(
        QualificationTypeId=w.qualification_type_id, WorkerId=w.worker.worker_id
    )


def _list_workers_with_qualification(w):
    _associate(w)
    answer = w.mturk.list_workers_with_qualification_type(
        QualificationTypeId=w.qualification_type_id
    )
    assert [q["WorkerId"] for q in answer["Qualifications"]] == [w.worker.worker_id]
    return answer


def _list_hits_for_qualification_type(w):
    hit_id = w.other_hit(
        QualificationRequirements=[
            {
                "QualificationTypeId": w.qualification_type_id,
                "Comparator": "Exists",
                "ActionsGuarded": "Accept",
            }
        ]
    )
    answer = w.mturk.list_hits_for_qualification_type(QualificationTypeId=w.qualification_type_id)
    assert [hit["HITId"] for hit in answer["HITs"]] == [hit_id]
    return answer


def _file_upload_url(w):
    owner, assignment = w.photo_owner_and_assignment()
    answer = owner.get_file_upload_url(
        AssignmentId=assignment.public_id, QuestionIdentifier="photo"
    )
    path = "/mturk/" + answer["FileUploadURL"].split("/mturk/", 1)[1]
    assert Client().get(path).status_code == 200
    return answer


def _update_hit_type_of_hit(w):
    hit_id = w.other_hit()
    other = _hit_type(w)
    answer = w.mturk.update_hit_type_of_hit(HITId=hit_id, HITTypeId=other)
    assert w.mturk.get_hit(HITId=hit_id)["HIT"]["HITTypeId"] == other
    return answer


def _review_results(w):
    answer = w.mturk.list_review_policy_results_for_hit(
        HITId=w.hit_id, RetrieveResults=True, RetrieveActions=True
    )
    keys = [r["Key"] for r in answer["AssignmentReviewReport"]["ReviewResults"]]
    assert keys == ["KnownAnswerCorrect", "KnownAnswerScore"]
    return answer


CALLS = {
    "AcceptQualificationRequest": _accept_qualification_request,
    "ApproveAssignment": _approve,
    "AssociateQualificationWithWorker": _associate,
    "CreateAdditionalAssignmentsForHIT": lambda w: w.mturk.create_additional_assignments_for_hit(
        HITId=w.hit_id, NumberOfAdditionalAssignments=1
    ),
    "CreateHIT": lambda w: w.mturk.create_hit(**HIT),
    "CreateHITType": lambda w: {"HITTypeId": _hit_type(w)},
    "CreateHITWithHITType": lambda w: w.mturk.create_hit_with_hit_type(
        HITTypeId=w.hit_type_id, MaxAssignments=1, LifetimeInSeconds=600, Question=QUESTION
    ),
    "CreateQualificationType": lambda w: w.mturk.create_qualification_type(
        Name="Writer", Description="Writes.", QualificationTypeStatus="Active"
    ),
    "CreateWorkerBlock": lambda w: w.mturk.create_worker_block(
        WorkerId=w.worker.worker_id, Reason="Spam"
    ),
    "DeleteHIT": _delete_hit,
    "DeleteQualificationType": lambda w: w.mturk.delete_qualification_type(
        QualificationTypeId=w.qualification_type_id
    ),
    "DeleteWorkerBlock": lambda w: w.mturk.delete_worker_block(
        WorkerId=w.worker.worker_id, Reason="Sorry"
    ),
    "DisassociateQualificationFromWorker": _disassociate,
    "GetAccountBalance": lambda w: w.mturk.get_account_balance(),
    "GetAssignment": lambda w: w.mturk.get_assignment(AssignmentId=w.assignment.public_id),
    "GetFileUploadURL": _file_upload_url,
    "GetHIT": lambda w: w.mturk.get_hit(HITId=w.hit_id),
    "GetQualificationScore": _get_qualification_score,
    "GetQualificationType": lambda w: w.mturk.get_qualification_type(
        QualificationTypeId=w.qualification_type_id
    ),
    "ListAssignmentsForHIT": lambda w: w.mturk.list_assignments_for_hit(HITId=w.hit_id),
    "ListBonusPayments": lambda w: w.mturk.list_bonus_payments(HITId=w.hit_id),
    "ListHITs": lambda w: w.mturk.list_hits(),
    "ListHITsForQualificationType": _list_hits_for_qualification_type,
    "ListQualificationRequests": _list_qualification_requests,
    "ListQualificationTypes": lambda w: w.mturk.list_qualification_types(
        MustBeRequestable=False, MustBeOwnedByCaller=True
    ),
    "ListReviewPolicyResultsForHIT": _review_results,
    "ListReviewableHITs": _list_reviewable,
    "ListWorkerBlocks": lambda w: w.mturk.list_worker_blocks(),
    "ListWorkersWithQualificationType": _list_workers_with_qualification,
    "NotifyWorkers": lambda w: w.mturk.notify_workers(
        Subject="Hello", MessageText="More soon", WorkerIds=[w.worker.worker_id]
    ),
    "RejectAssignment": _reject,
    "RejectQualificationRequest": _reject_qualification_request,
    "SendBonus": _send_bonus,
    "SendTestEventNotification": lambda w: w.mturk.send_test_event_notification(
        Notification=EMAIL, TestEventType="Ping"
    ),
    "UpdateExpirationForHIT": lambda w: w.mturk.update_expiration_for_hit(
        HITId=w.hit_id, ExpireAt=datetime.now(UTC) + timedelta(days=1)
    ),
    "UpdateHITReviewStatus": _update_review_status,
    "UpdateHITTypeOfHIT": _update_hit_type_of_hit,
    "UpdateNotificationSettings": lambda w: w.mturk.update_notification_settings(
        HITTypeId=w.hit_type_id, Notification=EMAIL, Active=True
    ),
    "UpdateQualificationType": lambda w: w.mturk.update_qualification_type(
        QualificationTypeId=w.qualification_type_id, Description="Reads English well."
    ),
}


def test_every_operation_of_botocores_model_has_a_call_here():
    assert len(MODEL.operation_names) == 39
    assert sorted(CALLS) == sorted(MODEL.operation_names)


def _check_against_model(shape, value, where: str) -> None:
    """Every member answered is in the shape, every required one is there, recursively."""
    if shape.type_name == "structure":
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members) - {"ResponseMetadata"}
        assert not unknown, f"{where}: members not in the model: {sorted(unknown)}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: required members missing: {sorted(missing)}"
        for name, member in value.items():
            if name in shape.members:
                _check_against_model(shape.members[name], member, f"{where}.{name}")
    elif shape.type_name == "list":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            _check_against_model(shape.member, item, f"{where}[{index}]")
    elif shape.type_name == "string" and getattr(shape, "enum", None):
        assert value in shape.enum, f"{where}: {value!r} not in {shape.enum}"


@pytest.mark.parametrize("operation", MODEL.operation_names)
def test_the_operation_answers_a_well_formed_call(operation, mturk, funded, make_assignment):  # noqa: F811
    world = World(mturk, make_assignment)

    answer = CALLS[operation](world)

    output = MODEL.operation_model(operation).output_shape
    if output is not None:
        _check_against_model(output, answer, operation)
