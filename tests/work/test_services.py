import time
from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.projects.enums import BatchStatus
from microwork.projects.models import Task
from microwork.work import services
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import (
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
    make_tasks,
)
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _batch(redundancy=3, tasks=2, **project):
    batch = PublishedBatchFactory(
        project=ProjectFactory(assignments_per_task=redundancy, **project)
    )
    make_tasks(batch, tasks)
    return batch


def test_assignment_claim_next_hands_out_first_open_task_with_deadline(worker):
    batch = _batch()
    first = batch.tasks.order_by("pk").first()

    assignment = services.assignment_claim_next(worker=worker, project=batch.project)

    assert assignment.task == first
    assert assignment.state == AssignmentState.ACCEPTED
    assert assignment.deadline == assignment.accepted_at + timedelta(seconds=600)
    first.refresh_from_db()
    assert first.open_slots == 2


def test_assignment_claim_next_never_gives_a_worker_the_same_task_twice(worker):
    batch = _batch(tasks=2)

    a = services.assignment_claim_next(worker=worker, project=batch.project)
    services.assignment_return(assignment=a, worker=worker)
    b = services.assignment_claim_next(worker=worker, project=batch.project)
    services.assignment_submit(assignment=b, fields={"answer": ["x"]}, worker=worker)

    assert a.task != b.task
    with pytest.raises(services.NoTaskAvailable):
        services.assignment_claim_next(worker=worker, project=batch.project)
    assert Assignment.objects.filter(worker=worker).count() == 2


def test_assignment_claim_next_resumes_the_open_assignment_on_a_second_click(worker):
    batch = _batch(tasks=2)

    first = services.assignment_claim_next(worker=worker, project=batch.project)
    again = services.assignment_claim_next(worker=worker, project=batch.project)

    assert again.pk == first.pk
    assert Assignment.objects.filter(worker=worker).count() == 1
    assert sorted(batch.tasks.values_list("open_slots", flat=True)) == [2, 3]


def test_assignment_claim_next_stops_at_redundancy():
    batch = _batch(redundancy=2, tasks=1)
    workers = WorkerFactory.create_batch(3)
    services.assignment_claim_next(worker=workers[0], project=batch.project)
    services.assignment_claim_next(worker=workers[1], project=batch.project)

    with pytest.raises(services.NoTaskAvailable):
        services.assignment_claim_next(worker=workers[2], project=batch.project)

    task = batch.tasks.get()
    assert task.open_slots == 0
    assert task.assignments.count() == 2


@pytest.mark.parametrize("status", [BatchStatus.DRAFT, BatchStatus.PAUSED, BatchStatus.CANCELLED])
def test_assignment_claim_next_refuses_batches_not_live(worker, status):
    batch = _batch(tasks=1)
    batch.status = status
    batch.save()

    with pytest.raises(services.NoTaskAvailable):
        services.assignment_claim_next(worker=worker, project=batch.project)

    assert not Assignment.objects.exists()
    assert batch.tasks.get().open_slots == 3


def test_assignment_claim_next_refuses_expired_batch(worker):
    batch = _batch(tasks=1)
    batch.expires_at = timezone.now() - timedelta(seconds=1)
    batch.save()

    with pytest.raises(services.NoTaskAvailable):
        services.assignment_claim_next(worker=worker, project=batch.project)
    assert not Assignment.objects.exists()


def test_assignment_claim_refuses_requester():
    batch = _batch(tasks=1)

    with pytest.raises(services.NoTaskAvailable):
        services.assignment_claim_next(worker=RequesterFactory(), project=batch.project)
    assert not Assignment.objects.exists()


def test_assignment_claim_refuses_full_task(worker):
    task = TaskFactory(max_assignments=1, open_slots=1)
    AssignmentFactory(task=task)

    with pytest.raises(services.NoTaskAvailable, match="all the workers"):
        services.assignment_claim(worker=worker, task=task)
    assert task.assignments.count() == 1


def test_assignment_claim_refuses_task_already_done(worker):
    task = TaskFactory()
    AssignmentFactory(task=task, worker=worker, state=AssignmentState.RETURNED)

    with pytest.raises(services.NoTaskAvailable, match="already worked"):
        services.assignment_claim(worker=worker, task=task)
    assert task.assignments.count() == 1


def test_overdue_assignment_expires_and_frees_its_slot_without_any_job(worker):
    batch = _batch(redundancy=1, tasks=1)
    old = AssignmentFactory(
        task=batch.tasks.get(),
        accepted_at=timezone.now() - timedelta(hours=2),
        deadline=timezone.now() - timedelta(hours=1),
    )
    assert batch.tasks.get().open_slots == 0

    fresh = services.assignment_claim_next(worker=worker, project=batch.project)

    old.refresh_from_db()
    assert old.state == AssignmentState.EXPIRED
    assert fresh.task_id == old.task_id
    assert batch.tasks.get().open_slots == 0


def test_assignment_claim_next_frees_overdue_slot_even_right_after_a_sweep(worker, monkeypatch):
    batch = _batch(redundancy=1, tasks=1)
    old = AssignmentFactory(task=batch.tasks.get(), deadline=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(services, "_last_sweep", time.monotonic())  # the periodic sweep just ran

    fresh = services.assignment_claim_next(worker=worker, project=batch.project)

    old.refresh_from_db()
    assert old.state == AssignmentState.EXPIRED
    assert fresh.task_id == old.task_id
    assert batch.tasks.get().open_slots == 0


def test_assignment_claim_next_moves_on_to_the_next_batch_of_the_project(worker):
    first = _batch(redundancy=2, tasks=2)
    second = PublishedBatchFactory(project=first.project)
    later_task = make_tasks(second, 1)[0]
    for task in first.tasks.all():
        SubmittedAssignmentFactory(task=task, worker=worker)  # done, and still a slot left

    assignment = services.assignment_claim_next(worker=worker, project=first.project)

    assert assignment.task_id == later_task.pk
    assert Assignment.objects.get(pk=assignment.pk).public_id == assignment.public_id
    later_task.refresh_from_db()
    assert later_task.open_slots == 1
    assert sorted(first.tasks.values_list("open_slots", flat=True)) == [1, 1]


def test_assignment_claim_of_full_task_frees_an_overdue_slot_first(worker):
    task = TaskFactory(max_assignments=1, open_slots=1)
    old = AssignmentFactory(task=task, deadline=timezone.now() - timedelta(seconds=1))
    assert Task.objects.get(pk=task.pk).open_slots == 0

    assignment = services.assignment_claim(worker=worker, task=task)

    old.refresh_from_db()
    assert old.state == AssignmentState.EXPIRED
    assert assignment.task_id == task.pk
    assert Task.objects.get(pk=task.pk).open_slots == 0


def test_assignment_submit_stores_answer_and_work_time(worker):
    assignment = AssignmentFactory(
        worker=worker, accepted_at=timezone.now() - timedelta(seconds=30)
    )

    services.assignment_submit(
        assignment=assignment, fields={"answer": ["positive"]}, worker=worker
    )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.answers == {"answer": "positive"}
    assert 30 <= assignment.work_seconds <= 31


def test_assignment_submit_keeps_repeated_fields_as_list(worker):
    assignment = AssignmentFactory(worker=worker)

    services.assignment_submit(
        assignment=assignment, fields={"tags": ["a", "b"], "mw_token": ["x"]}
    )

    assignment.refresh_from_db()
    assert assignment.answers == {"tags": ["a", "b"]}


def test_assignment_submit_twice_is_refused_and_keeps_first_answer(worker):
    assignment = AssignmentFactory(worker=worker)
    services.assignment_submit(assignment=assignment, fields={"answer": ["first"]}, worker=worker)

    with pytest.raises(services.AssignmentNotOpen):
        services.assignment_submit(
            assignment=assignment, fields={"answer": ["second"]}, worker=worker
        )

    assignment.refresh_from_db()
    assert assignment.answers == {"answer": "first"}


def test_assignment_submit_of_someone_elses_assignment_is_refused(worker):
    assignment = AssignmentFactory()

    with pytest.raises(services.AssignmentNotOpen, match="not yours"):
        services.assignment_submit(assignment=assignment, fields={"answer": ["x"]}, worker=worker)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert assignment.answers is None


def test_assignment_submit_after_deadline_is_refused_and_expires(worker):
    assignment = AssignmentFactory(
        worker=worker,
        accepted_at=timezone.now() - timedelta(hours=1),
        deadline=timezone.now() - timedelta(seconds=1),
    )
    slots_before = assignment.task.open_slots

    with pytest.raises(services.DeadlinePassed):
        services.assignment_submit(
            assignment=assignment, fields={"answer": ["late"]}, worker=worker
        )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.EXPIRED
    assert assignment.answers is None
    assert Task.objects.get(pk=assignment.task_id).open_slots == slots_before + 1


def test_assignment_submit_empty_answer_is_refused(worker):
    assignment = AssignmentFactory(worker=worker)

    with pytest.raises(services.WorkRefused, match="empty"):
        services.assignment_submit(assignment=assignment, fields={"mw_token": ["t"]}, worker=worker)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED


def test_image_classification_answer_must_be_one_of_the_labels(worker):
    batch = PublishedBatchFactory(project=ImageProjectFactory(), columns=["image_url"])
    task = TaskFactory(batch=batch, input={"image_url": "/media/a.png"})
    assignment = AssignmentFactory(task=task, worker=worker)

    with pytest.raises(services.WorkRefused, match="labels"):
        services.assignment_submit(
            assignment=assignment, fields={"label": ["horse"]}, worker=worker
        )
    assignment.refresh_from_db()
    assert assignment.answers is None

    services.assignment_submit(
        assignment=assignment, fields={"label": ["dog"], "extra": ["x"]}, worker=worker
    )
    assignment.refresh_from_db()
    assert assignment.answers == {"label": "dog"}


def test_assignment_return_gives_slot_back(worker):
    assignment = AssignmentFactory(worker=worker)
    slots = assignment.task.open_slots

    services.assignment_return(assignment=assignment, worker=worker)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.RETURNED
    assert Task.objects.get(pk=assignment.task_id).open_slots == slots + 1


def test_assignment_return_of_submitted_work_is_refused(worker):
    assignment = SubmittedAssignmentFactory(worker=worker)
    slots = assignment.task.open_slots

    with pytest.raises(services.AssignmentNotOpen):
        services.assignment_return(assignment=assignment, worker=worker)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert Task.objects.get(pk=assignment.task_id).open_slots == slots


def test_assignment_approve_and_reject_need_the_owner():
    assignment = SubmittedAssignmentFactory()
    stranger = RequesterFactory()

    with pytest.raises(services.ReviewRefused):
        services.assignment_approve(assignment=assignment, requester=stranger)
    with pytest.raises(services.ReviewRefused):
        services.assignment_reject(assignment=assignment, requester=stranger, reason="bad")

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.reviewed_at is None


def test_assignment_reject_requires_reason():
    assignment = SubmittedAssignmentFactory()
    owner = assignment.task.batch.project.requester

    with pytest.raises(services.ReviewRefused, match="reason"):
        services.assignment_reject(assignment=assignment, requester=owner, reason="  ")

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED


def test_rejection_can_be_overturned_within_30_days():
    assignment = SubmittedAssignmentFactory()
    owner = assignment.task.batch.project.requester
    services.assignment_reject(assignment=assignment, requester=owner, reason="Wrong label")

    services.assignment_approve(
        assignment=assignment, requester=owner, feedback="Sorry, my mistake"
    )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.APPROVED
    assert assignment.feedback == "Sorry, my mistake"


def test_rejection_older_than_30_days_cannot_be_overturned():
    assignment = SubmittedAssignmentFactory()
    owner = assignment.task.batch.project.requester
    services.assignment_reject(assignment=assignment, requester=owner, reason="Wrong label")
    Assignment.objects.filter(pk=assignment.pk).update(
        reviewed_at=timezone.now() - timedelta(days=31)
    )

    with pytest.raises(services.ReviewRefused, match="30 days"):
        services.assignment_approve(assignment=assignment, requester=owner)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REJECTED


def test_assignments_review_in_bulk_is_all_or_nothing():
    first = SubmittedAssignmentFactory()
    owner = first.task.batch.project.requester
    second = SubmittedAssignmentFactory(task=TaskFactory(batch=first.task.batch))
    already = SubmittedAssignmentFactory(
        task=TaskFactory(batch=first.task.batch), state=AssignmentState.APPROVED
    )

    with pytest.raises(services.ReviewRefused):
        services.assignments_review(
            assignments=[first, second, already], requester=owner, approve=False, reason="x"
        )

    states = set(
        Assignment.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    )
    assert states == {AssignmentState.SUBMITTED}

    assert (
        services.assignments_review(assignments=[first, second], requester=owner, approve=True) == 2
    )
    assert set(
        Assignment.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    ) == {AssignmentState.APPROVED}


# --- active time --------------------------------------------------------------------------


def _accepted_ago(seconds, **kwargs):
    return AssignmentFactory(accepted_at=timezone.now() - timedelta(seconds=seconds), **kwargs)


def test_assignment_record_active_time_stores_the_reported_seconds(worker):
    assignment = _accepted_ago(100, worker=worker)

    services.assignment_record_active_time(assignment=assignment, worker=worker, seconds=37)

    assignment.refresh_from_db()
    assert assignment.active_seconds == 37
    assert assignment.state == AssignmentState.ACCEPTED


@pytest.mark.parametrize(("reported", "stored"), [(-5, 0), (0, 0), (100_000, 100)])
def test_assignment_record_active_time_clamps_to_the_time_since_accept(worker, reported, stored):
    assignment = _accepted_ago(100, worker=worker)

    services.assignment_record_active_time(assignment=assignment, worker=worker, seconds=reported)

    assignment.refresh_from_db()
    assert assignment.active_seconds == stored


def test_assignment_record_active_time_keeps_the_largest_report(worker):
    assignment = _accepted_ago(100, worker=worker)

    for seconds in [30, 20, 30, 50, 40]:
        services.assignment_record_active_time(
            assignment=assignment, worker=worker, seconds=seconds
        )

    assignment.refresh_from_db()
    assert assignment.active_seconds == 50


def test_assignment_record_active_time_refuses_another_worker_and_changes_nothing(worker):
    assignment = _accepted_ago(100, active_seconds=10)

    with pytest.raises(services.AssignmentNotOpen):
        services.assignment_record_active_time(assignment=assignment, worker=worker, seconds=60)

    assignment.refresh_from_db()
    assert assignment.active_seconds == 10


def test_assignment_record_active_time_takes_a_report_just_after_submit_up_to_work_time(worker):
    # Submitted 8 s ago after 42 s of work: the page's last report comes now.
    assignment = SubmittedAssignmentFactory(
        worker=worker, accepted_at=timezone.now() - timedelta(seconds=50)
    )

    services.assignment_record_active_time(assignment=assignment, worker=worker, seconds=48)

    assignment.refresh_from_db()
    assert assignment.active_seconds == 42
    assert assignment.state == AssignmentState.SUBMITTED


def test_assignment_record_active_time_refuses_after_the_grace_and_changes_nothing(worker):
    # Submitted 61 s ago, one second past the grace.
    assignment = SubmittedAssignmentFactory(
        worker=worker,
        accepted_at=timezone.now() - timedelta(seconds=42 + 61),
        active_seconds=10,
    )

    with pytest.raises(services.AssignmentNotOpen):
        services.assignment_record_active_time(assignment=assignment, worker=worker, seconds=30)

    assignment.refresh_from_db()
    assert assignment.active_seconds == 10


@pytest.mark.parametrize("state", [AssignmentState.RETURNED, AssignmentState.EXPIRED, "overdue"])
def test_assignment_record_active_time_refuses_closed_assignments(worker, state):
    if state == "overdue":
        assignment = _accepted_ago(700, worker=worker)  # deadline 100 s ago, not swept yet
    else:
        assignment = _accepted_ago(100, worker=worker, state=state, ended_at=timezone.now())

    with pytest.raises(services.AssignmentNotOpen):
        services.assignment_record_active_time(assignment=assignment, worker=worker, seconds=30)

    assignment.refresh_from_db()
    assert assignment.active_seconds is None
