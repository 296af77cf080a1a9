"""Every write of the quality app: qualification types, grants, project requirements and
blocks. One transaction each; views, the API and the MTurk endpoint all come through here."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.countries import COUNTRY_CODES
from microwork.accounts.models import User
from microwork.projects.models import Project
from microwork.quality import events, qualification_tests, rules, selectors
from microwork.quality.enums import (
    MAX_IN_INTEGER_VALUES,
    MAX_IN_LOCALE_VALUES,
    MAX_REQUIREMENTS_PER_PROJECT,
    OPEN_REQUEST_STATES,
    ORDERING_COMPARATORS,
    PRESENCE_COMPARATORS,
    SET_COMPARATORS,
    ActionsGuarded,
    Comparator,
    QualificationRequestState,
    QualificationStatus,
    QualificationTypeStatus,
    RuleActionKind,
    RuleCondition,
    SystemQualification,
    WorkerAction,
)
from microwork.quality.models import (
    ProjectRequirement,
    QualificationRequest,
    QualificationType,
    Rule,
    WorkerBlock,
    WorkerQualification,
)

MAX_REASON = 1024
SUBDIVISION_PATTERN = re.compile(r"^[A-Z0-9]{1,3}$")


class QualityRefused(Exception):
    """An action on qualifications or blocks that the rules refuse; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QualificationTypeNameTaken(QualityRefused):
    """The owner already has a (not deleted) type with this name. The message is MTurk's own:
    Mephisto and Dallinger recognise it to find the type instead of creating it."""

    def __init__(self, name: str = ""):
        super().__init__(
            "You have already created a QualificationType with this name. A QualificationType's "
            "name must be unique among all of the QualificationTypes created by the same user."
        )
        self.name = name


class QualificationNotGranted(QualityRefused):
    pass


# --- qualification types -------------------------------------------------------------------

# The fields UpdateQualificationType may change; the name and keywords are fixed, as on MTurk.
UPDATABLE_TYPE_FIELDS = (
    "description",
    "status",
    "is_requestable",
    "auto_granted",
    "auto_granted_value",
    "retry_delay_seconds",
    "test",
    "answer_key",
    "test_duration_seconds",
)


def _validate_type(qualification_type: QualificationType) -> None:
    if qualification_type.test and qualification_type.auto_granted:
        raise ValidationError({"auto_granted": _("A type with a test cannot be auto-granted.")})
    if qualification_type.test and qualification_type.test_duration_seconds is None:
        raise ValidationError({"test_duration_seconds": _("A test needs a duration.")})
    if qualification_type.answer_key and not qualification_type.test:
        raise ValidationError({"answer_key": _("An answer key needs a test.")})
    # Checked here, so no worker ever meets a test that cannot be shown or scored.
    try:
        test = (
            qualification_tests.parse_test(qualification_type.test)
            if qualification_type.test
            else None
        )
    except qualification_tests.TestInvalid as error:
        raise ValidationError({"test": f"Test: {error}"}) from None
    if qualification_type.answer_key:
        try:
            qualification_tests.parse_answer_key(qualification_type.answer_key, test)
        except qualification_tests.TestInvalid as error:
            raise ValidationError({"answer_key": str(error)}) from None
    qualification_type.full_clean(exclude=["owner", "public_id"], validate_constraints=False)


def _name_taken(owner: User, name: str, exclude_pk=None) -> bool:
    types = QualificationType.objects.filter(owner=owner, name=name, deleted_at__isnull=True)
    if exclude_pk is not None:
        types = types.exclude(pk=exclude_pk)
    return types.exists()


@transaction.atomic
def qualification_type_create(
    *,
    owner: User,
    name: str,
    description: str,
    status: str = QualificationTypeStatus.ACTIVE,
    keywords: str = "",
    is_requestable: bool = True,
    auto_granted: bool = False,
    auto_granted_value: int = 1,
    retry_delay_seconds: int | None = None,
    test: str = "",
    answer_key: str = "",
    test_duration_seconds: int | None = None,
) -> QualificationType:
    """Create a qualification type owned by the requester `owner`.

    Raise QualificationTypeNameTaken if they have a live type of that name, ValidationError
    naming the field for anything else invalid.
    """
    if not owner.is_requester:
        raise QualityRefused(_("Only requesters can create qualification types."))
    name = name.strip()
    qualification_type = QualificationType(
        owner=owner,
        name=name,
        description=description.strip(),
        status=status,
        keywords=keywords.strip(),
        is_requestable=is_requestable,
        auto_granted=auto_granted,
        auto_granted_value=auto_granted_value,
        retry_delay_seconds=retry_delay_seconds,
        test=test,
        answer_key=answer_key,
        test_duration_seconds=test_duration_seconds,
    )
    _validate_type(qualification_type)
    if _name_taken(owner, name):
        raise QualificationTypeNameTaken(name)
    try:
        with transaction.atomic():
            qualification_type.save()
    except IntegrityError:
        # A concurrent create with the same name won the race.
        raise QualificationTypeNameTaken(name) from None
    return qualification_type


@transaction.atomic
def qualification_type_update(
    *, qualification_type: QualificationType, **fields
) -> QualificationType:
    """Change a qualification type; its name and keywords are fixed once created, as on MTurk."""
    unknown = set(fields) - set(UPDATABLE_TYPE_FIELDS)
    if unknown:
        raise TypeError(f"unknown or fixed qualification type fields: {sorted(unknown)}")
    locked = QualificationType.objects.select_for_update().get(pk=qualification_type.pk)
    if locked.is_deleted:
        raise QualityRefused(_("This qualification type has been deleted."))
    for name, value in fields.items():
        setattr(locked, name, value.strip() if name == "description" else value)
    _validate_type(locked)
    locked.save()
    return locked


@transaction.atomic
def qualification_type_delete(*, qualification_type: QualificationType) -> QualificationType:
    """Delete a type softly: it becomes Inactive and its name free, but workers keep their
    grants (MTurk does not revoke them) and projects that require it still check them."""
    locked = QualificationType.objects.select_for_update().get(pk=qualification_type.pk)
    if locked.is_deleted:
        return locked
    locked.status = QualificationTypeStatus.INACTIVE
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["status", "deleted_at", "updated_at"])
    # MTurk rejects a deleted type's pending requests; a test in progress ends with them.
    QualificationRequest.objects.filter(
        qualification_type=locked, state__in=OPEN_REQUEST_STATES
    ).update(
        state=QualificationRequestState.REJECTED,
        reason="The qualification type was deleted.",
        decided_at=locked.deleted_at,
    )
    return locked


# --- grants --------------------------------------------------------------------------------


def _check_grantable(qualification_type: QualificationType, requester: User) -> None:
    if qualification_type.owner_id != requester.pk:
        raise QualityRefused(_("You can only grant qualification types you own."))
    if qualification_type.is_deleted:
        raise QualityRefused(_("This qualification type has been deleted."))


@transaction.atomic
def qualification_grant(
    *,
    qualification_type: QualificationType,
    worker: User,
    requester: User,
    integer_value: int = 1,
) -> WorkerQualification:
    """Give `worker` the type with `integer_value`, or set the value of the one they have.

    Idempotent: granting the value a worker already holds changes nothing (not even the grant
    time). A revoked qualification is granted again. Only the type's owner may grant it.
    """
    _check_grantable(qualification_type, requester)
    if not worker.is_worker:
        raise QualityRefused(_("Qualifications are granted to workers only."))
    grant = (
        WorkerQualification.objects.select_for_update()
        .filter(qualification_type=qualification_type, worker=worker)
        .first()
    )
    if grant is None:
        try:
            with transaction.atomic():
                grant = WorkerQualification.objects.create(
                    qualification_type=qualification_type,
                    worker=worker,
                    integer_value=integer_value,
                )
        except IntegrityError:
            # A concurrent grant created it first; update that one below.
            grant = WorkerQualification.objects.select_for_update().get(
                qualification_type=qualification_type, worker=worker
            )
        else:
            _publish_granted(grant, requester)
            return grant
    if grant.is_granted and grant.integer_value == integer_value:
        return grant
    grant.integer_value = integer_value
    grant.status = QualificationStatus.GRANTED
    grant.granted_at = timezone.now()
    grant.revoked_at = None
    grant.revoke_reason = ""
    grant.save(
        update_fields=["integer_value", "status", "granted_at", "revoked_at", "revoke_reason"]
    )
    _publish_granted(grant, requester)
    return grant


def _publish_granted(grant: WorkerQualification, requester: User) -> None:
    events.qualification_granted.publish(
        events.QualificationGranted(
            qualification_type_id=grant.qualification_type_id,
            requester_id=requester.pk,
            worker_id=grant.worker_id,
            integer_value=grant.integer_value,
        )
    )


@transaction.atomic
def qualification_revoke(
    *, qualification_type: QualificationType, worker: User, requester: User, reason: str = ""
) -> WorkerQualification:
    """Revoke the worker's qualification; the worker sees `reason`. The row stays, Revoked, and
    counts as absent for requirements. Revoking twice changes nothing more.

    Raise QualificationNotGranted if the worker never had it.
    """
    if qualification_type.owner_id != requester.pk:
        raise QualityRefused(_("You can only revoke qualification types you own."))
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": MAX_REASON}})
    grant = (
        WorkerQualification.objects.select_for_update()
        .filter(qualification_type=qualification_type, worker=worker)
        .first()
    )
    if grant is None:
        raise QualificationNotGranted(
            _("The qualification %(name)s does not exist for worker %(worker)s.")
            % {"name": qualification_type.name, "worker": worker.worker_id}
        )
    if not grant.is_granted:
        return grant
    grant.status = QualificationStatus.REVOKED
    grant.revoked_at = timezone.now()
    grant.revoke_reason = reason
    grant.save(update_fields=["status", "revoked_at", "revoke_reason"])
    events.qualification_revoked.publish(
        events.QualificationRevoked(
            qualification_type_id=grant.qualification_type_id,
            requester_id=requester.pk,
            worker_id=grant.worker_id,
        )
    )
    return grant


# --- project requirements ------------------------------------------------------------------


def _error(index: int, field: str, message: str) -> ValidationError:
    return ValidationError({f"requirements[{index}].{field}": message})


def _clean_integer_values(index: int, values) -> list[int]:
    if not isinstance(values, list | tuple):
        raise _error(index, "integer_values", _("Give a list of whole numbers."))
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(
                index, "integer_values", _("%(value)r is not a whole number.") % {"value": value}
            )
    return list(values)


def _clean_locale_values(index: int, values) -> list[dict]:
    if not isinstance(values, list | tuple):
        raise _error(index, "locale_values", _("Give a list of {Country, Subdivision}."))
    cleaned = []
    for value in values:
        if not isinstance(value, dict) or set(value) - {"Country", "Subdivision"}:
            raise _error(index, "locale_values", _("A locale is {Country, Subdivision?}."))
        country = str(value.get("Country") or "").strip().upper()
        if country not in COUNTRY_CODES:
            raise _error(
                index,
                "locale_values",
                _("%(country)r is not an ISO 3166-1 country code.") % {"country": country},
            )
        locale = {"Country": country}
        subdivision = str(value.get("Subdivision") or "").strip().upper()
        if subdivision:
            if not SUBDIVISION_PATTERN.match(subdivision):
                raise _error(
                    index,
                    "locale_values",
                    _("%(subdivision)r is not an ISO 3166-2 subdivision code.")
                    % {"subdivision": subdivision},
                )
            locale["Subdivision"] = subdivision
        cleaned.append(locale)
    return cleaned


def _check_values(index: int, comparator: str, is_locale: bool, integers: list, locales: list):
    """MTurk's rules on which comparator takes which values (reference §5.2)."""
    if is_locale and integers:
        raise _error(index, "integer_values", _("The location takes locale values, not numbers."))
    if not is_locale and locales:
        raise _error(index, "locale_values", _("Only the location takes locale values."))
    field = "locale_values" if is_locale else "integer_values"
    count = len(locales if is_locale else integers)
    if comparator in PRESENCE_COMPARATORS:
        if integers or locales:
            raise _error(
                index, field, _("%(comparator)s takes no values.") % {"comparator": comparator}
            )
    elif comparator in ORDERING_COMPARATORS:
        if is_locale:
            raise _error(
                index,
                "comparator",
                _("%(comparator)s does not apply to a location.") % {"comparator": comparator},
            )
        if count != 1:
            raise _error(
                index,
                field,
                _("%(comparator)s takes exactly one value.") % {"comparator": comparator},
            )
    elif comparator in SET_COMPARATORS:
        limit = MAX_IN_LOCALE_VALUES if is_locale else MAX_IN_INTEGER_VALUES
        if not 1 <= count <= limit:
            raise _error(
                index,
                field,
                _("%(comparator)s takes 1 to %(limit)d values.")
                % {"comparator": comparator, "limit": limit},
            )
    elif count != 1:  # EqualTo, NotEqualTo
        raise _error(
            index, field, _("%(comparator)s takes exactly one value.") % {"comparator": comparator}
        )


def _clean_requirement(index: int, project: Project, raw: dict) -> ProjectRequirement:
    unknown = set(raw) - {
        "qualification_type",
        "system_key",
        "comparator",
        "integer_values",
        "locale_values",
        "actions_guarded",
        "required_to_preview",
    }
    if unknown:
        raise TypeError(f"unknown requirement fields: {sorted(unknown)}")
    qualification_type = raw.get("qualification_type")
    system_key = raw.get("system_key") or ""
    if (qualification_type is None) == (not system_key):
        raise _error(
            index, "qualification_type", _("Name either a qualification type or a system one.")
        )
    if system_key and system_key not in SystemQualification.values:
        raise _error(index, "system_key", _("Unknown system qualification."))
    if qualification_type is not None:
        qualification_type = QualificationType.objects.filter(pk=qualification_type.pk).first()
        if qualification_type is None or not qualification_type.is_active:
            raise _error(
                index, "qualification_type", _("The qualification type must exist and be active.")
            )
        if qualification_type.owner_id != project.requester_id and not (
            qualification_type.is_requestable
        ):
            raise _error(index, "qualification_type", _("This qualification type is private."))
    comparator = raw.get("comparator")
    if comparator not in Comparator.values:
        raise _error(index, "comparator", _("Unknown comparator."))
    actions_guarded = raw.get("actions_guarded")
    required_to_preview = raw.get("required_to_preview")
    if not actions_guarded:
        # MTurk: neither given means Accept; the deprecated RequiredToPreview means Preview.
        actions_guarded = (
            ActionsGuarded.PREVIEW_AND_ACCEPT if required_to_preview else ActionsGuarded.ACCEPT
        )
    if actions_guarded not in ActionsGuarded.values:
        raise _error(index, "actions_guarded", _("Unknown ActionsGuarded value."))
    integers = _clean_integer_values(index, raw.get("integer_values") or [])
    locales = _clean_locale_values(index, raw.get("locale_values") or [])
    _check_values(index, comparator, system_key == SystemQualification.LOCALE, integers, locales)
    return ProjectRequirement(
        project=project,
        position=index,
        qualification_type=qualification_type,
        system_key=system_key,
        comparator=comparator,
        integer_values=integers,
        locale_values=locales,
        actions_guarded=actions_guarded,
        required_to_preview=required_to_preview,
    )


@transaction.atomic
def project_requirements_set(
    *, project: Project, requirements: list[dict]
) -> list[ProjectRequirement]:
    """Replace the project's requirements with `requirements`, kept in the order given.

    Each is a dict with either `qualification_type` (a QualificationType) or `system_key` (a
    SystemQualification), `comparator`, `integer_values`, `locale_values`, `actions_guarded`
    and the deprecated `required_to_preview`. Raise ValidationError keyed
    "requirements[<index>].<field>" on the first bad one; nothing changes then. They apply to
    claims from now on; work already accepted is not taken back.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if len(requirements) > MAX_REQUIREMENTS_PER_PROJECT:
        raise ValidationError(
            {
                "requirements": _("A project has at most %(n)d requirements.")
                % {"n": MAX_REQUIREMENTS_PER_PROJECT}
            }
        )
    cleaned = [_clean_requirement(index, project, raw) for index, raw in enumerate(requirements)]
    ProjectRequirement.objects.filter(project=project).delete()
    return ProjectRequirement.objects.bulk_create(cleaned)


# --- blocks --------------------------------------------------------------------------------


@transaction.atomic
def worker_block_create(*, requester: User, worker: User, reason: str) -> WorkerBlock:
    """Block `worker` from every project of `requester` (MTurk's CreateWorkerBlock).

    The reason is required and shown to the worker with the date. Blocking again only changes
    the reason. Assignments already accepted are not taken back.
    """
    if not requester.is_requester:
        raise QualityRefused(_("Only requesters can block workers."))
    if not worker.is_worker:
        raise QualityRefused(_("Only workers can be blocked."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: the worker will see it.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": MAX_REASON}})
    block = (
        WorkerBlock.objects.select_for_update().filter(requester=requester, worker=worker).first()
    )
    if block is None:
        try:
            with transaction.atomic():
                block = WorkerBlock.objects.create(
                    requester=requester, worker=worker, reason=reason
                )
        except IntegrityError:
            block = WorkerBlock.objects.select_for_update().get(requester=requester, worker=worker)
        else:
            events.worker_blocked.publish(
                events.WorkerBlocked(
                    block_id=block.pk, requester_id=requester.pk, worker_id=worker.pk
                )
            )
            return block
    if block.reason != reason:
        block.reason = reason
        block.save(update_fields=["reason"])
    return block


@transaction.atomic
def worker_block_delete(*, requester: User, worker: User) -> bool:
    """Lift the block; succeeds when there was none (MTurk's DeleteWorkerBlock). Returns
    whether a block was lifted."""
    deleted, _by_model = WorkerBlock.objects.filter(
        Q(requester=requester) & Q(worker=worker)
    ).delete()
    if deleted:
        events.worker_unblocked.publish(
            events.WorkerUnblocked(requester_id=requester.pk, worker_id=worker.pk)
        )
    return deleted > 0


# --- enforcement ---------------------------------------------------------------------------


def ensure_can_accept(*, worker: User, project: Project, gate: dict | None = None) -> None:
    """Raise WorkerBlocked, BlockedByRule or RequirementNotMet (all work.services.NoTaskAvailable)
    if `worker` may not accept tasks of `project`, with the reason in words; return otherwise.

    A block whose appeal the requester left unanswered past its deadline is lifted here before
    it refuses anything (the overdue_appeals_grant hook, fairness), so the worker gets their
    due whether or not the background sweep ran. Only the refused path pays that read.

    `gate`, when given, is what selectors.ACCEPT_GATE_SQL read for this worker and
    project moments ago: with no block and no accept requirement there is nothing to check, and
    no query is made; with no rule block, the rule block is not looked up again.
    """
    if gate is not None and not any(gate.values()):
        return
    if gate is not None and not gate["has_rule_block"]:
        rule_block = None
    else:
        rule_block = rules.live_block(worker=worker, project=project)
    if rule_block is not None and _overdue_appeals_granted(worker):
        rule_block = rules.live_block(worker=worker, project=project)
    if rule_block is not None:
        from microwork.quality.refusals import BlockedByRule  # see refusals.py

        raise BlockedByRule(rule_block.reason)
    failures = selectors.requirement_failures(
        worker=worker,
        project=project,
        action=WorkerAction.ACCEPT,
        is_blocked=None if gate is None else gate["has_worker_block"],
    )
    if not failures:
        return
    block = selectors.worker_block(worker=worker, requester=project.requester)
    if block is not None and _overdue_appeals_granted(worker):
        block = selectors.worker_block(worker=worker, requester=project.requester)
        failures = selectors.requirement_failures(
            worker=worker, project=project, action=WorkerAction.ACCEPT, is_blocked=block is not None
        )
        if not failures:
            return
    from microwork.quality.refusals import RequirementNotMet, WorkerBlocked  # see refusals.py

    if block is not None:
        raise WorkerBlocked(failures[0])
    raise RequirementNotMet(
        _("You do not meet this project's requirements: %(failures)s.")
        % {"failures": "; ".join(failures)}
    )


def _overdue_appeals_granted(worker: User) -> int:
    # Settled inside the accept that needs it: fairness provides the hook (quality/events.py).
    return events.overdue_appeals_grant.call(worker)


# --- rules ---------------------------------------------------------------------------------


def rules_after_submit(*, assignment, has_active_rules: bool = True) -> list:
    """Evaluate the project's quality rules for the worker who just submitted `assignment`
    (called by work.services.assignment_submit, inside its transaction); return the actions
    taken. See quality/rules.py.

    `has_active_rules=False` says that the caller read, with the submitted row, that the project
    has no active rule (rules.active_rules_exist()): then there is nothing to evaluate.
    """
    if not has_active_rules:
        return []
    return rules.rules_evaluate(worker=assignment.worker, project=assignment.task.batch.project)


@transaction.atomic
def rule_create(
    *,
    project: Project,
    condition: str,
    threshold_percent: int,
    action: str,
    min_observations: int = 10,
    weight_percent: int = 50,
) -> Rule:
    """Add a quality rule to `project`; raise ValidationError naming a bad field."""
    rule = _rule_checked(
        project=project,
        condition=condition,
        threshold_percent=threshold_percent,
        action=action,
        min_observations=min_observations,
        weight_percent=weight_percent,
    )
    rule.save()
    return rule


def _rule_checked(
    *,
    project: Project,
    condition: str,
    threshold_percent: int,
    action: str,
    min_observations: int = 10,
    weight_percent: int = 50,
) -> Rule:
    """The rule, unsaved, once its fields are checked (ValidationError naming a bad one)."""
    if condition not in RuleCondition.values:
        raise ValidationError({"condition": _("Unknown condition.")})
    if action not in RuleActionKind.values:
        raise ValidationError({"action": _("Unknown action.")})
    rule = Rule(
        project=project,
        condition=condition,
        threshold_percent=threshold_percent,
        action=action,
        min_observations=min_observations,
        weight_percent=weight_percent,
    )
    if not 0 <= threshold_percent <= 100 or not 0 <= weight_percent <= 100:
        raise ValidationError({"threshold_percent": _("A percentage from 0 to 100.")})
    if min_observations < 1:
        raise ValidationError({"min_observations": _("At least one observation.")})
    return rule


MAX_RULES_PER_PROJECT = 20
_RULE_FIELDS = ("condition", "threshold_percent", "action", "min_observations", "weight_percent")


def _rule_terms(rule: Rule) -> tuple:
    return tuple(getattr(rule, name) for name in _RULE_FIELDS)


@transaction.atomic
def project_rules_set(*, project: Project, rule_specs: list[dict]) -> list[Rule]:
    """Make `rule_specs` (rule_create's keyword arguments, each) the project's active rules.

    An active rule with the same terms as one asked for stays as it is, with the actions it
    took; the other active rules are disabled (rules.rule_deactivate: their actions stay until
    lifted); the rest are created. Raise ValidationError keyed "rules[<index>].<field>" on the
    first bad one; nothing changes then. Returns the active rules, in the order asked.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if len(rule_specs) > MAX_RULES_PER_PROJECT:
        raise ValidationError(
            {"rules": _("A project has at most %(n)d rules.") % {"n": MAX_RULES_PER_PROJECT}}
        )
    wanted = []
    for index, raw in enumerate(rule_specs):
        try:
            wanted.append(_rule_checked(project=project, **raw))
        except ValidationError as error:
            raise ValidationError(
                {
                    f"rules[{index}].{name}": messages
                    for name, messages in error.message_dict.items()
                }
            ) from None
    active = list(Rule.objects.filter(project=project, is_active=True).order_by("pk"))
    result = []
    for rule in wanted:
        same = next((old for old in active if _rule_terms(old) == _rule_terms(rule)), None)
        if same is not None:
            active.remove(same)
            result.append(same)
        else:
            rule.save()
            result.append(rule)
    for old in active:
        rules.rule_deactivate(rule=old)
    return result
