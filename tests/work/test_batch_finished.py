"""batch_finished: published once per batch, by the act (or the sweep) that left nothing to do
or review in it, and never by a refused act."""

from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.fairness.settlement import settle_due
from microwork.projects import services as projects
from microwork.projects.models import Batch
from microwork.work import events
from microwork.work import services as work
from microwork.work.models import Assignment, BatchFinish
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.recording import recorded

pytestmark = pytest.mark.django_db


def _published(tasks=1, redundancy=1):
    batch = BatchFactory(project=ProjectFactory(assignments_per_task=redundancy))
    for row in range(tasks):
        TaskFactory(
            batch=batch, row_number=row + 2, max_assignments=redundancy, open_slots=redundancy
        )
    batch.task_count = tasks
    batch.save()
    fund(batch.project.requester, 10_000)
    return projects.batch_publish(batch=batch)


def _submitted(batch):
    worker = WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    return work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)


def _finished(batch):
    return events.BatchFinished(batch_id=batch.pk, requester_id=batch.project.requester_id)


def test_approving_the_last_slot_finishes_the_batch_once():
    batch = _published(tasks=2)
    first, last = _submitted(batch), _submitted(batch)
    owner = batch.project.requester

    with recorded(events.batch_finished) as published:
        work.assignment_approve(assignment=first, requester=owner)
        assert published == []
        work.assignment_approve(assignment=last, requester=owner)
        settle_due()
        work.batches_finish_done()

    assert published == [_finished(batch)]
    assert BatchFinish.objects.filter(batch=batch).count() == 1


def test_rejecting_the_last_slot_finishes_the_batch_once():
    batch = _published()
    assignment = _submitted(batch)

    with recorded(events.batch_finished) as published:
        work.assignment_reject(
            assignment=assignment, requester=batch.project.requester, reason="Off topic"
        )

    assert published == [_finished(batch)]


def test_bulk_review_finishes_each_batch_once():
    batch = _published(tasks=3)
    assignments = [_submitted(batch) for _ in range(3)]

    with recorded(events.batch_finished) as published:
        work.assignments_review(
            assignments=assignments, requester=batch.project.requester, approve=False, reason="No"
        )

    assert published == [_finished(batch)]


def test_refused_review_finishes_nothing():
    batch = _published()
    assignment = _submitted(batch)

    with recorded(events.batch_finished) as published:
        with pytest.raises(work.ReviewRefused):
            work.assignment_reject(
                assignment=assignment, requester=batch.project.requester, reason=""
            )
        with pytest.raises(work.ReviewRefused):
            work.assignment_approve(assignment=assignment, requester=WorkerFactory())

    assert published == []
    assert not BatchFinish.objects.exists()


def test_a_batch_with_work_left_is_not_finished():
    batch = _published(tasks=1, redundancy=2)
    assignment = _submitted(batch)

    with recorded(events.batch_finished) as published:
        work.assignment_approve(assignment=assignment, requester=batch.project.requester)
        settle_due()

    assert published == []


def test_cancelling_a_batch_with_nothing_pending_finishes_it_once():
    batch = _published(tasks=2)

    with recorded(events.batch_finished) as published:
        projects.batch_cancel(batch=batch)
        settle_due()

    assert published == [_finished(batch)]


def test_expiry_of_the_last_accepted_slot_of_an_ended_batch_finishes_it_once():
    batch = _published(tasks=1)
    assignment = work.assignment_claim_next(worker=WorkerFactory(), project=batch.project)
    past = timezone.now() - timedelta(seconds=1)
    Batch.objects.filter(pk=batch.pk).update(expires_at=past)
    Assignment.objects.filter(pk=assignment.pk).update(deadline=past)

    with recorded(events.batch_finished) as published:
        work.assignments_expire_overdue()
        assert published == [_finished(batch)]
        settle_due()

    assert published == [_finished(batch)]


def test_the_sweep_finishes_a_batch_that_ran_out_of_time_once():
    batch = _published(tasks=2)
    Batch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with recorded(events.batch_finished) as published:
        first = settle_due()
        second = settle_due()

    assert published == [_finished(batch)]
    assert (first.batches_finished, second.batches_finished) == (1, 0)


def test_auto_approval_of_the_last_slot_finishes_the_batch_once():
    batch = _published()
    assignment = _submitted(batch)
    Assignment.objects.filter(pk=assignment.pk).update(
        auto_approval_due_at=timezone.now() - timedelta(seconds=1)
    )

    with recorded(events.batch_finished) as published:
        settle_due()
        settle_due()

    assert published == [_finished(batch)]


def test_the_upgrade_records_batches_already_finished_so_the_sweep_announces_none():
    import importlib

    from django.apps import apps

    upgrade = importlib.import_module("microwork.work.migrations.0006_batch_finish_existing")
    done = _published(tasks=1)
    assignment = _submitted(done)
    # Approved before BatchFinish existed: no row, no event.
    Assignment.objects.filter(pk=assignment.pk).update(state="approved")
    live = _published(tasks=2)

    upgrade.record_finished(apps, None)

    assert list(BatchFinish.objects.values_list("batch_id", flat=True)) == [done.pk]
    with recorded(events.batch_finished) as published:
        settle_due()
    assert published == []
    assert not BatchFinish.objects.filter(batch=live).exists()
