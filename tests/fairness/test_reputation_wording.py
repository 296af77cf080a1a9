"""The reputation's wording (issue 16, bug 9): no "0.00 EUR / hour" while work waits for
review."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

REPUTATION = Template("{% load fairness %}{% requester_reputation requester %}")


def _work(requester) -> None:
    """A returned assignment (five minutes unpaid) and a submission waiting for review."""
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    returned, submitted = make_tasks(batch, 2)
    accepted_at = timezone.now() - timedelta(minutes=10)
    AssignmentFactory(
        task=returned,
        state=AssignmentState.RETURNED,
        accepted_at=accepted_at,
        ended_at=accepted_at + timedelta(minutes=5),
    )
    SubmittedAssignmentFactory(task=submitted, work_seconds=120)


def test_work_only_waiting_for_review_says_nothing_paid_yet():
    """It said "0.00 EUR / hour": the returned task's time over no pay, before any review."""
    requester = RequesterFactory()
    _work(requester)

    html = REPUTATION.render(Context({"requester": requester}))

    assert "nothing paid yet" in html
    assert "0.00 EUR" not in html


def test_no_work_at_all_still_says_so():
    html = REPUTATION.render(Context({"requester": RequesterFactory()}))

    assert "no work done yet" in html
    assert "nothing paid yet" not in html
