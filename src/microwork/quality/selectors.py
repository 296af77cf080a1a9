"""Reads of the quality app: a worker's system values, and whether they meet a project's
requirements. The comparators are evaluated here, in one place, for the marketplace, the
preview, the claim and (later) the MTurk endpoint alike."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from microwork.accounts.models import User, WorkerProfile
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Project
from microwork.quality.aggregation.batch import batch_aggregate
from microwork.quality.aggregation.categorical import DEFAULT_METHOD
from microwork.quality.agreement import WorkerStats, worker_stats
from microwork.quality.enums import (
    GUARDED_BY,
    ActionsGuarded,
    Comparator,
    QualificationStatus,
    RuleActionKind,
    SystemQualification,
    WorkerAction,
)
from microwork.quality.exports import CATEGORICAL, export_fields
from microwork.quality.gold import batch_gold
from microwork.quality.models import (
    GoldSettings,
    ProjectRequirement,
    Rule,
    RuleAction,
    WorkerBlock,
    WorkerQualification,
)
from microwork.quality.rules import answer_weights
from microwork.work import selectors as work_selectors
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment


@dataclass(frozen=True)
class SystemValues:
    """A worker's values for the system qualifications."""

    approval_rate: int
    number_approved: int
    number_reviewed: int
    country: str
    subdivision: str
    is_adult: bool
    is_master: bool


def worker_system_values(worker: User) -> SystemValues:
    """The worker's approval rate, approved count, locale, adult and Masters flags.

    The approval rate is approved / (approved + rejected) over all their reviewed assignments,
    for every requester, as a whole percent rounded down (so 99.5 % does not pass a 100 %
    requirement). With nothing reviewed yet it is 100, as MTurk does, so new workers can start.
    """
    counts = Assignment.objects.filter(worker=worker).aggregate(
        approved=Count("pk", filter=Q(state=AssignmentState.APPROVED)),
        rejected=Count("pk", filter=Q(state=AssignmentState.REJECTED)),
    )
    reviewed = counts["approved"] + counts["rejected"]
    rate = counts["approved"] * 100 // reviewed if reviewed else 100
    profile = WorkerProfile.objects.filter(user=worker).first()
    return SystemValues(
        approval_rate=rate,
        number_approved=counts["approved"],
        number_reviewed=reviewed,
        country=profile.country if profile else "",
        subdivision=profile.subdivision if profile else "",
        is_adult=bool(profile and profile.is_adult),
        is_master=bool(profile and profile.is_master),
    )


@dataclass(frozen=True)
class WorkerFacts:
    """Everything needed to evaluate requirements for one worker, read once."""

    system: SystemValues | None  # None when only custom types are asked about
    granted: dict[int, WorkerQualification]  # qualification type id -> granted qualification


def worker_facts(worker: User, type_ids=None, *, with_system: bool = True) -> WorkerFacts:
    """The worker's values; `with_system=False` leaves out the system values (two queries, one
    of them a count over every assignment of the worker) for requirements on custom types only."""
    grants = WorkerQualification.objects.filter(worker=worker, status=QualificationStatus.GRANTED)
    if type_ids is not None:
        grants = grants.filter(qualification_type_id__in=set(type_ids))
    return WorkerFacts(
        system=worker_system_values(worker) if with_system else None,
        granted={grant.qualification_type_id: grant for grant in grants},
    )


# --- evaluating one requirement ------------------------------------------------------------

_ABSENT = object()


def _worker_value(requirement: ProjectRequirement, facts: WorkerFacts):
    """The worker's value for the requirement's qualification: an int, a (country,
    subdivision) pair for the locale, or _ABSENT when they do not have it."""
    system = facts.system
    key = requirement.system_key
    if key == SystemQualification.APPROVAL_RATE:
        return system.approval_rate
    if key == SystemQualification.NUMBER_APPROVED:
        return system.number_approved
    if key == SystemQualification.ADULT:
        return 1 if system.is_adult else 0
    if key == SystemQualification.MASTERS:
        return 1 if system.is_master else _ABSENT
    if key == SystemQualification.LOCALE:
        return (system.country, system.subdivision) if system.country else _ABSENT
    grant = facts.granted.get(requirement.qualification_type_id)
    if grant is None:
        return _ABSENT
    if grant.locale_country:
        return (grant.locale_country, grant.locale_subdivision)
    return grant.integer_value if grant.integer_value is not None else _ABSENT


def _locale_matches(locale: tuple[str, str], wanted: dict) -> bool:
    """A country-only value matches the whole country; one with a subdivision only it."""
    country, subdivision = locale
    if wanted.get("Country", "").upper() != country:
        return False
    wanted_subdivision = (wanted.get("Subdivision") or "").upper()
    return not wanted_subdivision or wanted_subdivision == subdivision


def requirement_is_met(requirement: ProjectRequirement, facts: WorkerFacts) -> bool:
    """Whether the worker's value passes the requirement's comparator.

    A worker without the qualification (or with it revoked) passes DoesNotExist only; every
    other comparator fails, NotEqualTo and NotIn included, as MTurk reads them.
    """
    value = _worker_value(requirement, facts)
    comparator = requirement.comparator
    if comparator == Comparator.EXISTS:
        return value is not _ABSENT
    if comparator == Comparator.DOES_NOT_EXIST:
        return value is _ABSENT
    if value is _ABSENT:
        return False
    if isinstance(value, tuple):
        wanted = requirement.locale_values
        matched = any(_locale_matches(value, locale) for locale in wanted)
        if comparator in (Comparator.EQUAL_TO, Comparator.IN):
            return matched
        if comparator in (Comparator.NOT_EQUAL_TO, Comparator.NOT_IN):
            return not matched
        return False  # an ordering comparator cannot apply to a locale
    numbers = requirement.integer_values
    if not numbers:
        return False
    first = numbers[0]
    return {
        Comparator.LESS_THAN: lambda: value < first,
        Comparator.LESS_THAN_OR_EQUAL_TO: lambda: value <= first,
        Comparator.GREATER_THAN: lambda: value > first,
        Comparator.GREATER_THAN_OR_EQUAL_TO: lambda: value >= first,
        Comparator.EQUAL_TO: lambda: value == first,
        Comparator.NOT_EQUAL_TO: lambda: value != first,
        Comparator.IN: lambda: value in numbers,
        Comparator.NOT_IN: lambda: value not in numbers,
    }[comparator]()


def _locale_text(locale: dict) -> str:
    country = locale.get("Country", "")
    subdivision = locale.get("Subdivision") or ""
    return f"{country}-{subdivision}" if subdivision else country


def requirement_text(requirement: ProjectRequirement) -> str:
    """The requirement in words: "Approval rate (%) at least 95", "Location one of US, CA"."""
    name = requirement.qualification_name
    if requirement.qualification_type_id is not None:
        name = _("Qualification “%(name)s”") % {"name": name}
    comparator = requirement.comparator
    if comparator == Comparator.EXISTS:
        return _("%(name)s: required") % {"name": name}
    if comparator == Comparator.DOES_NOT_EXIST:
        return _("%(name)s: must not be held") % {"name": name}
    if requirement.locale_values:
        values = ", ".join(_locale_text(locale) for locale in requirement.locale_values)
    else:
        values = ", ".join(str(number) for number in requirement.integer_values)
    return f"{name} {Comparator(comparator).label} {values}"


def _yours(requirement: ProjectRequirement, facts: WorkerFacts) -> str:
    value = _worker_value(requirement, facts)
    if requirement.system_key == SystemQualification.LOCALE and value is _ABSENT:
        return _("you have not set your country in Settings")
    if value is _ABSENT:
        return _("you do not have it")
    if isinstance(value, tuple):
        return _("yours is %(value)s") % {
            "value": _locale_text({"Country": value[0], "Subdivision": value[1]})
        }
    if requirement.comparator == Comparator.DOES_NOT_EXIST:
        return _("you have it")
    return _("yours is %(value)s") % {"value": value}


# --- blocks and a worker's standing with one project ---------------------------------------


def worker_block(*, worker: User, requester: User) -> WorkerBlock | None:
    return WorkerBlock.objects.filter(worker=worker, requester=requester).first()


def block_text(block: WorkerBlock) -> str:
    return _("%(requester)s blocked you on %(date)s: %(reason)s") % {
        "requester": block.requester.public_name,
        "date": date_format(timezone.localtime(block.created_at), "DATE_FORMAT"),
        "reason": block.reason,
    }


def requirement_failures(
    *, worker: User, project: Project, action: WorkerAction | str, is_blocked: bool | None = None
) -> list[str]:
    """Why `worker` may not do `action` on `project`, in words; an empty list means they may.

    A block by the project's requester comes first and stops every action. Then each
    requirement that guards the action and that the worker fails, with the worker's value.
    `is_blocked=False` says the caller has just read that there is no such block (the claim's
    ACCEPT_GATE_SQL), so it is not looked up again.
    """
    failures = []
    block = (
        None if is_blocked is False else worker_block(worker=worker, requester=project.requester)
    )
    if block is not None:
        failures.append(block_text(block))
    requirements = list(
        ProjectRequirement.objects.filter(
            project=project, actions_guarded__in=GUARDED_BY[WorkerAction(action)]
        ).select_related("qualification_type")
    )
    if not requirements:
        return failures
    facts = worker_facts(
        worker,
        [r.qualification_type_id for r in requirements],
        with_system=any(r.system_key for r in requirements),
    )
    for requirement in requirements:
        if not requirement_is_met(requirement, facts):
            failures.append(f"{requirement_text(requirement)} ({_yours(requirement, facts)})")
    return failures


_RULE_ACTION, _WORKER_BLOCK, _REQUIREMENT = (
    model._meta.db_table for model in (RuleAction, WorkerBlock, ProjectRequirement)
)
_ACCEPT_GUARDS = tuple(sorted(GUARDED_BY[WorkerAction.ACCEPT]))
ACCEPT_GATE_NAMES = ("has_rule_block", "has_worker_block", "has_accept_requirements")
# SQL, not the ORM, because the claim reads these on every accept: written by the ORM, the
# three sub-selects cost more CPU to compose than PostgreSQL needs to run them.
ACCEPT_GATE_SQL = f"""
    EXISTS (SELECT 1 FROM {_RULE_ACTION} AS gate_action
            WHERE gate_action.worker_id = %(gate_worker)s
              AND gate_action.project_id = %(gate_project)s
              AND gate_action.action = %(gate_block)s
              AND gate_action.lifted_at IS NULL) AS has_rule_block,
    EXISTS (SELECT 1 FROM {_WORKER_BLOCK} AS gate_block
            WHERE gate_block.worker_id = %(gate_worker)s
              AND gate_block.requester_id = %(gate_requester)s) AS has_worker_block,
    EXISTS (SELECT 1 FROM {_REQUIREMENT} AS gate_requirement
            WHERE gate_requirement.project_id = %(gate_project)s
              AND gate_requirement.actions_guarded IN (
                  {", ".join(f"%(gate_guard_{index})s" for index in range(len(_ACCEPT_GUARDS)))}
              )) AS has_accept_requirements"""  # nosec B608  # table and column names from the models; values are bound parameters


# The claim's gate (work/events.py AcceptGate): the three above and the project's gold mixing
# rate (quality.gold.gold_mixing_rate; NULL without gold settings).
ACCEPT_GATE_COLUMNS = f"""{ACCEPT_GATE_SQL},
    (SELECT gold.mixing_rate_percent FROM {GoldSettings._meta.db_table} AS gold
     WHERE gold.project_id = %(gate_project)s) AS gold_mixing_rate"""  # nosec B608  # table and column names from the models; values are bound parameters


def accept_gate_params(*, worker: User, project: Project) -> dict:
    """The parameters of ACCEPT_GATE_SQL, three boolean SQL columns (ACCEPT_GATE_NAMES):
    whatever could stop `worker` accepting tasks of `project`.

    `has_rule_block`: a live BLOCK of a quality rule; `has_worker_block`: a block by the
    project's requester; `has_accept_requirements`: a requirement that guards accepting. The
    claim reads them in the statement it makes anyway (work.claim.read_facts()), and
    quality.services.ensure_can_accept takes its full path (the worker's values, the reasons in
    words) only when one of them holds.
    """
    params = {
        "gate_worker": worker.pk,
        "gate_project": project.pk,
        "gate_requester": project.requester_id,
        "gate_block": RuleActionKind.BLOCK.value,
    }
    for index, guard in enumerate(_ACCEPT_GUARDS):
        params[f"gate_guard_{index}"] = ActionsGuarded(guard).value
    return params


def worker_can(action: WorkerAction | str, worker: User, project: Project) -> bool:
    return not requirement_failures(worker=worker, project=project, action=action)


def projects_available_for_worker(*, worker: User):
    """The marketplace: projects with a task this worker can accept (work.selectors.
    projects_with_work_for), less those of requesters who blocked them (in SQL) and those
    whose DiscoverPreviewAndAccept requirements they fail (ids projects_hidden_from_worker()
    evaluates in Python), with `slots_available`, newest first."""
    return (
        work_selectors.projects_with_work_for(worker=worker)
        .exclude(requester__in=blocked_requesters(worker=worker))
        .exclude(pk__in=projects_hidden_from_worker(worker=worker))
    )


def projects_hidden_from_worker(*, worker: User) -> list[int]:
    """Ids of live projects whose DiscoverPreviewAndAccept requirements `worker` fails.

    The marketplace query excludes these ids. The comparators are evaluated here in Python,
    over the discover-guarded requirements of projects with a live batch only (few, in
    practice), with the worker's values read once; blocks are excluded in SQL by the caller.
    """
    now = timezone.now()
    requirements = list(
        ProjectRequirement.objects.filter(
            actions_guarded=ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT,
            project__in=Project.objects.filter(
                batches__status=BatchStatus.PUBLISHED, batches__expires_at__gt=now
            ).values("pk"),
        ).select_related("qualification_type")
    )
    if not requirements:
        return []
    facts = worker_facts(worker, [r.qualification_type_id for r in requirements])
    return sorted(
        {
            requirement.project_id
            for requirement in requirements
            if not requirement_is_met(requirement, facts)
        }
    )


def blocked_requesters(*, worker: User):
    """The requesters who blocked `worker`, as a subquery of ids."""
    return WorkerBlock.objects.filter(worker=worker).values("requester_id")


# --- pages ---------------------------------------------------------------------------------


def worker_standing(*, worker: User) -> dict:
    """What the worker's "qualifications and blocks" page shows: every qualification they were
    granted (revoked ones too, with the reason), their system values, the blocks against them
    and every action a project's quality rule took on them, with reasons and dates."""
    return {
        "qualifications": list(
            WorkerQualification.objects.filter(worker=worker)
            .select_related("qualification_type__owner")
            .order_by("status", "-granted_at", "-pk")
        ),
        "system": worker_system_values(worker),
        "blocks": list(
            WorkerBlock.objects.filter(worker=worker)
            .select_related("requester")
            .order_by("-created_at", "-pk")
        ),
        "rule_actions": list(
            RuleAction.objects.filter(worker=worker)
            .select_related("project")
            .order_by("-created_at", "-pk")
        ),
    }


def requester_worker_assignments(*, requester: User, worker: User):
    """The worker's assignments in the requester's projects, newest first."""
    return (
        Assignment.objects.filter(worker=worker, task__batch__project__requester=requester)
        .select_related("task__batch__project")
        .order_by("-accepted_at", "-pk")
    )


# --- a project's workers and rules, as its requester sees them -----------------------------


@dataclass(frozen=True)
class ProjectWorkerFigures:
    """One worker's figures in one project (quality.agreement.WorkerStats, each with its number
    of observations), their speed against the project's median, the weight of their answers
    in aggregation and the rule actions live on them."""

    stats: WorkerStats
    speed_percent: float | None  # their median time as a percent of the project's median
    weight: float
    live_actions: list


def _project_labels(project: Project, method: str, precomputed: dict | None = None) -> dict:
    """{(task public id, field): aggregated label} over the categorical answer fields of every
    batch of `project` that has been published. A batch in `precomputed` ({batch id: labels,
    or None for none yet}: a large batch's stored labels, quality/stored.py) is not
    aggregated here."""

    labels = {}
    precomputed = precomputed or {}
    for batch in project.batches.exclude(status=BatchStatus.DRAFT).order_by("pk"):
        if batch.pk in precomputed:
            labels.update(precomputed[batch.pk] or {})
            continue
        for field in export_fields(batch, method=method):
            if field.kind != CATEGORICAL:
                continue
            gold = batch_gold(batch, field.name) or None
            for row in batch_aggregate(batch, field=field.name, method=method, gold=gold):
                labels[(row.task_id, field.name)] = row.label
    return labels


def project_worker_rows(*, project: Project):
    """One row per worker who answered in `project`, {"worker__worker_id", "answered"}: most
    answers first, then by worker id. The workers page paginates these, so it counts in the
    database and reads answers only for the workers it shows."""
    return (
        _answered(project)
        .values("worker__worker_id")
        .annotate(answered=Count("pk"))
        .order_by("-answered", "worker__worker_id")
    )


def project_worker_tasks(*, project: Project, workers: list[str]) -> set[str]:
    """Public ids of the tasks `workers` (worker ids) answered in `project`: the tasks whose
    labels a page of project_worker_rows needs."""
    answered = _answered(project).filter(worker__worker_id__in=workers)
    return set(answered.values_list("task__public_id", flat=True))


def _answered(project: Project):
    return Assignment.objects.filter(task__batch__project=project, state__in=list(ANSWERED_STATES))


def _median_seconds(answered) -> float | None:
    """statistics.median of the work seconds of `answered`, from how many answers took each
    number of seconds: the database counts a million answers into a few thousand rows, and
    neither sorts nor sends them all."""
    histogram = list(
        answered.filter(work_seconds__isnull=False)  # as statistics.median over the known ones
        .values_list("work_seconds")
        .annotate(n=Count("pk"))
        .order_by("work_seconds")
    )
    total = sum(n for _seconds, n in histogram)
    if not total:
        return None

    def nth(index: int) -> int:
        for seconds, n in histogram:
            if index < n:
                return seconds
            index -= n
        raise IndexError(index)

    if total % 2:
        return nth(total // 2)
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def project_worker_figures(
    *,
    project: Project,
    method: str | None = None,
    precomputed: dict | None = None,
    workers: list[str] | None = None,
) -> dict:
    """Per worker of `project`: accuracy on gold, agreement with the aggregated label (by
    `method`, the default categorical method when None), median time and its share of the
    project's median, rejection rate, each with its number of observations; the weight of
    their answers and the rule actions live on them. Also the project's median time.

    `workers` (worker ids, a page of project_worker_rows) limits the figures to those workers,
    in that order, and the answers read to theirs; None means every worker, in the order of
    project_worker_rows. The labels come from every batch of the project, aggregated here like
    the batch quality page does for one batch, except those whose labels are in `precomputed`
    (see _project_labels).
    """

    answered = _answered(project)
    project_median = _median_seconds(answered)
    live_actions = RuleAction.objects.filter(project=project, lifted_at__isnull=True)
    if workers is None:
        workers = [row["worker__worker_id"] for row in project_worker_rows(project=project)]
        weights = answer_weights(project=project)
    else:
        answered = answered.filter(worker__worker_id__in=workers)
        live_actions = live_actions.filter(worker__worker_id__in=workers)
        weights = answer_weights(project=project, workers=workers)
    if not workers:
        return {"project_median_seconds": project_median, "workers": []}
    labels = _project_labels(project, method or DEFAULT_METHOD, precomputed)
    rows = answered.values_list(
        "worker__worker_id", "task__public_id", "state", "work_seconds", "answers", "task__gold"
    ).iterator(chunk_size=2000)
    stats = {row.worker_id: row for row in worker_stats(rows, labels)}
    actions: dict = {}
    for action in live_actions.select_related("rule", "worker").order_by("created_at", "pk"):
        actions.setdefault(action.worker.worker_id, []).append(action)
    return {
        "project_median_seconds": project_median,
        "workers": [
            ProjectWorkerFigures(
                stats=row,
                speed_percent=(
                    round(100 * row.median_seconds / project_median, 1)
                    if row.median_seconds is not None and project_median
                    else None
                ),
                weight=weights.get(row.worker_id, 1.0),
                live_actions=actions.get(row.worker_id, []),
            )
            for row in (stats[worker_id] for worker_id in workers if worker_id in stats)
        ],
    }


def project_rules(*, project: Project) -> dict:
    """What the project's rules page shows: its rules with how many actions each took (live
    and in all), and every action taken, newest first."""

    rules = list(
        Rule.objects.filter(project=project)
        .annotate(
            actions_total=Count("actions"),
            actions_live=Count("actions", filter=Q(actions__lifted_at__isnull=True)),
        )
        .order_by("-is_active", "pk")
    )
    actions = (
        RuleAction.objects.filter(project=project)
        .select_related("rule", "worker")
        .order_by("-created_at", "-pk")
    )
    return {"rules": rules, "actions": actions}
