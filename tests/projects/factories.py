from datetime import timedelta

import factory
from django.db import transaction
from django.utils import timezone

from microwork.common.ids import new_entity_id
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project, Task
from tests.accounts.factories import RequesterFactory

CUSTOM_TEMPLATE = '<p>${text}</p>\n<input type="text" name="answer">'


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    requester = factory.SubFactory(RequesterFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    description = "Read a sentence and type its sentiment."
    instructions = "Be careful."
    keywords = "text, sentiment"
    reward_cents = 50
    currency = "EUR"
    assignments_per_task = 3
    time_allotted_seconds = 600
    lifetime_seconds = 7 * 24 * 3600
    auto_approval_delay_seconds = 3 * 24 * 3600
    estimated_seconds = 60
    template_kind = TemplateKind.CUSTOM_HTML
    template_html = CUSTOM_TEMPLATE
    template_config = factory.LazyFunction(dict)


class ImageProjectFactory(ProjectFactory):
    template_kind = TemplateKind.IMAGE_CLASSIFICATION
    template_html = ""
    template_config = factory.LazyFunction(
        lambda: {"image_column": "image_url", "labels": ["cat", "dog"], "question": "Which animal?"}
    )


class BatchFactory(factory.django.DjangoModelFactory):
    """A batch; PublishedBatchFactory for one open to workers."""

    class Meta:
        model = Batch

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Batch {n}")
    status = BatchStatus.DRAFT
    columns = factory.LazyFunction(lambda: ["text"])


class PublishedBatchFactory(BatchFactory):
    status = BatchStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class TaskFactory(factory.django.DjangoModelFactory):
    """A task. In a batch that is not a draft, its slots are paid into escrow first (a deposit
    and a reservation through the real ledger), as publishing would have done."""

    class Meta:
        model = Task

    public_id = factory.LazyFunction(new_entity_id)
    batch = factory.SubFactory(PublishedBatchFactory)
    row_number = factory.Sequence(lambda n: n + 2)
    input = factory.Sequence(lambda n: {"text": f"sentence {n}"})
    max_assignments = factory.LazyAttribute(lambda task: task.batch.project.assignments_per_task)
    open_slots = factory.LazyAttribute(lambda task: task.max_assignments)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        task = super()._create(model_class, *args, **kwargs)
        if task.batch.status != BatchStatus.DRAFT:
            fund_escrow(task.batch, slots=task.max_assignments, label=f"task:{task.pk}")
        return task


def project_fields(**overrides) -> dict:
    """The keyword arguments of a valid projects.services.project_create call, with `overrides`."""
    fields = {
        "title": "Sentiment",
        "description": "Say if a sentence is positive.",
        "reward_cents": 50,
        "assignments_per_task": 3,
        "time_allotted_seconds": 600,
        "lifetime_seconds": 7 * 24 * 3600,
        "auto_approval_delay_seconds": 3 * 24 * 3600,
        "estimated_seconds": 60,
        "template_kind": TemplateKind.CUSTOM_HTML,
        "template_html": '<p>${text}</p><input name="answer">',
    }
    fields.update(overrides)
    return fields


@transaction.atomic
def fund_escrow(batch, *, slots: int, label: str) -> None:
    """Deposit the cost of `slots` assignments for the batch's requester and reserve it."""
    from microwork.payments import services as payments
    from microwork.payments.enums import PostingKind

    project = batch.project
    cost = payments.slots_cost(project=project, slots=slots)
    requester_funds = payments.requester_available(project.requester, project.currency)
    payments.post(
        kind=PostingKind.DEPOSIT,
        key=f"test-deposit:{label}",
        lines=[
            payments.Line(payments.external(project.currency), -cost),
            payments.Line(requester_funds, cost),
        ],
    )
    payments.post(
        kind=PostingKind.ESCROW_RESERVE,
        key=f"test-escrow:{label}",
        lines=[payments.Line(requester_funds, -cost), payments.Line(payments.escrow(batch), cost)],
        batch=batch,
    )


def make_tasks(batch, count: int) -> list[Task]:
    """`count` tasks in `batch`, and the batch's task_count kept in step."""
    tasks = TaskFactory.create_batch(count, batch=batch)
    batch.task_count = Task.objects.filter(batch=batch).count()
    batch.save(update_fields=["task_count"])
    return tasks
