"""Effective hourly wages, with and without unpaid time: exact arithmetic."""

from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.fairness import wages
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _batch(reward=60):
    return PublishedBatchFactory(
        project=ProjectFactory(reward_cents=reward, assignments_per_task=1)
    )


def _approved(worker, batch, seconds):
    assignment = SubmittedAssignmentFactory(
        worker=worker, task=TaskFactory(batch=batch, max_assignments=1), work_seconds=seconds
    )
    return work.assignment_approve(assignment=assignment, requester=batch.project.requester)


def test_worker_wage_counts_returned_expired_and_rejected_time_as_unpaid(worker):
    batch = _batch(reward=60)
    _approved(worker, batch, 120)  # 0.60 for 2 minutes: 18.00 / hour
    _approved(worker, batch, 60)  # 0.60 for 1 minute
    rejected = SubmittedAssignmentFactory(
        worker=worker, task=TaskFactory(batch=batch, max_assignments=1), work_seconds=180
    )
    work.assignment_reject(
        assignment=rejected, requester=batch.project.requester, reason="Empty answer."
    )
    start = timezone.now() - timedelta(hours=1)
    AssignmentFactory(
        worker=worker,
        task=TaskFactory(batch=batch, max_assignments=1),
        state=AssignmentState.RETURNED,
        accepted_at=start,
        ended_at=start + timedelta(seconds=90),
    )
    AssignmentFactory(
        worker=worker,
        task=TaskFactory(batch=batch, max_assignments=1),
        state=AssignmentState.EXPIRED,
        accepted_at=start,
        ended_at=start + timedelta(seconds=600),
    )
    SubmittedAssignmentFactory(
        worker=worker, task=TaskFactory(batch=batch, max_assignments=1), work_seconds=30
    )

    wage = wages.worker_wage(worker)

    assert wage.pay_cents == 120
    assert wage.paid_seconds == 180
    assert wage.unpaid_seconds == 180 + 90 + 600
    assert wage.pending_seconds == 30
    assert wage.hourly_paid_cents == 120 * 3600 // 180 == 2400
    assert wage.hourly_all_cents == 120 * 3600 // 1050 == 411
    # Per assignment: 1800 and 3600 paid; 0, 0, 0 for the unpaid ones.
    assert wage.median_hourly_paid_cents == (1800 + 3600) // 2
    assert wage.median_hourly_all_cents == 0


def test_project_and_requester_wage_include_every_worker():
    batch = _batch(reward=100)
    first, second = WorkerFactory(), WorkerFactory()
    _approved(first, batch, 100)
    _approved(second, batch, 300)

    project = wages.project_wage(batch.project)
    requester = wages.requester_wage(batch.project.requester)

    assert project.pay_cents == requester.pay_cents == 200
    assert project.hourly_all_cents == 200 * 3600 // 400 == 1800
    assert project.median_hourly_paid_cents == (3600 + 1200) // 2
    assert requester.hourly_all_cents == 1800


def test_bonus_counts_as_pay_received(worker):
    from microwork.payments import services as payments
    from tests.payments.factories import fund

    batch = _batch(reward=60)
    assignment = _approved(worker, batch, 60)
    fund(batch.project.requester, 1000)
    payments.bonus_send(
        requester=batch.project.requester,
        assignment=assignment,
        amount_cents=40,
        reason="Thanks",
        request_key="b1",
    )

    wage = wages.assignment_wage(assignment)

    assert wage.pay_cents == 100
    assert wage.hourly_all_cents == 6000


def test_worker_wage_by_week_groups_by_iso_week(worker):
    batch = _batch(reward=60)
    old = SubmittedAssignmentFactory(
        worker=worker,
        task=TaskFactory(batch=batch, max_assignments=1),
        accepted_at=timezone.now() - timedelta(days=14),
        work_seconds=60,
    )
    work.assignment_approve(assignment=old, requester=batch.project.requester)
    _approved(worker, batch, 120)

    weeks = wages.worker_wage_by_week(worker)

    assert [wage.pay_cents for _week, wage in weeks] == [60, 60]
    assert [wage.paid_seconds for _week, wage in weeks] == [60, 120]
    assert weeks[0][0] < weeks[1][0]


def test_median_rounds_down_between_the_middle_values():
    assert wages.median([]) is None
    assert wages.median([5]) == 5
    assert wages.median([1, 4]) == 2
    assert wages.median([9, 1, 5]) == 5


def test_wage_totals_in_the_database_match_the_row_by_row_sums(worker):
    batch = _batch(reward=60)
    _approved(worker, batch, 120)
    rejected = SubmittedAssignmentFactory(
        worker=worker, task=TaskFactory(batch=batch, max_assignments=1), work_seconds=180
    )
    work.assignment_reject(assignment=rejected, requester=batch.project.requester, reason="No.")
    start = timezone.now() - timedelta(hours=1)
    AssignmentFactory(
        worker=worker,
        task=TaskFactory(batch=batch, max_assignments=1),
        state=AssignmentState.EXPIRED,
        accepted_at=start,
        ended_at=start + timedelta(seconds=600),
    )
    from microwork.work.models import Assignment

    assignments = Assignment.objects.filter(worker=worker)
    rows, totals = wages.wage_of(assignments), wages.wage_totals(assignments)

    assert (totals.paid_seconds, totals.unpaid_seconds, totals.pay_cents) == (120, 780, 60)
    assert (rows.paid_seconds, rows.unpaid_seconds, rows.pay_cents) == (120, 780, 60)
    assert totals.hourly_all_cents == rows.hourly_all_cents == 60 * 3600 // 900


def test_worker_wage_adds_up_reported_active_time(worker):
    batch = _batch()
    first = _approved(worker, batch, 120)
    second = _approved(worker, batch, 60)
    Assignment.objects.filter(pk=first.pk).update(active_seconds=90)  # second never reported

    wage = wages.worker_wage(worker)

    assert wage.active_seconds == 90
    assert wage.paid_seconds == 180
    assert [(row.assignment_id, row.active_seconds) for row in wage.per_assignment] == [
        (first.pk, 90),
        (second.pk, None),
    ]
