"""Dynamic overlap: stop a task once its answers agree enough, extend it while they disagree.

A project with `overlap_dynamic` starts every task at `assignments_per_task` slots (the minimum
overlap). After each submission, inside the submit's transaction and with the task row locked
(work.services.assignment_submit -> task_overlap_after_submit), the task's deciding answer field
is scored:

- confidence: the weighted share of the most common answer among the task's submitted and
  approved answers (rejected ones are not trusted). A worker's weight is 100, or the lowest live
  LOWER_WEIGHT of the project's rules (quality/rules.py). Integer weights, so the comparison with
  the threshold is exact;
- with a confidence target (ConfidenceTarget, docs/quality-aggregation.md) the confidence is
  instead the calibrated posterior of the leading answer, each worker right with their
  accuracy on the project's gold (task_calibrated_confidence), compared with the target;
- at least the minimum overlap answered and confidence >= threshold: the task stops. Its open
  slots close and it loses the slots dynamic overlap could still have added; their escrow
  (reward and fee each) goes back to the requester in one posting (payments.overlap_release);
- otherwise, once every slot is answered (none open, none accepted and still in time): one more
  slot, up to `overlap_max`; at the maximum, the task stops with nothing left to give back.

The escrow of a dynamic-overlap batch holds the maximum overlap of every task from publication
on (payments.overlap_headroom_slots), so an extension never needs money and a stop returns an
exact number of slots. ADR 0012 has the reasons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.payments import services as payments
from microwork.payments.enums import AccountKind
from microwork.payments.models import LedgerEntry
from microwork.projects import tasktypes
from microwork.projects.enums import BatchStatus
from microwork.projects.models import MAX_ASSIGNMENTS_PER_TASK, Batch, Project, Task
from microwork.projects.tasktypes.base import CATEGORICAL
from microwork.quality.aggregation.calibration import one_coin_confidence
from microwork.quality.enums import RuleActionKind
from microwork.quality.gold import answer_field_names, is_right
from microwork.quality.models import ConfidenceTarget, RuleAction
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

FULL_WEIGHT = 100
TRUSTED_STATES = (AssignmentState.SUBMITTED, AssignmentState.APPROVED)
STOPPED = "stopped"
EXTENDED = "extended"
RELEASE_KEY_PREFIX = "overlap_release:"


@dataclass(frozen=True)
class Confidence:
    label: object  # the leading answer, None without answers
    weight: int  # its weight (percent units)
    total_weight: int
    answers: int  # answers with a value in the deciding field
    # With a confidence target (ConfidenceTarget): the calibrated posterior of `label`.
    posterior: float | None = None

    def reaches(self, threshold_percent: int) -> bool:
        """Whether the leading answer's share is at least `threshold_percent`, exactly."""
        return self.total_weight > 0 and self.weight * 100 >= threshold_percent * self.total_weight

    @property
    def percent(self) -> float:
        return 100 * self.weight / self.total_weight if self.total_weight else 0.0


@dataclass(frozen=True)
class Decision:
    action: str  # STOPPED or EXTENDED
    confidence: Confidence
    released_slots: int = 0


def deciding_field(project: Project) -> str | None:
    """The answer field whose agreement decides: the project's choice, or its template's first
    categorical field (a custom HTML template's fields all count as categorical, as in the
    exports). None when the template has none."""
    if project.overlap_field:
        return project.overlap_field
    found = tasktypes.task_type(project.template_kind)
    if found is None:
        names = answer_field_names(project)
        return names[0] if names else None
    try:
        kinds = found.aggregation_fields(found.parse(project.template_config or {}))
    except tasktypes.ConfigInvalid:
        return None
    return next((name for name, kind in kinds.items() if kind == CATEGORICAL), None)


def _key(value):
    # JSON answers may be lists (checkboxes); a vote needs a hashable label.
    return tuple(value) if isinstance(value, list) else value


def _weights(project: Project, worker_ids) -> dict[int, int]:
    """Per worker: the lowest live LOWER_WEIGHT percent of the project's rules (answer_weight in
    quality/rules.py, for many workers in one query); absent means FULL_WEIGHT."""
    weights: dict[int, int] = {}
    rows = RuleAction.objects.filter(
        project=project,
        worker_id__in=list(worker_ids),
        action=RuleActionKind.LOWER_WEIGHT,
        lifted_at__isnull=True,
    ).values_list("worker_id", "rule__weight_percent")
    for worker_id, percent in rows:
        weights[worker_id] = min(weights.get(worker_id, FULL_WEIGHT), percent)
    return weights


def task_confidence(*, task: Task, project: Project, field: str | None) -> Confidence:
    """The weighted majority of `field` among the task's trusted answers. Without a field, every
    answer counts as agreeing (the task then stops at the minimum overlap)."""
    rows = list(
        Assignment.objects.filter(task=task, state__in=TRUSTED_STATES).values_list(
            "worker_id", "answers"
        )
    )
    weights = _weights(project, {worker_id for worker_id, _answers in rows})
    votes: dict = defaultdict(int)
    answers = 0
    for worker_id, given in rows:
        value = (given or {}).get(field) if field else True
        if value is None or value == "" or value == []:
            continue
        answers += 1
        votes[_key(value)] += weights.get(worker_id, FULL_WEIGHT)
    if not votes:
        return Confidence(label=None, weight=0, total_weight=0, answers=0)
    # A tie goes to the label first in text order, so the result does not depend on row order.
    label, weight = min(votes.items(), key=lambda item: (-item[1], str(item[0])))
    return Confidence(label=label, weight=weight, total_weight=sum(votes.values()), answers=answers)


# A worker's accuracy for the calibrated stop: their record on the project's gold, shrunk
# towards PRIOR_ACCURACY with PRIOR_STRENGTH pseudo-answers (bench/aggregate_calibration.py
# simulates exactly this rule).
PRIOR_ACCURACY = 0.7
PRIOR_STRENGTH = 5


def confidence_target(project: Project) -> int | None:
    """The project's calibrated stop in percent, or None (the raw agreement rule)."""
    return (
        ConfidenceTarget.objects.filter(project=project)
        .values_list("target_percent", flat=True)
        .first()
    )


def gold_accuracies(project: Project, worker_ids, field: str | None) -> dict[int, float]:
    """Per worker: (right + PRIOR_STRENGTH x PRIOR_ACCURACY) / (answered + PRIOR_STRENGTH) over
    their trusted answers to the project's gold tasks that have a right answer for `field`.
    A worker with no gold answer gets PRIOR_ACCURACY."""
    right: dict[int, int] = defaultdict(int)
    answered: dict[int, int] = defaultdict(int)
    if field:
        rows = Assignment.objects.filter(
            worker_id__in=list(worker_ids),
            task__batch__project=project,
            task__gold__isnull=False,
            state__in=TRUSTED_STATES,
        ).values_list("worker_id", "answers", "task__gold")
        for worker_id, given, known in rows:
            if not isinstance(known, dict) or field not in known:
                continue
            value = (given or {}).get(field)
            if value is None or value == "" or value == []:
                continue
            answered[worker_id] += 1
            right[worker_id] += is_right(value, known[field])
    return {
        worker_id: (right[worker_id] + PRIOR_STRENGTH * PRIOR_ACCURACY)
        / (answered[worker_id] + PRIOR_STRENGTH)
        for worker_id in worker_ids
    }


def task_calibrated_confidence(*, task: Task, project: Project, field: str | None) -> Confidence:
    """The task's leading answer and its posterior under a one-coin model: each trusted
    answer right with its worker's gold accuracy (gold_accuracies), pulled towards chance by
    a LOWER_WEIGHT rule action (accuracy 1/K + w (a - 1/K)), wrong answers alike among K
    labels, K the labels given plus one for those nobody gave (at least 2)."""
    rows = list(
        Assignment.objects.filter(task=task, state__in=TRUSTED_STATES).values_list(
            "worker_id", "answers"
        )
    )
    workers = {worker_id for worker_id, _answers in rows}
    weights = _weights(project, workers)
    accuracies = gold_accuracies(project, workers, field)
    labels, chances = [], []
    for worker_id, given in rows:
        value = (given or {}).get(field) if field else True
        if value is None or value == "" or value == []:
            continue
        labels.append(_key(value))
        chances.append((worker_id, accuracies[worker_id]))
    if not labels:
        return Confidence(label=None, weight=0, total_weight=0, answers=0, posterior=0.0)
    k = max(len(set(labels)) + 1, 2)
    adjusted = [
        1 / k + weights.get(worker_id, FULL_WEIGHT) / FULL_WEIGHT * (accuracy - 1 / k)
        for worker_id, accuracy in chances
    ]
    label, posterior = one_coin_confidence(labels, adjusted, k)
    votes = sum(1 for given in labels if given == label)
    return Confidence(
        label=label,
        weight=votes * FULL_WEIGHT,
        total_weight=len(labels) * FULL_WEIGHT,
        answers=len(labels),
        posterior=posterior,
    )


def _escrow_is_live(batch: Batch, now) -> bool:
    # Once a batch has ended, escrow_release_unused returns everything not owed to live work.
    return batch.status in (BatchStatus.PUBLISHED, BatchStatus.PAUSED) and not batch.is_expired(now)


def task_overlap_after_submit(
    *, task_id: int, project: Project | None = None, now=None
) -> Decision | None:
    """Stop or extend the task after a submission on it, per the rules in this module's
    docstring; return what was done, or None.

    Must run in the submit's transaction, after the answer is saved: the task row is locked
    here (assignment rows first, then the task, as everywhere in work.services), so concurrent
    submits on one task decide one after another and each sees the answers committed before
    it; a task stops once (overlap_stopped_at) and is never extended past its maximum.
    `project`, when given, is the task's project as the caller read it: without dynamic overlap
    nothing is locked (the setting cannot change once work is published).
    """
    if project is not None and not project.overlap_dynamic:
        return None
    now = now or timezone.now()
    task = Task.objects.select_for_update().select_related("batch__project").get(pk=task_id)
    batch = task.batch
    project = batch.project
    if (
        not project.overlap_dynamic
        or task.gold is not None  # gold tasks keep their own redundancy (quality/gold.py)
        or task.overlap_stopped_at is not None
        or not _escrow_is_live(batch, now)
    ):
        return None
    field = deciding_field(project)
    target = confidence_target(project)
    if target is None:
        confidence = task_confidence(task=task, project=project, field=field)
        sure = confidence.reaches(project.overlap_threshold_percent)
    else:
        confidence = task_calibrated_confidence(task=task, project=project, field=field)
        sure = confidence.posterior * 100 >= target
    if confidence.answers >= project.assignments_per_task and sure:
        return _stop(task, project, confidence, now)
    in_flight = Assignment.objects.filter(
        task=task, state=AssignmentState.ACCEPTED, deadline__gt=now
    ).exists()
    if task.open_slots > 0 or in_flight:
        return None  # answers still to come
    if task.max_assignments < project.overlap_max:
        Task.objects.filter(pk=task.pk).update(
            max_assignments=F("max_assignments") + 1,
            open_slots=F("open_slots") + 1,
            overlap_extended=F("overlap_extended") + 1,
        )
        return Decision(action=EXTENDED, confidence=confidence)
    return _stop(task, project, confidence, now)


def _stop(task: Task, project: Project, confidence: Confidence, now) -> Decision:
    """Close the task's open slots and its remaining headroom; give their escrow back."""
    headroom = max(0, project.overlap_max - task.max_assignments)
    unused = task.open_slots + headroom
    task.max_assignments -= task.open_slots
    task.open_slots = 0
    task.overlap_stopped_at = now
    task.save(update_fields=["max_assignments", "open_slots", "overlap_stopped_at"])
    payments.overlap_release(task=task, slots=unused)
    return Decision(action=STOPPED, confidence=confidence, released_slots=unused)


def batch_overlap_summary(batch: Batch) -> dict | None:
    """What dynamic overlap did in `batch`, for its progress page; None when it is off.

    answers_saved: slots the stopped tasks did not use up to the maximum overlap; money_saved:
    what went back to the requester for them (the ledger's overlap releases, exact).
    """
    project = batch.project
    if not project.overlap_dynamic:
        return None
    tasks = Task.objects.filter(batch=batch, gold__isnull=True)
    counts = tasks.aggregate(
        stopped=Count("pk", filter=Q(overlap_stopped_at__isnull=False)),
        extended=Count("pk", filter=Q(overlap_extended__gt=0)),
        slots_added=Sum("overlap_extended", default=0),
    )
    saved_slots = tasks.filter(
        overlap_stopped_at__isnull=False, max_assignments__lt=project.overlap_max
    ).aggregate(total=Sum(project.overlap_max - F("max_assignments"), default=0))["total"]
    money_saved = LedgerEntry.objects.filter(
        posting__batch=batch,
        posting__idempotency_key__startswith=RELEASE_KEY_PREFIX,
        account__kind=AccountKind.REQUESTER_AVAILABLE,
    ).aggregate(total=Sum("amount_cents", default=0))["total"]
    return {
        "field": deciding_field(project),
        "minimum": project.assignments_per_task,
        "maximum": project.overlap_max,
        "threshold_percent": project.overlap_threshold_percent,
        "tasks_stopped": counts["stopped"],
        "tasks_extended": counts["extended"],
        "slots_added": counts["slots_added"],
        "answers_saved": saved_slots,
        "money_saved_cents": money_saved,
    }


def confidence_target_set(*, project: Project, target_percent: int | None) -> None:
    """Set the project's calibrated stop (51-99%), or remove it with None (the raw agreement
    threshold decides again). Applies to the next submission of every task."""
    if target_percent is None:
        ConfidenceTarget.objects.filter(project=project).delete()
        return
    if not 51 <= target_percent <= 99:
        raise ValidationError(
            {"target_percent": _("The confidence target must be between 51% and 99%.")}
        )
    ConfidenceTarget.objects.update_or_create(
        project=project, defaults={"target_percent": target_percent}
    )


def tasks_ask_more(*, batch: Batch, task_ids, slots: int = 1, now=None) -> int:
    """Give each task of `batch` in `task_ids` (public ids; gold tasks and unknown ids are
    left out) `slots` more slots, and reserve their escrow as dynamic overlap does: a slot
    within a dynamic task's remaining headroom is already paid for, any other is taken from
    the requester's funds (payments.escrow_top_up). All or nothing: InsufficientFunds, or a
    batch that no longer hands out work (ValidationError), changes nothing. A task stopped
    by dynamic overlap stays stopped: it gets exactly these slots, no automatic extension.
    Returns how many tasks got slots (a task never goes past MAX_ASSIGNMENTS_PER_TASK)."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("project").get(pk=batch.pk)
        if not _escrow_is_live(batch, now):
            raise ValidationError(
                _("This batch no longer hands out work: publish it or extend it.")
            )
        chosen = list(
            Task.objects.select_for_update()
            .filter(
                batch=batch,
                public_id__in=list(task_ids),
                gold__isnull=True,
                max_assignments__lte=MAX_ASSIGNMENTS_PER_TASK - slots,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Task.objects.filter(pk__in=chosen).update(
            max_assignments=F("max_assignments") + slots, open_slots=F("open_slots") + slots
        )
        payments.escrow_top_up(batch=batch)
    return len(chosen)
