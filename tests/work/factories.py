from datetime import timedelta

import factory
from django.utils import timezone

from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import TaskFactory


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An accepted assignment. It takes its task's slot, as a real claim does."""

    class Meta:
        model = Assignment

    task = factory.SubFactory(TaskFactory)
    worker = factory.SubFactory(WorkerFactory)
    state = AssignmentState.ACCEPTED
    accepted_at = factory.LazyFunction(timezone.now)
    deadline = factory.LazyAttribute(lambda a: a.accepted_at + timedelta(seconds=600))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db.models import F

        from microwork.projects.models import Task

        assignment = super()._create(model_class, *args, **kwargs)
        Task.objects.filter(pk=assignment.task_id).update(open_slots=F("open_slots") - 1)
        assignment.task.refresh_from_db()
        return assignment


class SubmittedAssignmentFactory(AssignmentFactory):
    state = AssignmentState.SUBMITTED
    answers = factory.LazyFunction(lambda: {"answer": "positive"})
    submitted_at = factory.LazyAttribute(lambda a: a.accepted_at + timedelta(seconds=42))
    work_seconds = 42
