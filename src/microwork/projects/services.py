"""Every write to projects, batches and tasks. One transaction each; views, the API and
commands all come through here."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.accounts.services import EMAIL_NOT_VERIFIED
from microwork.common.ids import new_entity_id
from microwork.projects import events, tasktypes, templating
from microwork.projects import gold as gold_reading
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import (
    MAX_ASSIGNMENTS_PER_TASK,
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    Batch,
    Project,
    Task,
)
from microwork.projects.upload import FileInvalid, RowError, open_reader

# Fields that are the terms workers accept work under; they are frozen once work is published.
TERMS_FIELDS = (
    "reward_cents",
    "assignments_per_task",
    "time_allotted_seconds",
    "auto_approval_delay_seconds",
    "template_kind",
    "template_html",
    "template_config",
    # What escrow holds per task depends on these (ADR 0012).
    "overlap_dynamic",
    "overlap_max",
)
EDITABLE_FIELDS = (
    "title",
    "description",
    "instructions",
    "keywords",
    "lifetime_seconds",
    "estimated_seconds",
    # False for a HIT type of the MTurk API, which has no estimate (fairness/floor.py).
    "estimate_is_declared",
    "overlap_threshold_percent",
    "overlap_field",
    *TERMS_FIELDS,
)
INSERT_CHUNK = 1000
MAX_REPORTED_ERRORS = 200


class BatchStateError(Exception):
    """The batch is not in a state that allows this action."""


class ProjectTermsLocked(Exception):
    """Pay, time or template cannot change once a batch of the project has been published."""


@dataclass
class BatchUploadInvalid(Exception):
    errors: list[RowError]
    error_count: int = 0
    rows_read: int = 0
    columns: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(error) for error in self.errors[:5])


def _validate_template(project: Project) -> None:
    try:
        if tasktypes.task_type(project.template_kind) is not None:
            project.template_config = tasktypes.parsed_config(
                project.template_kind, project.template_config
            )
            project.template_html = ""
        elif project.template_kind == TemplateKind.MTURK_QUESTION:
            # The question lives in each task (questions.QUESTION_INPUT), checked on creation.
            project.template_html = ""
            project.template_config = {}
        else:
            templating.validate_custom_html(project.template_html)
            project.template_config = {}
    except templating.TemplateInvalid as error:
        field_name = (
            "template_html"
            if project.template_kind == TemplateKind.CUSTOM_HTML
            else "template_config"
        )
        raise ValidationError({field_name: str(error)}) from None


def _validate_project(project: Project) -> None:
    _validate_template(project)
    project.full_clean(exclude=["requester", "public_id"])
    events.project_validating.publish(events.ProjectValidating(project=project))


@transaction.atomic
def project_create(*, requester: User, **fields) -> Project:
    """Create a project for `requester`; raise ValidationError naming the bad fields."""
    if not requester.is_requester:
        raise ValidationError(_("Only requesters can create projects."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    project = Project(requester=requester, currency=settings.MICROWORK_CURRENCY, **fields)
    _validate_project(project)
    project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, **fields) -> Project:
    """Change a project; pay, time and template only while no batch has been published."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    changed_terms = [
        name for name in TERMS_FIELDS if name in fields and fields[name] != getattr(project, name)
    ]
    if changed_terms and project.batches.exclude(status=BatchStatus.DRAFT).exists():
        raise ProjectTermsLocked(changed_terms)
    for name, value in fields.items():
        setattr(project, name, value)
    _validate_project(project)
    project.save()
    return project


def project_required_columns(project: Project) -> list[str]:
    source = tasktypes.template_source(
        project.template_kind, project.template_html, project.template_config
    )
    return templating.placeholders(source)


@transaction.atomic
def batch_create_from_upload(*, project: Project, file, filename: str, name: str = "") -> Batch:
    """Create a draft batch with one task per row of a CSV or JSONL file.

    The file is read as a stream and tasks are inserted in chunks, so memory stays flat. Any bad
    row refuses the whole file: reading goes on to report every bad row and column (up to
    MAX_REPORTED_ERRORS), then BatchUploadInvalid is raised and the transaction rolls back, so
    no batch and no task is left behind.
    """
    required = project_required_columns(project)
    batch = Batch.objects.create(project=project, name=name.strip() or filename or _("Batch"))
    errors: list[RowError] = []
    error_count = 0
    rows_read = 0
    reader = None

    def report(error: RowError) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append(error)

    try:
        reader = open_reader(file, filename)
        if reader.format == "csv":
            missing = [column for column in required if column not in reader.columns]
            if missing:
                raise FileInvalid(
                    RowError(
                        1,
                        ", ".join(missing),
                        _("the template needs this column, the file lacks it"),
                    )
                )
        pending: list[Task] = []
        redundancy = project.assignments_per_task
        gold_fields = None  # read once, at the first gold cell
        gold_redundancy = redundancy  # gold tasks' own (quality.gold.gold_task_redundancy)
        for row in reader:
            rows_read += 1
            for error in row.errors:
                report(error)
            if row.values is None:
                continue
            for column in required:
                value = row.values.get(column)
                if value is None:
                    report(RowError(row.number, column, _("missing, but the template uses it")))
                elif not value.strip():
                    report(RowError(row.number, column, _("empty, but the template uses it")))
            gold = None
            if row.gold is not None:
                if gold_fields is None:
                    gold_fields = gold_reading.answer_field_names(project)
                    gold_redundancy = events.gold_task_redundancy.call(project)
                try:
                    gold = gold_reading.gold_parse(row.gold, answer_fields=gold_fields)
                except gold_reading.GoldInvalid as invalid:
                    column = "_gold" if reader.format == "csv" else "gold"
                    report(RowError(row.number, column, str(invalid)))
            if error_count:
                continue  # keep reading to report every bad row, but write nothing more
            pending.append(
                Task(
                    public_id=new_entity_id(),
                    batch=batch,
                    row_number=rows_read,
                    input=row.values,
                    gold=gold,
                    max_assignments=redundancy if gold is None else gold_redundancy,
                    open_slots=redundancy if gold is None else gold_redundancy,
                )
            )
            if len(pending) >= INSERT_CHUNK:
                Task.objects.bulk_create(pending)
                pending.clear()
    except FileInvalid as invalid:
        report(invalid.error)
    if not error_count and rows_read == 0:
        report(RowError(None, None, _("the file has no rows after the header")))
    if error_count:
        columns = list(reader.columns) if reader is not None else []
        raise BatchUploadInvalid(
            errors=errors, error_count=error_count, rows_read=rows_read, columns=columns
        )
    Task.objects.bulk_create(pending)
    batch.columns = list(reader.columns)
    batch.task_count = rows_read
    batch.save(update_fields=["columns", "task_count"])
    return batch


def _locked_batch(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().select_related("project").get(pk=batch.pk)


@transaction.atomic
def batch_create_single_task(
    *, project: Project, input: dict, max_assignments: int, name: str = ""
) -> Batch:
    """Create a draft batch holding one task of `max_assignments` slots (MTurk's CreateHIT).

    Raise ValidationError if the redundancy is outside 1..MAX_ASSIGNMENTS_PER_TASK.
    """
    if not 1 <= max_assignments <= MAX_ASSIGNMENTS_PER_TASK:
        raise ValidationError(
            {
                "max_assignments": _("Between 1 and %(n)d workers per task.")
                % {"n": MAX_ASSIGNMENTS_PER_TASK}
            }
        )
    batch = Batch.objects.create(
        project=project, name=name or project.title, columns=sorted(input), task_count=1
    )
    Task.objects.create(
        batch=batch,
        row_number=1,
        input=input,
        max_assignments=max_assignments,
        open_slots=max_assignments,
    )
    return batch


@transaction.atomic
def batch_publish(*, batch: Batch, lifetime_seconds: int | None = None) -> Batch:
    """Open a draft batch to workers for the project's lifetime (or `lifetime_seconds`).

    Its whole cost (every reward and fee) moves into escrow (payments subscribes to
    batch_published); if the requester's funds are short, payments.InsufficientFunds names the
    missing amount and nothing is published. Before that, fairness sizes the pay floor's
    reserve, held in escrow with the cost (batch_publishing; docs/adr/0011): no reward is
    refused for its time, the floor judges the measured time.
    """
    batch = _locked_batch(batch)
    # Read apart from the locked rows: the requester's row is not locked by a publish.
    if not User.objects.filter(
        pk=batch.project.requester_id, email_verified_at__isnull=False
    ).exists():
        raise BatchStateError(str(EMAIL_NOT_VERIFIED))
    events.batch_publishing.publish(events.BatchPublishing(batch=batch))
    if batch.status != BatchStatus.DRAFT:
        raise BatchStateError(_("Only a draft batch can be published."))
    if batch.task_count == 0:
        raise BatchStateError(_("The batch has no tasks."))
    if lifetime_seconds is not None and not (
        MIN_DURATION_SECONDS <= lifetime_seconds <= MAX_DURATION_SECONDS
    ):
        raise ValidationError({"lifetime_seconds": _("Outside the allowed lifetime.")})
    now = timezone.now()
    batch.status = BatchStatus.PUBLISHED
    batch.published_at = now
    batch.expires_at = (
        now + timedelta(seconds=lifetime_seconds)
        if lifetime_seconds is not None
        else batch.lifetime_end_from(now)
    )
    batch.save(update_fields=["status", "published_at", "expires_at"])
    events.batch_published.publish(events.BatchPublished(batch=batch))
    return batch


@transaction.atomic
def batch_set_expiry(*, batch: Batch, expires_at) -> Batch:
    """Move a published or paused batch's end (MTurk's UpdateExpirationForHIT).

    A time not in the future ends it now: no new assignments, accepted work can still be
    submitted, unused escrow goes back. A future time (at most the maximum lifetime from now)
    extends it, re-opening an expired batch; the escrow is topped up for the slots it can hand
    out again, and payments.InsufficientFunds refuses it with nothing changed.
    """
    batch = _locked_batch(batch)
    if batch.status not in (BatchStatus.PUBLISHED, BatchStatus.PAUSED):
        raise BatchStateError(_("Only a published or paused batch has an end to move."))
    now = timezone.now()
    if expires_at > now + timedelta(seconds=MAX_DURATION_SECONDS):
        raise ValidationError({"expires_at": _("At most a year from now.")})
    batch.expires_at = min(expires_at, now) if expires_at <= now else expires_at
    batch.save(update_fields=["expires_at"])
    events.batch_escrow_due.publish(events.BatchEscrowDue(batch=batch))
    return batch


@transaction.atomic
def task_add_assignments(*, task: Task, count: int) -> Task:
    """Give a published task `count` more slots (MTurk's CreateAdditionalAssignmentsForHIT) and
    reserve their cost; InsufficientFunds refuses it with nothing changed."""
    task = Task.objects.select_for_update().select_related("batch__project").get(pk=task.pk)
    batch = _locked_batch(task.batch)
    if batch.status not in (BatchStatus.PUBLISHED, BatchStatus.PAUSED):
        raise BatchStateError(_("Only a task of a published batch can get more assignments."))
    if count < 1 or task.max_assignments + count > MAX_ASSIGNMENTS_PER_TASK:
        raise ValidationError(
            {"count": _("A task has at most %(n)d assignments.") % {"n": MAX_ASSIGNMENTS_PER_TASK}}
        )
    Task.objects.filter(pk=task.pk).update(
        max_assignments=F("max_assignments") + count, open_slots=F("open_slots") + count
    )
    if not batch.is_expired():
        events.batch_escrow_due.publish(events.BatchEscrowDue(batch=batch))
    task.refresh_from_db()
    return task


@transaction.atomic
def batch_pause(*, batch: Batch) -> Batch:
    """Stop handing out new assignments; work already accepted can still be submitted."""
    batch = _locked_batch(batch)
    if batch.status != BatchStatus.PUBLISHED or batch.is_expired():
        raise BatchStateError(_("Only a live batch can be paused."))
    batch.status = BatchStatus.PAUSED
    batch.save(update_fields=["status"])
    return batch


@transaction.atomic
def batch_resume(*, batch: Batch) -> Batch:
    batch = _locked_batch(batch)
    if batch.status != BatchStatus.PAUSED or batch.is_expired():
        raise BatchStateError(_("Only a paused batch that has not expired can be resumed."))
    batch.status = BatchStatus.PUBLISHED
    batch.save(update_fields=["status"])
    return batch


@transaction.atomic
def batch_cancel(*, batch: Batch) -> Batch:
    """End a batch for good: no new assignments. Accepted work can still be submitted and paid."""
    batch = _locked_batch(batch)
    if batch.status == BatchStatus.CANCELLED:
        raise BatchStateError(_("The batch is already cancelled."))
    was_published = batch.status != BatchStatus.DRAFT
    batch.status = BatchStatus.CANCELLED
    batch.cancelled_at = timezone.now()
    if batch.published_at is None:
        batch.published_at = batch.cancelled_at
        batch.expires_at = batch.cancelled_at
    batch.save(update_fields=["status", "cancelled_at", "published_at", "expires_at"])
    # Slots nobody holds come back now; those still accepted or submitted stay in escrow until
    # they are reviewed, returned or expire.
    if was_published:
        events.batch_escrow_due.publish(events.BatchEscrowDue(batch=batch))
    return batch


def batch_available_actions(batch: Batch) -> set[str]:
    """The state changes the batch allows now ("publish", "pause", "resume", "cancel"), by the
    same rules as the services above, so a page offers only buttons that will work."""
    actions = set()
    if batch.status == BatchStatus.DRAFT and batch.task_count > 0:
        actions.add("publish")
    if batch.status == BatchStatus.PUBLISHED and not batch.is_expired():
        actions.add("pause")
    if batch.status == BatchStatus.PAUSED and not batch.is_expired():
        actions.add("resume")
    if batch.status != BatchStatus.CANCELLED:
        actions.add("cancel")
    return actions


def project_terms_locked(project: Project) -> bool:
    """Whether project_update() refuses changes to pay, time and template (TERMS_FIELDS)."""
    return project.batches.exclude(status=BatchStatus.DRAFT).exists()
