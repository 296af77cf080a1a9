"""Requesters' objective figures and workers' ratings of them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from microwork.fairness import services
from microwork.fairness.models import RequesterRating
from microwork.fairness.selectors import requester_reputation
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _submitted(requester, seconds=60, worker=None):
    batch = PublishedBatchFactory(
        project=ProjectFactory(requester=requester, reward_cents=60, assignments_per_task=1)
    )
    return SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, max_assignments=1),
        worker=worker or WorkerFactory(),
        work_seconds=seconds,
    )


def test_requester_reputation_figures_are_exact(requester):
    approved = [_submitted(requester, seconds) for seconds in (60, 120, 180)]
    for assignment in approved:
        work.assignment_approve(assignment=assignment, requester=requester)
    rejected = _submitted(requester, 60)
    work.assignment_reject(assignment=rejected, requester=requester, reason="Blank.")
    # Review times: set them exactly (submit -> review 1, 2, 3, 10 minutes).
    for assignment, minutes in zip([*approved, rejected], (1, 2, 3, 10), strict=True):
        Assignment.objects.filter(pk=assignment.pk).update(
            reviewed_at=assignment.submitted_at + timedelta(minutes=minutes)
        )
    fund(requester, 1000)
    rejected.refresh_from_db()
    services.appeal_rejection_open(worker=rejected.worker, assignment=rejected, message="Look")

    figures = requester_reputation(requester)

    # 1.80 paid for 360 s of approved work and 60 s rejected.
    assert figures.hourly_paid_cents == 180 * 3600 // 360 == 1800
    assert figures.hourly_all_cents == 180 * 3600 // 420 == 1542
    assert figures.approval_rate == 75
    assert figures.reviewed == 4
    assert figures.median_review_seconds == (120 + 180) // 2
    assert (figures.appeals, figures.appeals_granted) == (1, 0)
    assert figures.ratings == 0


def test_requester_with_no_work_has_no_figures(requester):
    figures = requester_reputation(requester)

    assert figures.hourly_all_cents is None
    assert figures.approval_rate is None
    assert figures.median_review_seconds is None


def test_worker_rates_a_requester_once_and_can_change_it(requester, worker):
    _submitted(requester, worker=worker)

    services.requester_rating_set(
        worker=worker, requester=requester, fair=5, fast=4, pay=3, communication=2
    )
    services.requester_rating_set(
        worker=worker, requester=requester, fair=1, fast=4, pay=3, communication=2
    )

    rating = RequesterRating.objects.get()
    assert (rating.fair, rating.fast, rating.pay, rating.communication) == (1, 4, 3, 2)
    figures = requester_reputation(requester)
    assert figures.ratings == 1
    assert figures.rating_fair == 1


def test_rating_needs_work_done_for_the_requester(requester, worker):
    _submitted(RequesterFactory(), worker=worker)

    with pytest.raises(services.FairnessRefused):
        services.requester_rating_set(
            worker=worker, requester=requester, fair=5, fast=5, pay=5, communication=5
        )

    assert not RequesterRating.objects.exists()


def test_rating_out_of_range_is_refused(requester, worker):
    _submitted(requester, worker=worker)

    with pytest.raises(ValidationError):
        services.requester_rating_set(
            worker=worker, requester=requester, fair=6, fast=5, pay=5, communication=5
        )

    assert not RequesterRating.objects.exists()
