"""Threads on PostgreSQL enforcing the pay floor on one batch while its work is approved, and
appealing and granting one rule action from many threads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.fairness import services
from microwork.fairness.enums import AppealDecider, AppealState
from microwork.fairness.models import Appeal, PayFloorNotice
from microwork.fairness.services import batch_pay_floor_enforce
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Posting
from microwork.projects import services as projects
from microwork.quality import rules
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.fairness.factories import rule_action
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


# An estimate of 20 s holds no reserve (0.10 meets the floor for it); one of 60 s holds each
# slot at 0.21, the reserve that pays the top-ups (adr 0011).
@pytest.mark.parametrize("estimate", [20, 60])
def test_concurrent_enforcement_and_approvals_pay_every_top_up_once(settings, estimate):
    settings.MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS = 4
    batch = BatchFactory(
        project=ProjectFactory(reward_cents=10, estimated_seconds=estimate, assignments_per_task=1)
    )
    for row in range(8):
        TaskFactory(batch=batch, row_number=row + 2, max_assignments=1)
    batch.task_count = 8
    batch.save()
    fund(batch.project.requester, 10_000)
    batch = projects.batch_publish(batch=batch)
    submitted = []
    for _index in range(8):
        worker = WorkerFactory()
        assignment = work.assignment_claim_next(worker=worker, project=batch.project)
        work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)
        submitted.append(assignment)
    Assignment.objects.filter(pk__in=[a.pk for a in submitted]).update(work_seconds=60)
    requester = batch.project.requester

    def act(index):
        if index < 8:
            work.assignment_approve(assignment=submitted[index], requester=requester)
        else:
            batch_pay_floor_enforce(batch=batch)

    assert run_in_threads(THREADS, act) == []
    batch_pay_floor_enforce(batch=batch)  # the sweep after the storm

    assert PayFloorNotice.objects.count() == 1
    for assignment in submitted:
        assert payments.reward_received(assignment) == 21
    assert Posting.objects.filter(kind="topup").count() <= 8
    assert ledger_problems() == []


def test_concurrent_appeals_of_one_rule_action_open_one():
    action = rule_action()

    def act(index):
        services.appeal_rule_action_open(worker=action.worker, action=action, message=f"{index}")

    errors = run_in_threads(8, act)

    assert len(errors) == 7
    assert all(isinstance(error, services.FairnessRefused) for error in errors)
    assert Appeal.objects.filter(rule_action=action).count() == 1


def test_concurrent_sweeps_and_a_lift_end_a_rule_action_once():
    action = rule_action()
    appeal = services.appeal_rule_action_open(worker=action.worker, action=action, message="x")
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=timezone.now() - timedelta(seconds=1))
    granted = []

    def act(index):
        if index == 0:
            rules.rule_action_lift(action=action)
        else:
            granted.append(services.appeals_grant_overdue())

    assert run_in_threads(THREADS, act) == []

    assert sum(granted) == 1
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.AUTOMATIC)
    action.refresh_from_db()
    assert action.lifted_at is not None
