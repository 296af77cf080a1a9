"""Appeals against rejections and blocks: deadlines, automatic grants that pay, arbitration."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from microwork.fairness import services
from microwork.fairness.enums import AppealDecider, AppealState
from microwork.fairness.models import Appeal
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.quality.models import WorkerBlock
from microwork.quality.selectors import worker_system_values
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.quality.factories import WorkerBlockFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _rejected(worker=None):
    assignment = SubmittedAssignmentFactory(worker=worker or WorkerFactory())
    requester = assignment.task.batch.project.requester
    work.assignment_reject(assignment=assignment, requester=requester, reason="Off topic.")
    assignment.refresh_from_db()
    fund(requester, 1000)
    return assignment


def _earned(worker):
    return payments.balance(payments.worker_available(worker))


def test_appeal_of_a_rejection_records_the_reason_and_deadline():
    assignment = _rejected()

    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="I answered the question."
    )

    assert appeal.state == AppealState.OPEN
    assert appeal.appealed_reason == "Off topic."
    assert appeal.answer_due_at == appeal.opened_at + timedelta(days=7)
    assert appeal.requester == assignment.task.batch.project.requester


def test_appeal_after_14_days_is_refused():
    assignment = _rejected()
    type(assignment).objects.filter(pk=assignment.pk).update(
        reviewed_at=timezone.now() - timedelta(days=15)
    )
    assignment.refresh_from_db()

    with pytest.raises(services.FairnessRefused):
        services.appeal_rejection_open(
            worker=assignment.worker, assignment=assignment, message="Late."
        )

    assert not Appeal.objects.exists()


def test_appeal_of_someone_elses_rejection_or_twice_is_refused():
    assignment = _rejected()
    with pytest.raises(services.FairnessRefused):
        services.appeal_rejection_open(
            worker=WorkerFactory(), assignment=assignment, message="Mine?"
        )
    services.appeal_rejection_open(worker=assignment.worker, assignment=assignment, message="1")
    with pytest.raises(services.FairnessRefused):
        services.appeal_rejection_open(worker=assignment.worker, assignment=assignment, message="2")
    assert Appeal.objects.count() == 1


def test_requester_grant_pays_the_work_and_restores_the_approval_rate():
    assignment = _rejected()
    worker = assignment.worker
    assert worker_system_values(worker).approval_rate == 0
    appeal = services.appeal_rejection_open(worker=worker, assignment=assignment, message="Look")

    services.appeal_answer(
        appeal=appeal, requester=assignment.task.batch.project.requester, grant=True
    )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.APPROVED
    assert _earned(worker) == 50
    assert worker_system_values(worker).approval_rate == 100
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.REQUESTER)
    assert ledger_problems() == []


def test_requester_denial_needs_a_reason_and_pays_nothing():
    assignment = _rejected()
    requester = assignment.task.batch.project.requester
    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look"
    )

    with pytest.raises(ValidationError):
        services.appeal_answer(appeal=appeal, requester=requester, grant=False, answer=" ")
    services.appeal_answer(appeal=appeal, requester=requester, grant=False, answer="Gold failed.")

    appeal.refresh_from_db()
    assert appeal.state == AppealState.DENIED
    assert appeal.answer == "Gold failed."
    assert _earned(assignment.worker) == 0


def test_other_requester_cannot_answer():
    assignment = _rejected()
    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look"
    )

    with pytest.raises(services.FairnessRefused):
        services.appeal_answer(appeal=appeal, requester=RequesterFactory(), grant=True)

    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN


def test_unanswered_appeal_is_granted_after_7_days_and_paid():
    assignment = _rejected()
    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look"
    )

    assert services.appeals_grant_overdue(now=timezone.now() + timedelta(days=6)) == 0
    assert services.appeals_grant_overdue(now=timezone.now() + timedelta(days=7, seconds=1)) == 1

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.AUTOMATIC)
    assert _earned(assignment.worker) == 50
    with pytest.raises(services.FairnessRefused):
        services.appeal_answer(
            appeal=appeal,
            requester=assignment.task.batch.project.requester,
            grant=False,
            answer="Too late",
        )
    assert ledger_problems() == []


def test_requester_cannot_answer_after_the_deadline():
    assignment = _rejected()
    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look"
    )
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(services.FairnessRefused):
        services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="No")


def test_staff_can_overrule_a_denial():
    assignment = _rejected()
    appeal = services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Look"
    )
    services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="No")
    staff = UserFactory(role="requester", is_staff=True)

    with pytest.raises(services.FairnessRefused):
        services.appeal_arbitrate(appeal=appeal, staff=WorkerFactory(), grant=True, answer="x")
    services.appeal_arbitrate(appeal=appeal, staff=staff, grant=True, answer="The answer fits.")

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decider) == (
        AppealState.GRANTED,
        AppealDecider.STAFF,
        staff,
    )
    assert _earned(assignment.worker) == 50


def test_granted_block_appeal_lifts_the_block():
    block = WorkerBlockFactory()
    appeal = services.appeal_block_open(worker=block.worker, block=block, message="Mistake")

    services.appeal_answer(appeal=appeal, requester=block.requester, grant=True)

    assert not WorkerBlock.objects.filter(pk=block.pk).exists()
    appeal.refresh_from_db()
    assert appeal.state == AppealState.GRANTED
    assert appeal.appealed_reason == block.reason


def test_block_appeal_is_granted_automatically_too():
    block = WorkerBlockFactory()
    services.appeal_block_open(worker=block.worker, block=block, message="Mistake")

    services.appeals_grant_overdue(now=timezone.now() + timedelta(days=8))

    assert not WorkerBlock.objects.filter(pk=block.pk).exists()


def test_old_block_or_someone_elses_block_cannot_be_appealed():
    block = WorkerBlockFactory(created_at=timezone.now() - timedelta(days=15))
    with pytest.raises(services.FairnessRefused):
        services.appeal_block_open(worker=block.worker, block=block, message="Late")
    fresh = WorkerBlockFactory()
    with pytest.raises(services.FairnessRefused):
        services.appeal_block_open(worker=WorkerFactory(), block=fresh, message="Not me")
    assert not Appeal.objects.exists()


def test_a_claim_lifts_a_requester_block_whose_appeal_went_unanswered():
    from microwork.quality import services as quality
    from tests.projects.factories import ProjectFactory

    block = WorkerBlockFactory()
    project = ProjectFactory(requester=block.requester)
    appeal = services.appeal_block_open(worker=block.worker, block=block, message="Mistake")
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=timezone.now() - timedelta(seconds=1))

    assert quality.ensure_can_accept(worker=block.worker, project=project) is None

    assert not WorkerBlock.objects.filter(pk=block.pk).exists()
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.AUTOMATIC)
