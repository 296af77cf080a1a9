"""Real threads against PostgreSQL: two submissions of one test attempt at the same moment
(a double tap, two tabs) score and grant it once.

Skipped on SQLite (one writer at a time, nothing to race); .ci/run runs the suite on both.
"""

import pytest
from django.db import connection

from microwork.quality import events
from microwork.quality import qualification_requests as requests
from microwork.quality.enums import QualificationRequestState as State
from microwork.quality.models import QualificationRequest, WorkerQualification
from tests.accounts.factories import WorkerFactory
from tests.quality.test_qualification_requests import make_type
from tests.recording import recorded
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_submissions_of_one_attempt_at_once_grant_once():
    assert connection.vendor == "postgresql"
    worker = WorkerFactory()
    qualification_type = make_type()
    attempt = requests.qualification_request_start(
        qualification_type=qualification_type, worker=worker
    )
    answers = [{"q1": "B", "q2": "Y"}, {"q1": "A", "q2": "X"}]
    with recorded(events.qualification_granted) as granted:
        errors = run_in_threads(
            2,
            lambda index: requests.qualification_request_submit(
                request=attempt, worker=worker, answers=answers[index]
            ),
        )

    assert [type(error) for error in errors] == [requests.RequestNotOpen]
    stored = QualificationRequest.objects.get(pk=attempt.pk)
    assert stored.state == State.GRANTED
    assert stored.answers in answers
    expected = 100 if stored.answers == answers[0] else 0
    assert stored.integer_value == expected
    assert list(WorkerQualification.objects.values_list("worker_id", "integer_value")) == [
        (worker.pk, expected)
    ]
    assert len(granted) == 1
