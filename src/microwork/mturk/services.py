"""The MTurk endpoint's own writes: access keys, UniqueRequestToken records and the few HIT
rules MTurk has and the platform has no word for (HIT type de-duplication, the Reviewing flag,
disposal). Everything else goes straight to the platform's services, so a HIT is an ordinary
task: escrow, ledger, marketplace and worker pages all apply."""

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.common.ids import _random_upper
from microwork.mturk import keyring, selectors
from microwork.mturk.models import HitState, HitTypeSignature, RequesterAccessKey, RequestToken
from microwork.payments import fees
from microwork.projects import questions
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Project, Task
from microwork.quality import services as quality

REQUEST_TOKEN_LIFETIME = timedelta(hours=24)
# A HIT type registered through the API is open this long when a HIT does not say otherwise.
DEFAULT_LIFETIME_SECONDS = 7 * 24 * 3600
# MTurk's default is 30 days; microwork caps the delay (docs/adr/0011), so the cap is the default.
# When a HIT type sets none: a week, not MTurk's 30 days, so workers are paid within a week.
DEFAULT_AUTO_APPROVAL_SECONDS = min(7 * 24 * 3600, settings.MICROWORK_AUTO_APPROVAL_MAX_SECONDS)


class MTurkRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DuplicateRequestToken(MTurkRefused):
    """The UniqueRequestToken was used in the last 24 hours; `result_id` names what it made."""

    def __init__(self, token: RequestToken):
        super().__init__(f"The request token {token.token} has already been used.")
        self.token = token
        self.result_id = token.result_id


class HitStateRefused(MTurkRefused):
    def __init__(self, status: str, allowed: str):
        super().__init__(
            f"This HIT is currently in the state '{status}'.  This operation can be called "
            f"with a status of: {allowed}"
        )
        self.status = status


# --- access keys ---------------------------------------------------------------------------


@transaction.atomic
def access_key_create(*, requester: User, label: str = "") -> tuple[RequesterAccessKey, str]:
    """A new access key for `requester`; returns it and its secret, which is not kept in clear
    and cannot be shown again."""
    if not requester.is_requester:
        raise MTurkRefused(_("Only requesters have API keys."))
    secret = secrets.token_urlsafe(30)[:40]
    key = RequesterAccessKey.objects.create(
        requester=requester,
        # "AKIA" + 16 upper-case letters and digits, the shape of an AWS access key id.
        access_key_id="AKIA" + _random_upper(16),
        secret_encrypted=keyring.encrypt(secret),
        label=label.strip()[:100],
    )
    return key, secret


@transaction.atomic
def access_key_revoke(*, key: RequesterAccessKey) -> RequesterAccessKey:
    """Revoke a key for good; revoking twice changes nothing."""
    locked = RequesterAccessKey.objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


# --- UniqueRequestToken --------------------------------------------------------------------


def request_token_claim(*, requester: User, token: str | None, operation: str):
    """Record `token` for the caller's transaction, or raise DuplicateRequestToken if it was
    used within 24 hours. Must run inside the operation's transaction: a refused operation
    rolls its token back, so a corrected retry can use it."""
    if token is None:
        return None
    now = timezone.now()
    existing = (
        RequestToken.objects.select_for_update().filter(requester=requester, token=token).first()
    )
    if existing is not None:
        if now - existing.created_at < REQUEST_TOKEN_LIFETIME:
            raise DuplicateRequestToken(existing)
        existing.delete()  # expired: the token is free again
    try:
        with transaction.atomic():
            return RequestToken.objects.create(
                requester=requester, token=token, operation=operation
            )
    except IntegrityError:
        # A concurrent call with the same token committed first.
        raise DuplicateRequestToken(
            RequestToken.objects.get(requester=requester, token=token)
        ) from None


def request_token_done(record, result_id: str) -> None:
    if record is not None:
        record.result_id = result_id
        record.save(update_fields=["result_id"])


# --- HIT types and HITs --------------------------------------------------------------------


def _fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def hit_type_register(
    *,
    requester: User,
    title: str,
    description: str,
    keywords: str,
    reward_cents: int,
    assignment_duration_seconds: int,
    auto_approval_delay_seconds: int,
    requirements: list[dict],
    raw_requirements: list,
) -> Project:
    """The project for these HIT type values: the existing one if the same values were
    registered before (MTurk's CreateHITType), else a new one with these requirements.

    Raise ValidationError naming the field when the platform refuses a value.
    """
    fingerprint = _fingerprint(
        {
            "title": title,
            "description": description,
            "keywords": keywords,
            "reward": reward_cents,
            "duration": assignment_duration_seconds,
            "auto_approval": auto_approval_delay_seconds,
            "requirements": raw_requirements,
        }
    )
    known = (
        HitTypeSignature.objects.filter(requester=requester, fingerprint=fingerprint)
        .select_related("project")
        .first()
    )
    if known is not None:
        return known.project
    project = projects.project_create(
        requester=requester,
        title=title,
        description=description,
        keywords=keywords,
        reward_cents=reward_cents,
        assignments_per_task=1,
        time_allotted_seconds=assignment_duration_seconds,
        lifetime_seconds=DEFAULT_LIFETIME_SECONDS,
        auto_approval_delay_seconds=auto_approval_delay_seconds,
        # MTurk has no estimate: AssignmentDurationInSeconds is a deadline, kept here as the
        # most a worker may spend, and the pay floor judges the measured time (adr 0011).
        estimated_seconds=assignment_duration_seconds,
        estimate_is_declared=False,
        template_kind=TemplateKind.MTURK_QUESTION,
    )
    quality.project_requirements_set(project=project, requirements=requirements)
    HitTypeSignature.objects.create(project=project, requester=requester, fingerprint=fingerprint)
    return project


@transaction.atomic
def hit_create(
    *,
    project: Project,
    question_xml: str,
    max_assignments: int,
    lifetime_seconds: int,
    requester_annotation: str = "",
) -> Task:
    """A HIT: a one-task batch of `project` holding the Question, published (its cost moved
    to escrow; payments.InsufficientFunds refuses it with nothing created).

    Raise questions.QuestionInvalid for a bad Question, ValidationError for a bad value.
    """
    questions.parse_question(question_xml)
    batch = projects.batch_create_single_task(
        project=project,
        input={questions.QUESTION_INPUT: question_xml},
        max_assignments=max_assignments,
    )
    projects.batch_publish(batch=batch, lifetime_seconds=lifetime_seconds)
    task = batch.tasks.get()
    if requester_annotation:
        HitState.objects.create(task=task, requester_annotation=requester_annotation)
    return task


def _state(task: Task) -> HitState:
    state, _created = HitState.objects.select_for_update().get_or_create(task=task)
    return state


@transaction.atomic
def hit_set_expiration(*, task: Task, expires_at) -> Task:
    """Expire a HIT now (a time not in the future) or extend it; extending takes a Reviewing
    HIT back to its computed status, as on MTurk."""
    projects.batch_set_expiry(batch=task.batch, expires_at=expires_at)
    if expires_at > timezone.now():
        HitState.objects.filter(task=task).update(is_reviewing=False)
    return task


class MaximumAssignmentsIncreaseRefused(MTurkRefused):
    def __init__(self, threshold: int):
        super().__init__(
            f"HITs created with fewer than {threshold} assignments cannot be extended to have "
            f"{threshold} or more assignments."
        )


@transaction.atomic
def hit_add_assignments(*, task: Task, count: int) -> Task:
    """CreateAdditionalAssignmentsForHIT: `count` more slots, their cost reserved.

    As on MTurk, a HIT under the large-task fee tier (10 assignments by default) cannot be
    taken to it: its escrow was priced at the lower rate (payments.fees.tier_assignments).
    The rule goes when the deployment charges large tasks no more than others.
    """
    locked = Task.objects.select_for_update().get(pk=task.pk)
    rule = fees.FeeRule.from_settings()
    threshold = rule.large_task_assignments
    if (
        rule.large_task_rate_bp != rule.rate_bp
        and locked.max_assignments < threshold <= locked.max_assignments + count
    ):
        raise MaximumAssignmentsIncreaseRefused(threshold)
    task = projects.task_add_assignments(task=locked, count=count)
    HitState.objects.filter(task=task).update(is_reviewing=False)
    return task


@transaction.atomic
def hit_dispose(*, task: Task) -> Task:
    """DeleteHIT: only a Reviewable or Reviewing HIT with no submission awaiting review. The
    task's batch ends (unused escrow goes back); the HIT is gone from the API's lists."""
    state = _state(task)
    status = selectors.hit_status(selectors.hits().get(pk=task.pk), state=state)
    submitted = selectors.hit_counts(task)["submitted"]
    if status not in ("Reviewable", "Reviewing") or submitted:
        raise HitStateRefused(status, "Reviewing, Reviewable")
    if task.batch.status != BatchStatus.CANCELLED:
        projects.batch_cancel(batch=task.batch)
    state.disposed_at = timezone.now()
    state.save(update_fields=["disposed_at"])
    return task


@transaction.atomic
def hit_review_status_update(*, task: Task, revert: bool) -> Task:
    """Reviewable -> Reviewing, or back with `revert`; HitStateRefused from any other state."""
    state = _state(task)
    status = selectors.hit_status(selectors.hits().get(pk=task.pk), state=state)
    wanted = "Reviewing" if revert else "Reviewable"
    if status != wanted:
        raise HitStateRefused(status, wanted)
    state.is_reviewing = not revert
    state.save(update_fields=["is_reviewing"])
    return task


def requirement_for_quality(raw: dict, index: int, requester: User) -> dict:
    """An MTurk QualificationRequirement as quality.services.project_requirements_set() takes
    it. Raise ValidationError for an unknown or foreign qualification type."""
    from microwork.quality.enums import SYSTEM_QUALIFICATION_FOR_MTURK_ID
    from microwork.quality.models import QualificationType

    type_id = raw.get("QualificationTypeId")
    requirement = {
        "comparator": raw.get("Comparator"),
        "integer_values": raw.get("IntegerValues") or [],
        "locale_values": raw.get("LocaleValues") or [],
        "actions_guarded": raw.get("ActionsGuarded"),
        "required_to_preview": raw.get("RequiredToPreview"),
    }
    if type_id in SYSTEM_QUALIFICATION_FOR_MTURK_ID:
        requirement["system_key"] = SYSTEM_QUALIFICATION_FOR_MTURK_ID[type_id]
        return requirement
    qualification_type = (
        QualificationType.objects.filter(public_id=type_id, deleted_at__isnull=True)
        .filter(owner=requester)
        .first()
    ) or QualificationType.objects.filter(
        public_id=type_id, deleted_at__isnull=True, is_requestable=True
    ).first()
    if qualification_type is None:
        raise ValidationError(
            {f"requirements[{index}].qualification_type": f"{type_id} does not exist."}
        )
    requirement["qualification_type"] = qualification_type
    return requirement


def workers_notify(
    *, requester: User, subject: str, message: str, worker_ids: list[str]
) -> dict[str, str]:
    """Message each worker whose work `requester` has reviewed (MTurk's rule for NotifyWorkers),
    through the notifications (a notification, mailed by the job queue after the commit).

    Returns {worker id: why not sent} for the others, as MTurk reports per-worker failures.
    """
    from microwork.notifications.services import workers_message

    return workers_message(
        requester=requester, worker_ids=worker_ids, subject=subject, message=message
    )


@transaction.atomic
def hit_move_to_hit_type(*, task: Task, project: Project) -> Task:
    """UpdateHITTypeOfHIT: the HIT takes the new HIT type's reward, times, requirements and
    notifications for what is still to be done, its escrow set to what it then owes (topped up
    from the requester's funds, payments.InsufficientFunds, or the surplus given back).

    Refused (MTurkRefused) while a worker holds or has submitted an assignment of it, whose
    terms were those of the old HIT type; work already reviewed keeps what it was paid.
    """
    from microwork.fairness import floor
    from microwork.payments import services as payments
    from microwork.projects.models import Batch
    from microwork.work.enums import AssignmentState

    batch = Batch.objects.select_for_update().select_related("project").get(pk=task.batch_id)
    if batch.project_id == project.pk:
        return task
    live = task.assignments.filter(
        state__in=[AssignmentState.ACCEPTED, AssignmentState.SUBMITTED]
    ).exists()
    if live:
        raise MTurkRefused(
            f"HIT {task.public_id} has assignments accepted or awaiting review under its "
            "HIT type's terms: review them, or wait until they are returned or expire."
        )
    batch.project = project
    batch.reward_override_cents = None
    batch.floor_reserve_cents = floor.reserve_reward_cents(project)
    batch.save(update_fields=["project", "reward_override_cents", "floor_reserve_cents"])
    payments.escrow_top_up(batch=batch)
    payments.escrow_release_unused(batch=batch)
    return Task.objects.get(pk=task.pk)
