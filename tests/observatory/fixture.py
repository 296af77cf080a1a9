"""A small month, November 2026, whose every figure is computed by hand in test_statistics.py.

Five workers, two requesters, with k = 3:
- A: two approved custom-HTML assignments of 360 s each (1.00 each): 2.00 for 720 s.
- B: one approved custom-HTML assignment of 600 s (1.00) and one rejected of 600 s.
- C: one approved image assignment of 180 s (0.50), one returned after 60 s.
- D: one image assignment that expired after 600 s.
- E: one approved image assignment of 180 s (0.50).
A, B, C and D answered the survey (A, B, C women; D a man); E did not.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from microwork.observatory import services
from microwork.observatory.consent import CURRENT_VERSION
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import (
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
)
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

MONTH = date(2026, 11, 1)


def at(day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour), timezone.get_default_timezone())


def answers(**overrides) -> dict:
    values = {
        "gender": "woman",
        "age_band": "25_34",
        "country": "FR",
        "area": "urban",
        "education": "bachelor",
        "employment": "employed",
        "household": "couple",
        "income_share": "under_10",
        "other_work_hours": "over_35",
        "reasons": ["extra_income"],
    }
    values.update(overrides)
    return values


@dataclass
class Month:
    workers: dict
    requesters: list


def _approved(worker, batch, *, seconds: int, accepted, paid_after: timedelta):
    assignment = SubmittedAssignmentFactory(
        worker=worker,
        task=TaskFactory(batch=batch, max_assignments=1),
        accepted_at=accepted,
        submitted_at=accepted + timedelta(seconds=seconds),
        work_seconds=seconds,
    )
    work.assignment_approve(assignment=assignment, requester=batch.project.requester)
    # Approval pays in its own transaction; date it as if it happened after `paid_after`.
    Assignment.objects.filter(pk=assignment.pk).update(
        reviewed_at=assignment.submitted_at + paid_after
    )
    return assignment


def _ended(worker, batch, *, state, seconds: int, accepted):
    return AssignmentFactory(
        worker=worker,
        task=TaskFactory(batch=batch, max_assignments=1),
        state=state,
        accepted_at=accepted,
        ended_at=accepted + timedelta(seconds=seconds),
    )


def november() -> Month:
    text = PublishedBatchFactory(project=ProjectFactory(reward_cents=100, assignments_per_task=1))
    image = PublishedBatchFactory(
        project=ImageProjectFactory(reward_cents=50, assignments_per_task=1)
    )
    a, b, c, d, e = (WorkerFactory() for _ in range(5))
    _approved(a, text, seconds=360, accepted=at(2), paid_after=timedelta(hours=1))
    _approved(a, text, seconds=360, accepted=at(3), paid_after=timedelta(hours=30))
    _approved(b, text, seconds=600, accepted=at(4), paid_after=timedelta(hours=100))
    rejected = SubmittedAssignmentFactory(
        worker=b,
        task=TaskFactory(batch=text, max_assignments=1),
        accepted_at=at(5),
        submitted_at=at(5) + timedelta(seconds=600),
        work_seconds=600,
    )
    work.assignment_reject(
        assignment=rejected, requester=text.project.requester, reason="Off topic."
    )
    _approved(c, image, seconds=180, accepted=at(6), paid_after=timedelta(hours=800))
    _ended(c, image, state=AssignmentState.RETURNED, seconds=60, accepted=at(7))
    _ended(d, image, state=AssignmentState.EXPIRED, seconds=600, accepted=at(8))
    _approved(e, image, seconds=180, accepted=at(9), paid_after=timedelta(hours=2))
    for worker, gender in ((a, "woman"), (b, "woman"), (c, "woman"), (d, "man")):
        services.survey_answer(
            worker=worker, answers=answers(gender=gender), consent_version=CURRENT_VERSION
        )
    return Month(
        workers={"a": a, "b": b, "c": c, "d": d, "e": e},
        requesters=[text.project.requester, image.project.requester],
    )
