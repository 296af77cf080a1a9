"""Time spent on qualification tests counts as unpaid time in the worker's real wage."""

from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.fairness import wages
from microwork.quality import qualification_requests as requests
from tests.fairness.test_wages import _approved, _batch
from tests.quality.test_qualification_requests import make_type

pytestmark = pytest.mark.django_db


def test_finished_and_run_out_tests_are_unpaid_time_and_a_running_one_is_not_yet(worker):
    _approved(worker, _batch(reward=60), 120)  # 0.60 for 2 minutes
    now = timezone.now()
    submitted = requests.qualification_request_start(
        qualification_type=make_type(name="A"), worker=worker, now=now - timedelta(hours=2)
    )
    requests.qualification_request_submit(
        request=submitted,
        worker=worker,
        answers={"q1": "B"},
        now=now - timedelta(hours=2) + timedelta(seconds=300),
    )
    # Started 20 minutes ago with 10 minutes allowed: ran out, never recorded expired.
    requests.qualification_request_start(
        qualification_type=make_type(name="B"), worker=worker, now=now - timedelta(minutes=20)
    )
    requests.qualification_request_start(  # still running
        qualification_type=make_type(name="C"), worker=worker, now=now - timedelta(minutes=1)
    )
    auto = make_type(
        name="D", test="", answer_key="", test_duration_seconds=None, auto_granted=True
    )
    requests.qualification_request_start(qualification_type=auto, worker=worker)

    wage = wages.worker_wage(worker)

    assert (wage.paid_seconds, wage.unpaid_seconds, wage.test_seconds) == (120, 900, 900)
    assert wage.pay_cents == 60
    # 0.60 for 120 + 900 seconds.
    assert wage.hourly_all_cents == 60 * 3600 // 1020 == 211
    assert wage.hourly_paid_cents == 1800
    weekly = sum(week.test_seconds for _key, week in wages.worker_wage_by_week(worker))
    assert weekly == 900
