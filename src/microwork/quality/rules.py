"""Quality rules, evaluated as answers arrive: condition -> action, each action recorded.

work.services.assignment_submit calls rules_evaluate() (through quality.services) once per
submission, inside its transaction, for the submitting worker and project. Each active rule of
the project that has not already acted on the worker measures them over their answers in the
project; when they have at least the rule's minimum of observations and the figure is below
the threshold, a RuleAction is written with the figure, the number of observations and the
reason in words. The worker sees it on their standing page. A BLOCK stops their claims in the
project (quality.services.ensure_can_accept).

A lifted action (a requester's decision, an appeal granted) is a fresh start: the rule then
measures the worker only on answers submitted after the lift, and needs its minimum of
observations again before it can act again. Otherwise the figure that caused the action,
still below the threshold, would take it again at the worker's next answer and undo the lift.

The measures:
- gold accuracy: answers on gold tasks that match every gold field (quality/gold.py);
- median time: the worker's median work time as a share of the project's median (everyone);
- agreement: the share of the worker's answer fields that equal the most common answer of the
  other workers on the same task (tasks where at least two others answered), a majority vote
  cheap enough to run on every submission.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.projects.models import Project
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.gold import gold_mistakes
from microwork.quality.models import Rule, RuleAction
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment

MIN_OTHERS = 2


def _answered(project: Project):
    return Assignment.objects.filter(task__batch__project=project, state__in=list(ANSWERED_STATES))


def _mine(project: Project, worker: User, since: datetime | None):
    rows = _answered(project).filter(worker=worker)
    return rows if since is None else rows.filter(submitted_at__gt=since)


def gold_accuracy(
    *, worker: User, project: Project, since: datetime | None = None
) -> tuple[float | None, int]:
    """(percent right, gold answers) of `worker` in `project`, on answers after `since`."""
    rows = _mine(project, worker, since).filter(task__gold__isnull=False)
    right = seen = 0
    for answers, gold in rows.values_list("answers", "task__gold").iterator(chunk_size=2000):
        seen += 1
        right += not gold_mistakes(answers=answers, gold=gold)
    return (100 * right / seen if seen else None), seen


def median_time_share(
    *, worker: User, project: Project, since: datetime | None = None
) -> tuple[float | None, int]:
    """(the worker's median work time as a percent of the project's median, their answers);
    the worker's side counts answers after `since`, the project's every answer."""
    mine = list(_mine(project, worker, since).values_list("work_seconds", flat=True))
    everyone = list(_answered(project).values_list("work_seconds", flat=True))
    mine = [s for s in mine if s is not None]
    everyone = [s for s in everyone if s is not None]
    if not mine or not everyone:
        return None, len(mine)
    project_median = statistics.median(everyone)
    if project_median <= 0:
        return None, len(mine)
    return 100 * statistics.median(mine) / project_median, len(mine)


def _key(value):
    return tuple(value) if isinstance(value, list) else value


def majority_agreement(
    *, worker: User, project: Project, since: datetime | None = None
) -> tuple[float | None, int]:
    """(percent of the worker's answer fields, submitted after `since`, that match the others'
    most common answer, fields compared); rejected answers are left out on both sides."""
    trusted = _answered(project).exclude(state=AssignmentState.REJECTED)
    mine_after = _mine(project, worker, since).exclude(state=AssignmentState.REJECTED)
    task_ids = list(mine_after.values_list("task_id", flat=True))
    mine: dict = {}
    others: dict = defaultdict(Counter)
    rows = trusted.filter(task_id__in=task_ids).values_list("task_id", "worker_id", "answers")
    for task_id, worker_id, answers in rows.iterator(chunk_size=2000):
        for name, value in (answers or {}).items():
            if worker_id == worker.pk:
                mine[(task_id, name)] = _key(value)
            else:
                others[(task_id, name)][_key(value)] += 1
    agreed = compared = 0
    for key, value in mine.items():
        votes = others.get(key)
        if not votes or sum(votes.values()) < MIN_OTHERS:
            continue
        top = max(votes.values())
        compared += 1
        agreed += votes.get(value, 0) == top
    return (100 * agreed / compared if compared else None), compared


def photo_checks_passed(
    *, worker: User, project: Project, since: datetime | None = None
) -> tuple[float | None, int]:
    """(percent of the worker's field photos in `project` that no photo check flagged, their
    photos), on answers after `since` (work/photo_checks.py: the same picture again, too dark,
    blurred, taken outside the assignment's time)."""
    flagged = (
        Q(photo_check__duplicate_of__isnull=False)
        | Q(photo_check__is_dark=True)
        | Q(photo_check__is_blurred=True)
        | Q(photo_check__is_outside_window=True)
    )
    counts = (
        _mine(project, worker, since)
        .filter(photo_check__isnull=False)
        .aggregate(seen=Count("pk"), bad=Count("pk", filter=flagged))
    )
    seen = counts["seen"]
    return (100 * (seen - counts["bad"]) / seen if seen else None), seen


MEASURES = {
    RuleCondition.GOLD_ACCURACY_BELOW: gold_accuracy,
    RuleCondition.MEDIAN_TIME_BELOW: median_time_share,
    RuleCondition.AGREEMENT_BELOW: majority_agreement,
    RuleCondition.PHOTO_CHECKS_BELOW: photo_checks_passed,
}


def _reason(rule: Rule, observed: float, observations: int) -> str:
    figures = {
        "observed": f"{observed:.0f}",
        "threshold": rule.threshold_percent,
        "n": observations,
    }
    if rule.condition == RuleCondition.GOLD_ACCURACY_BELOW:
        text = _(
            "Your accuracy on questions with known answers is %(observed)s %% over %(n)d "
            "answers, below this project's minimum of %(threshold)s %%."
        )
    elif rule.condition == RuleCondition.MEDIAN_TIME_BELOW:
        text = _(
            "Your median time per task is %(observed)s %% of this project's median over "
            "%(n)d answers, below the %(threshold)s %% the project expects."
        )
    elif rule.condition == RuleCondition.PHOTO_CHECKS_BELOW:
        text = _(
            "%(observed)s %% of your %(n)d photos passed the photo checks (not the same picture "
            "sent again, not too dark or blurred, not taken outside the task's time), below "
            "this project's %(threshold)s %%."
        )
    else:
        text = _(
            "Your answers agree with the other workers' %(observed)s %% of the time over "
            "%(n)d answers, below this project's %(threshold)s %%."
        )
    outcome = {
        RuleActionKind.BLOCK: _("You can no longer accept tasks of this project."),
        RuleActionKind.FLAG: _("Your work is flagged for the requester to review."),
        RuleActionKind.LOWER_WEIGHT: _("Your answers count for %(weight)d %% in the results.")
        % {"weight": rule.weight_percent},
    }[rule.action]
    return f"{text % figures} {outcome}"


def active_rules_exist(project_ref: str = "task__batch__project_id") -> Exists:
    """An Exists() expression: whether the project at `project_ref` of the outer row (by
    default an assignment's) has an active rule. The submit reads it with the row it locks, so
    a project without rules pays no query for them (quality.services.rules_after_submit)."""
    return Exists(Rule.objects.filter(project=OuterRef(project_ref), is_active=True))


def rules_evaluate(*, worker: User, project: Project) -> list[RuleAction]:
    """Run the project's active rules for `worker`; return the actions newly taken."""
    rules = list(Rule.objects.filter(project=project, is_active=True).order_by("pk"))
    if not rules:
        return []
    # Per rule, in one read: whether an action of it is live on the worker (the rule is done
    # with them), and the last lift (the rule measures only answers after it; Max skips NULLs).
    acted, lifted = set(), {}
    per_rule = (
        RuleAction.objects.filter(worker=worker, rule__in=rules)
        .values("rule_id")
        .annotate(live=Count("pk", filter=Q(lifted_at__isnull=True)), last=Max("lifted_at"))
        .values_list("rule_id", "live", "last")
    )
    for rule_id, live, last in per_rule:
        if live:
            acted.add(rule_id)
        if last is not None:
            lifted[rule_id] = last
    measured: dict = {}
    taken = []
    for rule in rules:
        if rule.pk in acted:
            continue
        since = lifted.get(rule.pk)
        if (rule.condition, since) not in measured:
            measured[rule.condition, since] = MEASURES[rule.condition](
                worker=worker, project=project, since=since
            )
        observed, observations = measured[rule.condition, since]
        if observed is None or observations < rule.min_observations:
            continue
        if observed >= rule.threshold_percent:
            continue
        try:
            with transaction.atomic():
                taken.append(
                    RuleAction.objects.create(
                        rule=rule,
                        project=project,
                        worker=worker,
                        action=rule.action,
                        reason=_reason(rule, observed, observations),
                        observed_percent=observed,
                        observations=observations,
                    )
                )
        except IntegrityError:
            continue  # a concurrent submission of the same worker acted first
    return taken


def live_block(*, worker: User, project: Project) -> RuleAction | None:
    """The rule action blocking `worker` from `project`, if any."""
    return (
        RuleAction.objects.filter(
            worker=worker, project=project, action=RuleActionKind.BLOCK, lifted_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )


def _live_weights(project: Project):
    return RuleAction.objects.filter(
        project=project, action=RuleActionKind.LOWER_WEIGHT, lifted_at__isnull=True
    )


def answer_weight(*, worker: User, project: Project) -> float:
    """The weight of the worker's answers in `project`: 1, or the lowest live LOWER_WEIGHT."""
    weights = (
        _live_weights(project).filter(worker=worker).values_list("rule__weight_percent", flat=True)
    )
    return min((w / 100 for w in weights), default=1.0)


def answer_weights(*, project: Project, workers: list[str] | None = None) -> dict[str, float]:
    """{worker id: weight} for the workers of `project` whose answers a live LOWER_WEIGHT action
    lowers (the lowest when several); every other worker's answers weigh 1. Batch aggregation
    (quality/aggregation/batch.py) passes these to the methods that honour weights. `workers`
    (worker ids) limits the look-up to those, as a page of the project's workers needs."""
    weights: dict[str, float] = {}
    live = _live_weights(project)
    if workers is not None:
        live = live.filter(worker__worker_id__in=workers)
    rows = live.values_list("worker__worker_id", "rule__weight_percent")
    for worker_id, percent in rows:
        weights[worker_id] = min(weights.get(worker_id, 1.0), percent / 100)
    return weights


@transaction.atomic
def rule_deactivate(*, rule: Rule) -> Rule:
    """Stop `rule` acting on new answers. The actions it took stay, each until it is lifted."""
    Rule.objects.filter(pk=rule.pk).update(is_active=False)
    rule.is_active = False
    return rule


@transaction.atomic
def rule_action_lift(*, action: RuleAction) -> RuleAction:
    """End a rule's action (an appeal upheld, a requester's decision); the record stays."""
    locked = RuleAction.objects.select_for_update().get(pk=action.pk)
    if locked.lifted_at is None:
        locked.lifted_at = timezone.now()
        locked.save(update_fields=["lifted_at"])
    return locked
