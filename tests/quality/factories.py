from datetime import timedelta

import factory
from django.utils import timezone

from microwork.accounts.models import WorkerProfile
from microwork.quality.enums import ActionsGuarded, Comparator, QualificationStatus
from microwork.quality.models import (
    ProjectRequirement,
    QualificationType,
    WorkerBlock,
    WorkerQualification,
)
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory
from tests.work.factories import SubmittedAssignmentFactory


class WorkerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerProfile

    user = factory.SubFactory(WorkerFactory)
    country = "US"
    subdivision = "WA"
    is_adult = True
    is_master = False


class QualificationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualificationType

    owner = factory.SubFactory(RequesterFactory)
    name = factory.Sequence(lambda n: f"Skill {n}")
    description = "Passed our test."


class WorkerQualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerQualification

    qualification_type = factory.SubFactory(QualificationTypeFactory)
    worker = factory.SubFactory(WorkerFactory)
    integer_value = 1
    status = QualificationStatus.GRANTED


class ProjectRequirementFactory(factory.django.DjangoModelFactory):
    """A requirement on a custom type by default; pass system_key="..." and
    qualification_type=None for a system one."""

    class Meta:
        model = ProjectRequirement

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n)
    qualification_type = factory.SubFactory(
        QualificationTypeFactory, owner=factory.SelfAttribute("..project.requester")
    )
    system_key = ""
    comparator = Comparator.EXISTS
    integer_values = factory.LazyFunction(list)
    locale_values = factory.LazyFunction(list)
    actions_guarded = ActionsGuarded.ACCEPT


class WorkerBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerBlock

    requester = factory.SubFactory(RequesterFactory)
    worker = factory.SubFactory(WorkerFactory)
    reason = "Answers copied from another worker."


def reviewed_assignment(worker, *, approved: bool):
    """An approved or rejected assignment of `worker`, for approval-rate figures."""
    now = timezone.now()
    return SubmittedAssignmentFactory(
        worker=worker,
        state=AssignmentState.APPROVED if approved else AssignmentState.REJECTED,
        reviewed_at=now + timedelta(minutes=5),
        feedback="" if approved else "Wrong answer.",
    )
