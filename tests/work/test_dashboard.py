"""The requester's dashboard on their projects page (issue 16): live batches' progress, work
waiting for review, answers per hour, balance."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from microwork.projects.enums import BatchStatus
from microwork.work import dashboard
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory
from tests.payments.factories import fund
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 15, 40, tzinfo=UTC)


def _live_batch(requester, *, tasks=4, per_task=2, name="B"):
    batch = PublishedBatchFactory(
        project=ProjectFactory(requester=requester, assignments_per_task=per_task), name=name
    )
    make_tasks(batch, tasks)
    return batch


def test_live_batches_count_answers_and_work_to_review(requester):
    batch = _live_batch(requester)  # 4 tasks x 2 = 8 answers planned
    tasks = list(batch.tasks.order_by("pk"))
    SubmittedAssignmentFactory(task=tasks[0])
    SubmittedAssignmentFactory(task=tasks[0])
    SubmittedAssignmentFactory(task=tasks[1], state=AssignmentState.APPROVED)
    AssignmentFactory(task=tasks[2])  # accepted: not an answer yet
    AssignmentFactory(task=tasks[3], state=AssignmentState.RETURNED)
    paused = _live_batch(requester, tasks=1, per_task=1, name="Paused")
    paused.status = BatchStatus.PAUSED
    paused.save()
    draft = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    draft.status = BatchStatus.DRAFT
    draft.save()
    _live_batch(RequesterFactory(), name="Someone else's")

    batches = dashboard.requester_live_batches(requester=requester)

    # newest published first
    assert [(b.name, b.answered, b.waiting, b.planned, b.percent) for b in batches] == [
        ("Paused", 0, 0, 1, 0),
        ("B", 3, 2, 8, 37),
    ]
    assert dashboard.requester_waiting_review(requester=requester) == 2


def test_answers_by_hour_counts_each_of_the_last_24_hours(requester):
    batch = _live_batch(requester, tasks=5, per_task=1)
    tasks = list(batch.tasks.order_by("pk"))
    at = [
        NOW - timedelta(minutes=5),  # 15:35, this hour
        NOW - timedelta(minutes=39),  # 15:01, this hour
        NOW - timedelta(minutes=41),  # 14:59, the hour before
        NOW - timedelta(hours=23, minutes=40),  # 16:00 yesterday: the first hour counted
        NOW - timedelta(hours=23, minutes=41),  # 15:59 yesterday: too old
    ]
    for task, submitted_at in zip(tasks, at, strict=True):
        SubmittedAssignmentFactory(task=task, submitted_at=submitted_at)
    other = _live_batch(RequesterFactory(), tasks=1, per_task=1)
    SubmittedAssignmentFactory(task=other.tasks.get(), submitted_at=NOW)

    hours = dashboard.requester_answers_by_hour(requester=requester, now=NOW)

    assert len(hours) == 24
    assert hours[0]["hour"] == datetime(2026, 12, 5, 16, tzinfo=UTC)
    assert hours[-1]["hour"] == datetime(2026, 12, 6, 15, tzinfo=UTC)
    assert {row["hour"].hour: row["answers"] for row in hours if row["answers"]} == {
        16: 1,
        14: 1,
        15: 2,
    }


def test_the_projects_page_shows_the_figures(client, requester):
    fund(requester, 5_000)
    batch = _live_batch(requester, name="First batch")
    SubmittedAssignmentFactory(task=batch.tasks.order_by("pk").first())
    client.force_login(requester)

    html = client.get(reverse("projects:project-list")).content.decode()

    assert "50.00 EUR" in html
    assert '<span class="stat-label">Waiting for your review</span> <strong>1</strong>' in html
    assert f'<a href="{reverse("projects:batch-review", args=[batch.pk])}">1</a>' in html
    assert '<progress max="100" value="12"' in html  # 1 of 8 answers
    assert "1 of 8 answers" in html
    assert '<svg role="img"' in html


def test_progress_by_day_adds_up_the_live_batches_answers(requester, settings):
    settings.TIME_ZONE = "UTC"
    batch = _live_batch(requester, tasks=6, per_task=2)  # 12 answers planned
    tasks = list(batch.tasks.order_by("pk"))
    at = [
        NOW - timedelta(days=20),  # before the 14 days: counted in the first day's total
        NOW - timedelta(days=13, hours=15, minutes=40),  # 23 Nov 00:00, the first day
        NOW - timedelta(days=13, hours=15, minutes=41),  # 22 Nov 23:59, before it
        NOW - timedelta(days=1),  # yesterday
        NOW,  # today
    ]
    for task, submitted_at in zip(tasks[:5], at, strict=True):
        SubmittedAssignmentFactory(task=task, submitted_at=submitted_at)
    AssignmentFactory(task=tasks[5])  # accepted: no answer
    draft = PublishedBatchFactory(project=batch.project, status=BatchStatus.DRAFT)
    make_tasks(draft, 1)
    SubmittedAssignmentFactory(task=draft.tasks.get(), submitted_at=NOW)  # not live
    other = _live_batch(RequesterFactory(), tasks=1, per_task=1)
    SubmittedAssignmentFactory(task=other.tasks.get(), submitted_at=NOW)

    progress = dashboard.requester_progress_by_day(requester=requester, now=NOW)

    days = progress["days"]
    assert len(days) == 14
    assert days[0]["day"].isoformat() == "2026-11-23"
    assert days[-1]["day"].isoformat() == "2026-12-06"
    assert [(row["answers"], row["total"]) for row in days] == [
        (1, 3),
        *[(0, 3)] * 11,
        (1, 4),
        (1, 5),
    ]
    assert progress["planned"] == 12


def test_progress_by_day_counts_days_in_the_current_time_zone(requester, settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in December
    batch = _live_batch(requester, tasks=2, per_task=1)
    first, second = batch.tasks.order_by("pk")
    # 23:30 UTC on 5 December is 00:30 on the 6th in Paris: today there.
    SubmittedAssignmentFactory(task=first, submitted_at=datetime(2026, 12, 5, 23, 30, tzinfo=UTC))
    SubmittedAssignmentFactory(task=second, submitted_at=datetime(2026, 12, 5, 22, 30, tzinfo=UTC))

    days = dashboard.requester_progress_by_day(requester=requester, now=NOW, days=2)["days"]

    assert [(row["day"].isoformat(), row["answers"], row["total"]) for row in days] == [
        ("2026-12-05", 1, 1),
        ("2026-12-06", 1, 2),
    ]
