"""Workers asking for qualifications (quality/qualification_requests.py): tests scored against
their answer key, expiry, the retry delay, auto-granted types, and the requester's accept and
reject."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from microwork.quality import qualification_requests as requests
from microwork.quality import services
from microwork.quality.enums import QualificationRequestState as State
from microwork.quality.enums import QualificationStatus
from microwork.quality.models import QualificationRequest, WorkerQualification
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.quality.factories import WorkerBlockFactory
from tests.quality.test_qualification_tests import (
    answer_key,
    key_question,
    question_form,
    selection,
)

pytestmark = pytest.mark.django_db

TEST = question_form(selection("q1", "ABC"), selection("q2", "XY"))
KEY = answer_key(
    key_question("q1", [("B", 1)]),
    key_question("q2", [("Y", 1)]),
    mapping="<PercentageMapping><MaximumSummedScore>2</MaximumSummedScore></PercentageMapping>",
)


def make_type(owner=None, **fields):
    defaults = {
        "name": "Skill",
        "description": "Knows the job.",
        "test": TEST,
        "answer_key": KEY,
        "test_duration_seconds": 600,
    }
    defaults.update(fields)
    return services.qualification_type_create(owner=owner or RequesterFactory(), **defaults)


def grants(qualification_type):
    return list(
        WorkerQualification.objects.filter(qualification_type=qualification_type).values_list(
            "worker_id", "integer_value", "status"
        )
    )


def test_start_opens_a_test_with_its_deadline_and_a_second_start_gives_it_back(worker):
    qualification_type = make_type()
    now = timezone.now()

    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker, now=now
    )
    again = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker, now=now + timedelta(seconds=30)
    )

    assert again.pk == request.pk
    assert request.state == State.IN_PROGRESS
    assert request.deadline == now + timedelta(seconds=600)
    assert request.test == TEST
    assert QualificationRequest.objects.count() == 1


def test_submit_scores_the_answers_and_grants_the_value(worker):
    qualification_type = make_type()
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )

    # q1 right (1), q2 wrong (0): 1 of 2 -> 50 %.
    done = requests.qualification_request_submit(
        request=request, worker=worker, answers={"q1": "B", "q2": "X"}
    )

    assert (done.state, done.summed_score, done.integer_value) == (State.GRANTED, 1, 50)
    assert grants(qualification_type) == [(worker.pk, 50, QualificationStatus.GRANTED)]


def test_a_second_submit_is_refused_and_changes_nothing(worker):
    qualification_type = make_type()
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    requests.qualification_request_submit(
        request=request, worker=worker, answers={"q1": "B", "q2": "Y"}
    )

    with pytest.raises(requests.RequestNotOpen):
        requests.qualification_request_submit(
            request=request, worker=worker, answers={"q1": "A", "q2": "X"}
        )

    request.refresh_from_db()
    assert (request.integer_value, request.answers) == (100, {"q1": "B", "q2": "Y"})
    assert grants(qualification_type) == [(worker.pk, 100, QualificationStatus.GRANTED)]


def test_submit_after_the_deadline_records_it_expired_and_grants_nothing(worker):
    qualification_type = make_type(test_duration_seconds=60)
    start = timezone.now()
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker, now=start
    )

    done = requests.qualification_request_submit(
        request=request,
        worker=worker,
        answers={"q1": "B", "q2": "Y"},
        now=start + timedelta(seconds=61),
    )

    done.refresh_from_db()
    assert (done.state, done.answers, done.submitted_at) == (State.EXPIRED, {}, None)
    assert done.ended_at == start + timedelta(seconds=60)
    assert grants(qualification_type) == []


def test_without_retry_delay_a_second_attempt_is_refused(worker):
    qualification_type = make_type()
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    requests.qualification_request_submit(request=request, worker=worker, answers={"q1": "A"})

    with pytest.raises(services.QualityRefused, match="only once"):
        requests.qualification_request_start(
            qualification_type=qualification_type,
            worker=worker,
            now=timezone.now() + timedelta(days=365),
        )

    assert QualificationRequest.objects.count() == 1


def test_retry_delay_refuses_a_retake_until_it_has_passed(worker):
    qualification_type = make_type(retry_delay_seconds=3600)
    start = timezone.now()
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker, now=start
    )
    submitted = start + timedelta(seconds=100)
    requests.qualification_request_submit(
        request=request, worker=worker, answers={"q1": "A", "q2": "X"}, now=submitted
    )

    with pytest.raises(services.QualityRefused, match="try again from"):
        requests.qualification_request_start(
            qualification_type=qualification_type,
            worker=worker,
            now=submitted + timedelta(seconds=3599),
        )
    assert QualificationRequest.objects.count() == 1

    retake = requests.qualification_request_start(
        qualification_type=qualification_type,
        worker=worker,
        now=submitted + timedelta(seconds=3600),
    )
    done = requests.qualification_request_submit(
        request=retake,
        worker=worker,
        answers={"q1": "B", "q2": "Y"},
        now=submitted + timedelta(seconds=3700),
    )
    assert done.integer_value == 100
    assert grants(qualification_type) == [(worker.pk, 100, QualificationStatus.GRANTED)]


def test_an_expired_test_counts_from_its_deadline_for_the_retry_delay(worker):
    qualification_type = make_type(retry_delay_seconds=100, test_duration_seconds=60)
    start = timezone.now()
    requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker, now=start
    )

    # Deadline start+60, plus 100 s: a start at +159 is refused and the test recorded expired.
    with pytest.raises(services.QualityRefused):
        requests.qualification_request_start(
            qualification_type=qualification_type, worker=worker, now=start + timedelta(seconds=159)
        )
    retake = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker, now=start + timedelta(seconds=160)
    )

    assert list(QualificationRequest.objects.order_by("pk").values_list("state", flat=True)) == [
        State.EXPIRED,
        State.IN_PROGRESS,
    ]
    assert retake.started_at == start + timedelta(seconds=160)


def test_auto_granted_type_is_granted_on_request_without_a_test(worker):
    qualification_type = make_type(
        test="", answer_key="", test_duration_seconds=None, auto_granted=True, auto_granted_value=7
    )

    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )

    assert (request.state, request.integer_value) == (State.GRANTED, 7)
    assert grants(qualification_type) == [(worker.pk, 7, QualificationStatus.GRANTED)]
    with pytest.raises(services.QualityRefused, match="only once"):
        requests.qualification_request_start(qualification_type=qualification_type, worker=worker)
    assert QualificationRequest.objects.count() == 1


def test_a_worker_granted_by_hand_cannot_request_a_type_without_retry(worker):
    qualification_type = make_type()
    services.qualification_grant(
        qualification_type=qualification_type, worker=worker, requester=qualification_type.owner
    )

    with pytest.raises(services.QualityRefused, match="already hold"):
        requests.qualification_request_start(qualification_type=qualification_type, worker=worker)

    assert not QualificationRequest.objects.exists()


def test_a_type_with_neither_test_nor_auto_grant_cannot_be_requested(worker):
    qualification_type = make_type(test="", answer_key="", test_duration_seconds=None)

    with pytest.raises(services.QualityRefused, match="the requester grants it"):
        requests.qualification_request_start(qualification_type=qualification_type, worker=worker)

    assert not QualificationRequest.objects.exists()


def test_a_blocked_worker_cannot_take_the_requesters_test(worker):
    qualification_type = make_type()
    WorkerBlockFactory(requester=qualification_type.owner, worker=worker)

    with pytest.raises(services.QualityRefused, match="blocked"):
        requests.qualification_request_start(qualification_type=qualification_type, worker=worker)

    assert not QualificationRequest.objects.exists()


def submitted_request(worker, qualification_type=None):
    qualification_type = qualification_type or make_type(answer_key="")
    request = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    return requests.qualification_request_submit(
        request=request, worker=worker, answers={"q1": "C", "q2": "X"}
    )


def test_without_answer_key_the_request_waits_and_the_owner_accepts_it(worker):
    request = submitted_request(worker)
    assert request.state == State.SUBMITTED
    assert grants(request.qualification_type) == []

    accepted = requests.qualification_request_accept(
        request=request, requester=request.qualification_type.owner, integer_value=42
    )

    assert (accepted.state, accepted.integer_value) == (State.GRANTED, 42)
    assert grants(request.qualification_type) == [(worker.pk, 42, QualificationStatus.GRANTED)]


def test_the_owner_rejects_a_request_with_a_reason(worker):
    request = submitted_request(worker)

    rejected = requests.qualification_request_reject(
        request=request, requester=request.qualification_type.owner, reason="  Too vague.  "
    )

    assert (rejected.state, rejected.reason) == (State.REJECTED, "Too vague.")
    assert grants(request.qualification_type) == []


def test_another_requester_cannot_decide_a_request(worker):
    request = submitted_request(worker)

    with pytest.raises(services.QualityRefused, match="you own"):
        requests.qualification_request_accept(request=request, requester=RequesterFactory())
    with pytest.raises(services.QualityRefused, match="you own"):
        requests.qualification_request_reject(request=request, requester=RequesterFactory())

    request.refresh_from_db()
    assert request.state == State.SUBMITTED
    assert grants(request.qualification_type) == []


def test_a_decided_request_cannot_be_decided_again(worker):
    request = submitted_request(worker)
    owner = request.qualification_type.owner
    requests.qualification_request_reject(request=request, requester=owner, reason="No.")

    with pytest.raises(requests.RequestNotOpen):
        requests.qualification_request_accept(request=request, requester=owner)

    request.refresh_from_db()
    assert (request.state, request.reason) == (State.REJECTED, "No.")
    assert grants(request.qualification_type) == []


def test_deleting_the_type_rejects_its_open_requests(worker):
    request = submitted_request(worker)
    running = requests.qualification_request_start(
        qualification_type=request.qualification_type, worker=WorkerFactory()
    )

    services.qualification_type_delete(qualification_type=request.qualification_type)

    states = set(
        QualificationRequest.objects.filter(pk__in=[request.pk, running.pk]).values_list(
            "state", flat=True
        )
    )
    assert states == {State.REJECTED}


def test_a_type_with_an_unreadable_answer_key_is_refused(requester):
    with pytest.raises(ValidationError) as refused:
        make_type(owner=requester, answer_key=answer_key(key_question("nope", [("A", 1)])))

    assert "no question nope" in str(refused.value)
    assert not requester.qualification_types.exists()


def test_an_answer_key_without_a_test_is_refused(requester):
    with pytest.raises(ValidationError, match="needs a test"):
        make_type(owner=requester, test="", test_duration_seconds=None)

    assert not requester.qualification_types.exists()
