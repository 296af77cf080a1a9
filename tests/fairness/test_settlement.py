"""Settling what is due (fairness/settlement.py): the sweep does what time has decided, and
does it once; a claim still frees the overdue slot it takes."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from microwork.fairness.jobs import sweep
from microwork.fairness.settlement import settle_due as sweep_run
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.projects import services as projects
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

SLOT = 60  # reward 0.50 + fee 0.10


def _published(*, tasks=2, redundancy=3):
    batch = BatchFactory(project=ProjectFactory(assignments_per_task=redundancy))
    for row in range(tasks):
        TaskFactory(
            batch=batch, row_number=row + 2, max_assignments=redundancy, open_slots=redundancy
        )
    batch.task_count = tasks
    batch.save()
    fund(batch.project.requester, 10_000)
    return projects.batch_publish(batch=batch)


def _claim(batch):
    worker = WorkerFactory()
    return worker, work.assignment_claim_next(worker=worker, project=batch.project)


def test_sweep_expires_approves_and_settles_what_is_due():
    batch = _published()
    _worker, overdue = _claim(batch)
    Assignment.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    worker, submitted = _claim(batch)
    work.assignment_submit(assignment=submitted, fields={"answer": ["yes"]}, worker=worker)
    Assignment.objects.filter(pk=submitted.pk).update(
        auto_approval_due_at=timezone.now() - timedelta(seconds=1)
    )
    ended = _published()
    ended.expires_at = timezone.now() - timedelta(seconds=1)
    ended.save(update_fields=["expires_at"])

    result = sweep_run()

    assert (result.expired, result.auto_approved, result.batches_settled) == (1, 1, 1)
    overdue.refresh_from_db()
    submitted.refresh_from_db()
    assert overdue.state == AssignmentState.EXPIRED
    assert submitted.state == AssignmentState.APPROVED
    assert submitted.is_auto_approved is True
    assert sorted(batch.tasks.values_list("open_slots", flat=True)) == [2, 3]
    assert payments.balance(payments.worker_available(worker)) == 50
    assert payments.balance(payments.escrow(ended)) == 0
    assert ledger_problems() == []
    assert sweep_run() == type(result)()  # nothing left to do: a second run changes nothing


def test_sweep_leaves_the_same_state_as_the_lazy_paths():
    lazy, swept = _published(tasks=1, redundancy=1), _published(tasks=1, redundancy=1)
    for batch in (lazy, swept):
        _worker, assignment = _claim(batch)
        Assignment.objects.filter(pk=assignment.pk).update(
            deadline=timezone.now() - timedelta(seconds=1)
        )

    lazy_claim = _claim(lazy)[1]  # the claim itself frees the overdue slot
    sweep_run()
    swept_claim = _claim(swept)[1]

    for batch, claim in ((lazy, lazy_claim), (swept, swept_claim)):
        assert claim.state == AssignmentState.ACCEPTED
        states = sorted(
            Assignment.objects.filter(task__batch=batch).values_list("state", flat=True)
        )
        assert states == [AssignmentState.ACCEPTED, AssignmentState.EXPIRED]
        assert batch.tasks.get().open_slots == 0
    assert ledger_problems() == []


def test_sweep_job_runs_every_minute():
    start = datetime(2026, 11, 28, 10, 0)
    minutes = [start + timedelta(minutes=n) for n in range(5)]

    job = sweep.task_class()
    assert all(job.validate_datetime(minute) for minute in minutes)
    assert sweep.call_local() == {
        "expired": 0,
        "auto_approved": 0,
        "batches_settled": 0,
        "appeals_granted": 0,
        "batches_finished": 0,
    }


def test_sweep_command_prints_what_it_did(capsys):
    call_command("sweep")

    assert capsys.readouterr().out.strip() == (
        "expired 0, auto-approved 0, batches settled 0, appeals granted 0"
    )
