"""The pages of qualification tests: a worker earns a qualification by taking its test or
asking for it; a requester decides requests and builds a test from a form. Every page is
scoped to its owner."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microwork.quality import qualification_requests as requests
from microwork.quality.enums import QualificationRequestState as State
from microwork.quality.models import QualificationRequest, QualificationType, WorkerQualification
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.quality.factories import ProjectRequirementFactory, WorkerBlockFactory
from tests.quality.test_qualification_requests import KEY, TEST, make_type, submitted_request

pytestmark = pytest.mark.django_db


def test_worker_sees_the_types_to_earn_and_takes_a_scored_test(client, worker):
    qualification_type = make_type(name="Careful reader")
    make_type(name="Hidden", is_requestable=False)
    make_type(name="Granted by hand", test="", answer_key="", test_duration_seconds=None)
    client.force_login(worker)

    listing = client.get(reverse("quality:earn-list"))
    assert listing.status_code == 200
    names = [row["type"].name for row in listing.context["rows"]]
    assert names == ["Careful reader"]

    started = client.post(reverse("quality:earn-request", args=[qualification_type.public_id]))
    attempt = QualificationRequest.objects.get(worker=worker)
    assert started.url == reverse("quality:attempt-detail", args=[attempt.public_id])
    page = client.get(started.url)
    assert page.status_code == 200
    assert 'name="q1" value="B"' in page.content.decode()

    done = client.post(
        reverse("quality:attempt-submit", args=[attempt.public_id]), {"q1": "B", "q2": "X"}
    )
    assert done.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.summed_score, attempt.integer_value) == (State.GRANTED, 1, 50)
    assert WorkerQualification.objects.get(worker=worker).integer_value == 50


def test_an_incomplete_test_form_is_shown_again_with_the_question_named(client, worker):
    qualification_type = make_type()
    attempt = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    client.force_login(worker)

    response = client.post(reverse("quality:attempt-submit", args=[attempt.public_id]), {"q1": "B"})

    assert response.status_code == 400
    assert "Answer this question." in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.answers) == (State.IN_PROGRESS, {})


def test_a_submission_after_the_deadline_keeps_nothing(client, worker):
    qualification_type = make_type(test_duration_seconds=60)
    attempt = requests.qualification_request_start(
        qualification_type=qualification_type,
        worker=worker,
        now=timezone.now() - timedelta(seconds=61),
    )
    client.force_login(worker)

    client.post(reverse("quality:attempt-submit", args=[attempt.public_id]), {"q1": "B", "q2": "Y"})

    attempt.refresh_from_db()
    assert (attempt.state, attempt.answers) == (State.EXPIRED, {})
    assert not WorkerQualification.objects.exists()


def test_an_auto_granted_type_is_granted_from_its_page(client, worker):
    qualification_type = make_type(
        test="", answer_key="", test_duration_seconds=None, auto_granted=True, auto_granted_value=3
    )
    client.force_login(worker)

    client.post(reverse("quality:earn-request", args=[qualification_type.public_id]))

    assert WorkerQualification.objects.get(worker=worker).integer_value == 3


def test_another_workers_attempt_is_absent(client, worker):
    attempt = requests.qualification_request_start(qualification_type=make_type(), worker=worker)
    other = WorkerFactory()
    client.force_login(other)

    shown = client.get(reverse("quality:attempt-detail", args=[attempt.public_id]))
    submitted = client.post(
        reverse("quality:attempt-submit", args=[attempt.public_id]), {"q1": "B", "q2": "Y"}
    )

    assert (shown.status_code, submitted.status_code) == (404, 404)
    attempt.refresh_from_db()
    assert attempt.state == State.IN_PROGRESS


def test_a_blocked_worker_does_not_see_the_requesters_test(client, worker):
    qualification_type = make_type()
    WorkerBlockFactory(requester=qualification_type.owner, worker=worker)
    client.force_login(worker)

    assert client.get(reverse("quality:earn-list")).context["rows"] == []
    assert (
        client.get(reverse("quality:earn-detail", args=[qualification_type.public_id])).status_code
        == 404
    )
    client.post(reverse("quality:earn-request", args=[qualification_type.public_id]))
    assert not QualificationRequest.objects.exists()


def test_requesters_cannot_take_tests(client, requester):
    qualification_type = make_type()
    client.force_login(requester)

    assert client.get(reverse("quality:earn-list")).status_code == 403
    client.post(reverse("quality:earn-request", args=[qualification_type.public_id]))
    assert not QualificationRequest.objects.exists()


def test_the_owner_accepts_and_rejects_requests_on_the_requests_page(client, worker):
    waiting = submitted_request(worker)
    other = submitted_request(WorkerFactory(), waiting.qualification_type)
    owner = waiting.qualification_type.owner
    client.force_login(owner)

    page = client.get(reverse("quality:type-requests", args=[waiting.qualification_type.public_id]))
    assert page.status_code == 200
    assert "Option C" in page.content.decode()

    client.post(
        reverse("quality:request-accept", args=[waiting.public_id]),
        {f"{waiting.public_id}-integer_value": "9"},
    )
    client.post(
        reverse("quality:request-reject", args=[other.public_id]),
        {f"{other.public_id}-reason": "Answers missing."},
    )

    waiting.refresh_from_db()
    other.refresh_from_db()
    assert (waiting.state, waiting.integer_value) == (State.GRANTED, 9)
    assert (other.state, other.reason) == (State.REJECTED, "Answers missing.")
    assert list(WorkerQualification.objects.values_list("worker_id", "integer_value")) == [
        (worker.pk, 9)
    ]


def test_another_requester_cannot_see_or_decide_requests(client, worker):
    waiting = submitted_request(worker)
    client.force_login(RequesterFactory())

    page = client.get(reverse("quality:type-requests", args=[waiting.qualification_type.public_id]))
    accepted = client.post(
        reverse("quality:request-accept", args=[waiting.public_id]),
        {f"{waiting.public_id}-integer_value": "9"},
    )
    rejected = client.post(reverse("quality:request-reject", args=[waiting.public_id]))

    assert (page.status_code, accepted.status_code, rejected.status_code) == (404, 404, 404)
    waiting.refresh_from_db()
    assert waiting.state == State.SUBMITTED
    assert not WorkerQualification.objects.exists()


def _built(prefix="questions", **extra):
    data = {
        f"{prefix}-TOTAL_FORMS": "3",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-text": "2 + 2?",
        f"{prefix}-0-option_1": "3",
        f"{prefix}-0-option_2": "4",
        f"{prefix}-0-correct": "2",
        f"{prefix}-1-text": "Capital of France?",
        f"{prefix}-1-option_1": "Paris",
        f"{prefix}-1-option_3": "Lyon",
        f"{prefix}-1-correct": "1",
        f"{prefix}-2-correct": "1",
        "pass_count": "2",
        "duration_minutes": "5",
        "retry_delay_hours": "",
    }
    data.update(extra)
    return data


def test_the_owner_builds_a_test_that_workers_pass_or_fail(client, requester):
    qualification_type = make_type(
        owner=requester, test="", answer_key="", test_duration_seconds=None
    )
    client.force_login(requester)

    response = client.post(
        reverse("quality:type-test", args=[qualification_type.public_id]), _built()
    )

    assert response.status_code == 302
    qualification_type.refresh_from_db()
    assert (qualification_type.test_duration_seconds, qualification_type.retry_delay_seconds) == (
        300,
        None,
    )
    passing, failing = WorkerFactory(), WorkerFactory()
    for worker, answers in ((passing, {"q1": "2", "q2": "1"}), (failing, {"q1": "1", "q2": "1"})):
        attempt = requests.qualification_request_start(
            qualification_type=qualification_type, worker=worker
        )
        requests.qualification_request_submit(request=attempt, worker=worker, answers=answers)
    values = dict(WorkerQualification.objects.values_list("worker_id", "integer_value"))
    assert values == {passing.pk: 1, failing.pk: 0}


def test_a_bad_built_test_is_refused_and_changes_nothing(client, requester):
    qualification_type = make_type(owner=requester)
    client.force_login(requester)

    response = client.post(
        reverse("quality:type-test", args=[qualification_type.public_id]),
        _built(pass_count="3", **{"questions-1-correct": "2"}),
    )

    assert response.status_code == 400
    assert "The right option must be one you filled in." in response.content.decode()
    qualification_type.refresh_from_db()
    assert (qualification_type.test, qualification_type.answer_key) == (TEST, KEY)


def test_another_requester_cannot_build_the_test(client):
    qualification_type = make_type()
    client.force_login(RequesterFactory())

    response = client.post(
        reverse("quality:type-test", args=[qualification_type.public_id]), _built()
    )

    assert response.status_code == 404
    assert QualificationType.objects.get(pk=qualification_type.pk).test == TEST


def test_a_project_page_links_to_the_test_it_requires(client, worker):
    qualification_type = make_type()
    requirement = ProjectRequirementFactory(
        qualification_type=qualification_type,
        project__requester=qualification_type.owner,
        comparator="GreaterThanOrEqualTo",
        integer_values=[80],
        actions_guarded="PreviewAndAccept",
    )
    client.force_login(worker)

    response = client.get(reverse("work:project-preview", args=[requirement.project.public_id]))

    assert response.status_code == 403
    link = reverse("quality:earn-detail", args=[qualification_type.public_id])
    assert f'href="{link}"' in response.content.decode()


def test_the_test_pages_speak_french(client, worker):
    qualification_type = make_type(name="Lecteur")
    attempt = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    client.force_login(worker)

    listing = client.get(reverse("quality:earn-list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    test_page = client.get(
        reverse("quality:attempt-detail", args=[attempt.public_id]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    assert "Qualifications que vous pouvez obtenir" in listing
    assert "Temps accordé" in listing
    assert "Envoyer mes réponses" in test_page


def test_the_list_to_earn_reads_the_same_queries_for_three_types_or_ten(client, worker):
    client.force_login(worker)
    counts = []
    for total in (3, 10):
        while QualificationType.objects.count() < total:
            make_type(name=f"Type {QualificationType.objects.count()}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("quality:earn-list")).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
