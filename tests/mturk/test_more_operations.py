"""The last of MTurk's operations (issue 18): notification settings and test events, file upload
addresses, moving a HIT to another HIT type, and the two review policies with their results."""

import json

import pytest
from django.core import signing
from django.test import Client
from huey.contrib.djhuey import HUEY

from microwork.mturk import files, services
from microwork.mturk.models import NotificationSetting, ReviewPolicy
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.projects.models import Batch, Project, Task
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import HIT, QUESTION
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


def _error(excinfo):
    response = excinfo.value.response
    return response.get("TurkErrorCode"), response["Error"]["Message"]


def _hit_type(mturk, reward="0.50"):
    return mturk.create_hit_type(
        Reward=reward,
        AssignmentDurationInSeconds=120,
        Title=f"Label a sentence at {reward}",
        Description="Read one sentence",
        AutoApprovalDelayInSeconds=3600,
    )["HITTypeId"]


def _submit(hit_id, answer="yes"):
    worker = WorkerFactory()
    task = Task.objects.get(public_id=hit_id)
    assignment = work.assignment_claim(worker=worker, task=task)
    work.assignment_submit(assignment=assignment, fields={"answer": [answer]}, worker=worker)
    return assignment


@pytest.fixture
def queue_now():
    HUEY.immediate = True
    yield
    HUEY.immediate = False


# --- UpdateNotificationSettings, SendTestEventNotification -----------------------------------

EMAIL = {
    "Destination": "lab@example.org",
    "Transport": "Email",
    "Version": "2014-08-15",
    "EventTypes": ["HITCreated", "AssignmentSubmitted", "AssignmentApproved"],
}


def test_email_notifications_deliver_the_hit_types_events(
    mturk, funded, mailoutbox, queue_now, django_capture_on_commit_callbacks
):
    hit_type_id = _hit_type(mturk)
    mturk.update_notification_settings(HITTypeId=hit_type_id, Notification=EMAIL, Active=True)

    with django_capture_on_commit_callbacks(execute=True):
        hit = mturk.create_hit_with_hit_type(
            HITTypeId=hit_type_id, MaxAssignments=1, LifetimeInSeconds=600, Question=QUESTION
        )["HIT"]
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _submit(hit["HITId"])
    with django_capture_on_commit_callbacks(execute=True):
        mturk.approve_assignment(AssignmentId=assignment.public_id)

    # (The requester's own notifications, "Batch finished", go to their address.)
    sent = [mail for mail in mailoutbox if mail.to == ["lab@example.org"]]
    assert [mail.subject for mail in sent] == [
        f"Amazon Mechanical Turk notification: {kind}"
        for kind in ("HITCreated", "AssignmentSubmitted", "AssignmentApproved")
    ]
    approved = json.loads(sent[2].body)
    assert approved["EventDocVersion"] == "2014-08-15"
    assert [
        (e["EventType"], e["HITId"], e["HITTypeId"], e["AssignmentId"]) for e in approved["Events"]
    ] == [("AssignmentApproved", hit["HITId"], hit_type_id, assignment.public_id)]

    # Switched off: nothing more is sent.
    mturk.update_notification_settings(HITTypeId=hit_type_id, Active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(
            mturk.create_hit_with_hit_type(
                HITTypeId=hit_type_id, MaxAssignments=1, LifetimeInSeconds=600, Question=QUESTION
            )["HIT"]["HITId"]
        )
    assert len([mail for mail in mailoutbox if mail.to == ["lab@example.org"]]) == 3


def test_sns_notifications_are_stored_and_never_sent(mturk, funded, mailoutbox, queue_now):
    hit_type_id = _hit_type(mturk)
    sns = {**EMAIL, "Transport": "SNS", "Destination": "arn:aws:sns:us-east-1:1:topic"}

    mturk.update_notification_settings(HITTypeId=hit_type_id, Notification=sns)

    setting = NotificationSetting.objects.get()
    assert (setting.transport, setting.destination, setting.is_active) == (
        "SNS",
        "arn:aws:sns:us-east-1:1:topic",
        True,
    )
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.send_test_event_notification(Notification=sns, TestEventType="Ping")
    code, message = _error(excinfo)
    assert code == "AWS.MechanicalTurk.UnsupportedOperation"
    assert "Email only" in message
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("call", "code", "words"),
    [
        (
            {"Notification": {**EMAIL, "Destination": "not-an-address"}},
            "AWS.ParameterOutOfRange",
            "Notification.Destination",
        ),
        (
            {"Notification": {**EMAIL, "Transport": "SQS"}},
            "AWS.ParameterOutOfRange",
            "must be an ARN",
        ),
        ({"Active": True}, "AWS.ParameterOutOfRange", "has no notification yet"),
    ],
)
def test_update_notification_settings_refuses_bad_specifications(mturk, funded, call, code, words):
    hit_type_id = _hit_type(mturk)

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.update_notification_settings(HITTypeId=hit_type_id, **call)

    assert _error(excinfo)[0] == code
    assert words in _error(excinfo)[1]
    assert not NotificationSetting.objects.exists()


def test_update_notification_settings_of_another_requesters_hit_type_is_refused(mturk, funded):
    other = RequesterFactory()
    key, secret = services.access_key_create(requester=other)
    theirs = _hit_type(make_client(key.access_key_id, secret, django=Client()))

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.update_notification_settings(HITTypeId=theirs, Notification=EMAIL)

    assert _error(excinfo)[0] == "AWS.MechanicalTurk.HITTypeDoesNotExist"
    assert not NotificationSetting.objects.exists()


def test_send_test_event_notification_sends_one(
    mturk, funded, mailoutbox, queue_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mturk.send_test_event_notification(Notification=EMAIL, TestEventType="Ping")

    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["lab@example.org"], "Amazon Mechanical Turk notification: Ping")
    ]
    assert [e["EventType"] for e in json.loads(mailoutbox[0].body)["Events"]] == ["Ping"]


# --- GetFileUploadURL ------------------------------------------------------------------------


@pytest.fixture
def photo(make_assignment):  # noqa: F811 - the imported fixture
    assignment = make_assignment(KIND, CONFIG, ROW)
    work.assignment_submit(assignment=assignment, fields=HERE, files=photo_files(jpeg_with_gps()))
    assignment.refresh_from_db()
    return assignment


def _client_of(user):
    key, secret = services.access_key_create(requester=user)
    return make_client(key.access_key_id, secret, django=Client())


def test_get_file_upload_url_gives_a_short_lived_address_of_the_photo(photo, settings):
    owner = _client_of(photo.task.batch.project.requester)

    url = owner.get_file_upload_url(AssignmentId=photo.public_id, QuestionIdentifier="photo")[
        "FileUploadURL"
    ]

    assert url.startswith(settings.MICROWORK_SITE_URL + "/mturk/files/")
    path = url[len(settings.MICROWORK_SITE_URL) :]
    response = Client().get(path)  # no session: the signature is the authority
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    # Signed for this assignment and field only, and for 60 seconds.
    token = path.split("/")[-2]
    assert signing.loads(token, salt=files.SALT) == {"a": photo.public_id, "f": "photo"}
    assert Client().get(path.replace(token, token[:-2] + "xx")).status_code == 404


def test_get_file_upload_url_expires_after_a_minute(photo, monkeypatch):
    owner = _client_of(photo.task.batch.project.requester)
    url = owner.get_file_upload_url(AssignmentId=photo.public_id, QuestionIdentifier="photo")[
        "FileUploadURL"
    ]
    path = "/mturk/" + url.split("/mturk/", 1)[1]
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + files.URL_LIFETIME + 1)

    assert Client().get(path).status_code == 404


def test_get_file_upload_url_is_the_owners_only_and_names_a_file_field(photo):
    stranger = _client_of(RequesterFactory())
    with pytest.raises(stranger.exceptions.RequestError) as excinfo:
        stranger.get_file_upload_url(AssignmentId=photo.public_id, QuestionIdentifier="photo")
    assert _error(excinfo)[0] == "AWS.MechanicalTurk.AssignmentDoesNotExist"

    owner = _client_of(photo.task.batch.project.requester)
    with pytest.raises(owner.exceptions.RequestError) as excinfo:
        owner.get_file_upload_url(AssignmentId=photo.public_id, QuestionIdentifier="latitude")
    assert _error(excinfo)[0] == "AWS.ParameterOutOfRange"


# --- UpdateHITTypeOfHIT ----------------------------------------------------------------------


def test_update_hit_type_of_hit_moves_the_hit_and_its_escrow(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]  # 2 assignments at 0.50 + 0.10
    richer = _hit_type(mturk, reward="0.80")

    mturk.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=richer)

    moved = mturk.get_hit(HITId=hit["HITId"])["HIT"]
    assert (moved["HITTypeId"], moved["Reward"], moved["Title"]) == (
        richer,
        "0.80",
        "Label a sentence at 0.80",
    )
    batch = Batch.objects.get(tasks__public_id=hit["HITId"])
    assert payments.balance(payments.escrow(batch)) == 2 * (80 + 16)
    assert mturk.get_account_balance()["AvailableBalance"] == "998.08"
    assert ledger_problems() == []


def test_update_hit_type_of_hit_with_work_in_progress_is_refused(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]
    _submit(hit["HITId"])
    richer = _hit_type(mturk, reward="0.80")

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=richer)

    assert _error(excinfo)[0] == "AWS.MechanicalTurk.InvalidHITState"
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITTypeId"] == hit["HITTypeId"]
    assert mturk.get_account_balance()["AvailableBalance"] == "998.80"
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId="NOSUCHTYPE")
    assert _error(excinfo)[0] == "AWS.MechanicalTurk.HITTypeDoesNotExist"


# --- review policies -------------------------------------------------------------------------

KNOWN_ANSWERS = {
    "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
    "Parameters": [
        {"Key": "AnswerKey", "MapEntries": [{"Key": "answer", "Values": ["yes"]}]},
        {"Key": "ApproveIfKnownAnswerScoreIsAtLeast", "Values": ["100"]},
        {"Key": "RejectIfKnownAnswerScoreIsLessThan", "Values": ["100"]},
        {"Key": "RejectReason", "Values": ["The known answer was yes."]},
    ],
}
PLURALITY = {
    "PolicyName": "SimplePlurality/2011-09-01",
    "Parameters": [
        {"Key": "QuestionIds", "Values": ["answer"]},
        {"Key": "QuestionAgreementThreshold", "Values": ["60"]},
        {"Key": "ApproveIfWorkerAgreementScoreIsAtLeast", "Values": ["100"]},
        {"Key": "RejectIfWorkerAgreementScoreIsLessThan", "Values": ["100"]},
    ],
}


def _states(hit_id):
    return sorted(Assignment.objects.filter(task__public_id=hit_id).values_list("state", flat=True))


def test_score_my_known_answers_scores_each_submission_and_acts(
    mturk, funded, django_capture_on_commit_callbacks
):
    hit = mturk.create_hit(**HIT, AssignmentReviewPolicy=KNOWN_ANSWERS)["HIT"]

    with django_capture_on_commit_callbacks(execute=True):
        right = _submit(hit["HITId"], "Yes ")
    with django_capture_on_commit_callbacks(execute=True):
        wrong = _submit(hit["HITId"], "no")

    right.refresh_from_db()
    wrong.refresh_from_db()
    assert (right.state, wrong.state) == (AssignmentState.APPROVED, AssignmentState.REJECTED)
    assert wrong.feedback == "The known answer was yes."
    report = mturk.list_review_policy_results_for_hit(
        HITId=hit["HITId"], RetrieveResults=True, RetrieveActions=True
    )
    assert report["AssignmentReviewPolicy"]["PolicyName"] == "ScoreMyKnownAnswers/2011-09-01"
    assert [
        (r["SubjectId"], r["QuestionId"], r["Key"], r["Value"])
        for r in report["AssignmentReviewReport"]["ReviewResults"]
    ] == [
        (right.public_id, "answer", "KnownAnswerCorrect", "true"),
        (right.public_id, "", "KnownAnswerScore", "100"),
        (wrong.public_id, "answer", "KnownAnswerCorrect", "false"),
        (wrong.public_id, "", "KnownAnswerScore", "0"),
    ]
    assert [
        (a["ActionName"], a["TargetId"], a["Status"])
        for a in report["AssignmentReviewReport"]["ReviewActions"]
    ] == [("approve", right.public_id, "Succeeded"), ("reject", wrong.public_id, "Succeeded")]
    assert "HITReviewReport" not in report
    assert ledger_problems() == []


def test_simple_plurality_acts_once_every_assignment_is_in(
    mturk, funded, django_capture_on_commit_callbacks
):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 3}, HITReviewPolicy=PLURALITY)["HIT"]

    with django_capture_on_commit_callbacks(execute=True):
        assignments = [_submit(hit["HITId"], answer) for answer in ("yes", "no", "YES")]

    assert _states(hit["HITId"]) == ["approved", "approved", "rejected"]
    report = mturk.list_review_policy_results_for_hit(
        HITId=hit["HITId"], PolicyLevels=["HIT"], RetrieveResults=True, RetrieveActions=True
    )
    results = [
        (r["SubjectId"], r["QuestionId"], r["Key"], r["Value"])
        for r in report["HITReviewReport"]["ReviewResults"]
    ]
    assert results[:3] == [
        (hit["HITId"], "answer", "PluralityAnswer", "yes"),
        (hit["HITId"], "answer", "AgreementScore", "66"),
        (hit["HITId"], "", "AgreementScore", "100"),
    ]
    assert results[3:] == [
        (assignment.public_id, "", "WorkerAgreementScore", score)
        for assignment, score in zip(assignments, ("100", "0", "100"), strict=True)
    ]
    assert ledger_problems() == []


def test_an_unknown_review_policy_is_refused_with_nothing_created(mturk, funded):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_hit(
            **HIT, HITReviewPolicy={"PolicyName": "MyOwnPolicy/2020-01-01", "Parameters": []}
        )

    assert "is not supported by this server" in _error(excinfo)[1]
    assert not Task.objects.exists()
    assert not Project.objects.exists()
    assert not ReviewPolicy.objects.exists()
    assert mturk.get_account_balance()["AvailableBalance"] == "1000.00"


def test_review_policy_results_of_a_hit_without_policies_are_empty(mturk, funded):
    hit = mturk.create_hit(**HIT)["HIT"]

    assert mturk.list_review_policy_results_for_hit(HITId=hit["HITId"])["HITId"] == hit["HITId"]
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.list_review_policy_results_for_hit(HITId="NOSUCHHIT")
    assert _error(excinfo)[0] == "AWS.MechanicalTurk.HITDoesNotExist"
