"""What fairness publishes: an appeal opened, an appeal decided (by the requester, by staff, or
by the clock), once each; nothing on a refused act."""

from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.fairness import events, services
from microwork.quality import events as quality_events
from microwork.work import services as work
from tests.accounts.factories import UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.quality.factories import WorkerBlockFactory
from tests.recording import recorded
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _rejected():
    assignment = SubmittedAssignmentFactory()
    requester = assignment.task.batch.project.requester
    work.assignment_reject(assignment=assignment, requester=requester, reason="Off topic.")
    fund(requester, 1000)
    assignment.refresh_from_db()
    return assignment


def _ids(appeal):
    return {
        "appeal_id": appeal.pk,
        "worker_id": appeal.worker_id,
        "requester_id": appeal.requester_id,
    }


def test_appeal_opened_once_and_not_twice_for_one_rejection():
    assignment = _rejected()

    with recorded(events.appeal_opened) as published:
        appeal = services.appeal_rejection_open(
            worker=assignment.worker, assignment=assignment, message="Look again"
        )
        with pytest.raises(services.FairnessRefused):
            services.appeal_rejection_open(
                worker=assignment.worker, assignment=assignment, message="Again"
            )
        with pytest.raises(services.FairnessRefused):
            services.appeal_rejection_open(
                worker=WorkerFactory(), assignment=assignment, message="Not mine"
            )

    assert published == [events.AppealOpened(**_ids(appeal))]


def test_appeal_decided_by_the_requester_then_by_staff():
    assignment = _rejected()
    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look again"
    )
    staff = UserFactory(role="requester", is_staff=True)

    with recorded(events.appeal_decided) as published:
        services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="No")
        with pytest.raises(services.FairnessRefused):
            services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=True)
        services.appeal_arbitrate(appeal=appeal, staff=staff, grant=True, answer="It fits.")

    assert published == [
        events.AppealDecided(**_ids(appeal), granted=False),
        events.AppealDecided(**_ids(appeal), granted=True),
    ]


def test_overdue_block_appeal_is_decided_once_and_lifts_the_block_once():
    block = WorkerBlockFactory()
    appeal = services.appeal_block_open(worker=block.worker, block=block, message="Mistake")
    later = timezone.now() + timedelta(days=8)

    with recorded(events.appeal_decided, quality_events.worker_unblocked) as published:
        services.appeals_grant_overdue(now=later)
        services.appeals_grant_overdue(now=later)

    assert published == [
        quality_events.WorkerUnblocked(requester_id=block.requester_id, worker_id=block.worker_id),
        events.AppealDecided(**_ids(appeal), granted=True),
    ]
