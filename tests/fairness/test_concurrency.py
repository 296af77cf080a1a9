"""Threads on PostgreSQL enforcing the pay floor on one batch while its work is approved."""

import pytest

from microwork.fairness.models import PayFloorNotice
from microwork.fairness.services import batch_pay_floor_enforce
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Posting
from microwork.projects import services as projects
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def test_concurrent_enforcement_and_approvals_pay_every_top_up_once(settings):
    settings.MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS = 4
    batch = BatchFactory(
        project=ProjectFactory(reward_cents=10, estimated_seconds=20, assignments_per_task=1)
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
