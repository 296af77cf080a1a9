"""Gold questions: tasks whose right answer the requester knows.

A batch file marks them with a `_gold` column (CSV) or a `gold` key (JSONL). The value is a JSON
object {answer field: right answer}, or, when the project has a single answer field, the plain
right answer. It is stored in Task.gold, apart from Task.input, so the worker's page never
shows it. Gold answers are fixed truths for aggregation, the measure of worker accuracy, what
rules (quality/rules.py) judge workers on, and the training feedback after a wrong answer.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from microwork.projects.enums import BatchStatus
from microwork.projects.gold import (  # noqa: F401 (re-exported)
    MAX_GOLD_CHARS,
    GoldInvalid,
    answer_field_names,
    gold_parse,
)
from microwork.projects.models import MAX_ASSIGNMENTS_PER_TASK, Batch, Project, Task
from microwork.projects.upload import GOLD_CSV_COLUMN, GOLD_JSONL_KEY  # noqa: F401 (re-exported)
from microwork.work.enums import ANSWERED_STATES
from microwork.work.models import Assignment


def _label(value):
    # As batch aggregation sees answers: lists (checkboxes) as tuples.
    return tuple(value) if isinstance(value, list) else value


def batch_gold(batch: Batch, field: str) -> dict:
    """{task public id: right answer} for the batch's gold tasks that have one for `field`."""
    rows = (
        Task.objects.filter(batch=batch, gold__isnull=False)
        .values_list("public_id", "gold")
        .iterator(chunk_size=2000)
    )
    return {
        public_id: _label(gold[field])
        for public_id, gold in rows
        if isinstance(gold, dict) and field in gold
    }


def _as_set(value) -> set[str]:
    return {str(item) for item in (value if isinstance(value, list | tuple) else [value])}


def is_right(given, right) -> bool:
    """Whether an answer matches a gold answer: exact, lists as sets, text ignoring case and
    surrounding spaces."""
    if isinstance(right, list | tuple) or isinstance(given, list | tuple):
        return _as_set(given) == _as_set(right)
    return str(given).strip().casefold() == str(right).strip().casefold()


def gold_mistakes(*, answers: dict | None, gold: dict | None) -> dict:
    """{field: right answer} for every gold field that `answers` got wrong (or left out)."""
    if not gold:
        return {}
    answers = answers or {}
    return {
        field: right
        for field, right in gold.items()
        if field not in answers or not is_right(answers[field], right)
    }


def gold_feedback(assignment: Assignment) -> dict | None:
    """The training feedback after a submitted gold task: {field: right answer} for each field
    the worker got wrong, or None when the task is not gold, is not answered, or was right."""
    if assignment.state not in ANSWERED_STATES:
        return None
    mistakes = gold_mistakes(answers=assignment.answers, gold=assignment.task.gold)
    return mistakes or None


def gold_feedback_message(assignment: Assignment, *, is_fresh: bool = False) -> str:
    """The frame's "submitted" page text for training mode: the right answers after a mistake
    on a gold task of a project that shows feedback; "" otherwise (and always for other tasks,
    so a gold task is not told apart by its page).

    `assignment` is read again with its task, unless `is_fresh` says it is the row the submit
    just wrote, its task and batch loaded (work.services.assignment_submit's return value).
    """
    from microwork.quality.models import GoldSettings

    if is_fresh:
        fresh = assignment
    else:
        fresh = Assignment.objects.select_related("task__batch").get(pk=assignment.pk)
    if not fresh.task.gold:
        return ""  # an ordinary task: no feedback whatever the settings, so they are not read
    if not GoldSettings.objects.filter(
        project_id=fresh.task.batch.project_id, shows_feedback=True
    ).exists():
        return ""
    mistakes = gold_feedback(fresh)
    if not mistakes:
        return ""
    shown = "; ".join(
        f"{field}: {', '.join(map(str, right)) if isinstance(right, list) else right}"
        for field, right in mistakes.items()
    )
    return _("This was a question with a known answer. The right answer: %(answers)s.") % {
        "answers": shown
    }


def gold_mixing_rate(project: Project) -> int:
    """The chance, in percent, that "accept next task" hands a worker a gold task (0: never).

    work.services.assignment_claim_next() draws against it on every claim, read there in the
    one statement of its facts (work.claim.read_facts(), through the accept gate that
    quality/subscribers.py provides); see docs/quality-aggregation.md, "Gold mixing".
    """
    from microwork.quality.models import GoldSettings

    rate = (
        GoldSettings.objects.filter(project=project)
        .values_list("mixing_rate_percent", flat=True)
        .first()
    )
    return rate or 0


def gold_tasks_for_mixing(batch: Batch):
    """The batch's gold tasks, which the claim path hands out only through mixing."""
    return Task.objects.filter(batch=batch, gold__isnull=False)


def gold_task_redundancy(project: Project) -> int:
    """How many different workers may answer each gold task of `project`: the requester's
    `workers_per_gold_task`, or the project's redundancy when unset.

    A gold answer is paid like any other, from the batch's escrow, so gold tasks hold slots
    like ordinary ones and publishing reserves their cost; slots no one used go back to the
    requester when the batch ends.
    """
    from microwork.quality.models import GoldSettings

    workers = (
        GoldSettings.objects.filter(project=project)
        .values_list("workers_per_gold_task", flat=True)
        .first()
    )
    return workers or project.assignments_per_task


@transaction.atomic
def gold_settings_save(
    *,
    project: Project,
    mixing_rate_percent: int,
    shows_feedback: bool,
    workers_per_gold_task: int | None,
):
    """Store how `project` uses its gold tasks; raise ValidationError naming a bad field.

    The gold tasks of the project's draft batches take the new redundancy at once; published
    batches keep theirs, since their escrow was reserved for it.
    """
    from microwork.quality.models import GoldSettings

    if not 0 <= mixing_rate_percent <= 100:
        raise ValidationError({"mixing_rate_percent": _("A percentage from 0 to 100.")})
    if workers_per_gold_task is not None and not 1 <= workers_per_gold_task <= (
        MAX_ASSIGNMENTS_PER_TASK
    ):
        raise ValidationError(
            {
                "workers_per_gold_task": _("Between 1 and %(n)d workers.")
                % {"n": MAX_ASSIGNMENTS_PER_TASK}
            }
        )
    settings, _created = GoldSettings.objects.update_or_create(
        project=project,
        defaults={
            "mixing_rate_percent": mixing_rate_percent,
            "shows_feedback": shows_feedback,
            "workers_per_gold_task": workers_per_gold_task,
        },
    )
    redundancy = workers_per_gold_task or project.assignments_per_task
    Task.objects.filter(
        batch__project=project, batch__status=BatchStatus.DRAFT, gold__isnull=False
    ).update(max_assignments=redundancy, open_slots=redundancy)
    return settings
