from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.common.ids import new_entity_id
from microwork.projects.models import Project
from microwork.quality.enums import (
    OPEN_REQUEST_STATES,
    ActionsGuarded,
    Comparator,
    QualificationRequestState,
    QualificationStatus,
    QualificationTypeStatus,
    RuleActionKind,
    RuleCondition,
    SystemQualification,
)


class QualificationType(models.Model):
    """A requester's own qualification: a named integer score they grant to workers.

    The fields are those of MTurk's CreateQualificationType. Workers take the test on the web
    (QualificationRequest; scored with the answer key if there is one) or get an auto-granted
    type for the asking; the retry delay spaces their attempts (None: one attempt).
    Deleting is soft (`deleted_at`): granted qualifications stay, as on MTurk, and the name
    becomes free again.
    """

    public_id = models.CharField(max_length=30, unique=True, default=new_entity_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qualification_types"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=2000)
    keywords = models.CharField(_("keywords"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=QualificationTypeStatus.choices,
        default=QualificationTypeStatus.ACTIVE,
    )
    is_requestable = models.BooleanField(default=True)
    auto_granted = models.BooleanField(_("granted automatically on request"), default=False)
    auto_granted_value = models.IntegerField(_("value granted automatically"), default=1)
    retry_delay_seconds = models.PositiveIntegerField(null=True, blank=True)
    test = models.TextField(blank=True, max_length=65535)
    answer_key = models.TextField(blank=True, max_length=65535)
    test_duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # MTurk: "A QualificationType's name must be unique among all of the
            # QualificationTypes created by the same user"; a deleted type frees its name.
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(deleted_at__isnull=True),
                name="qualification_type_unique_live_name",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in QualificationTypeStatus]),
                name="qualification_type_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(test="") | Q(test_duration_seconds__isnull=False),
                name="qualification_type_test_has_duration",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:
        return self.status == QualificationTypeStatus.ACTIVE and not self.is_deleted


class WorkerQualification(models.Model):
    """One worker's score for one qualification type (MTurk's Qualification).

    A revoked one keeps its row (MTurk lists it with Status Revoked) and counts as absent for
    requirements; granting again brings it back.
    """

    qualification_type = models.ForeignKey(
        QualificationType, on_delete=models.PROTECT, related_name="grants"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qualifications"
    )
    integer_value = models.IntegerField(_("value"), null=True, blank=True)
    # MTurk's LocaleValue; only a locale-valued qualification has one.
    locale_country = models.CharField(max_length=2, blank=True)
    locale_subdivision = models.CharField(max_length=3, blank=True)
    status = models.CharField(
        max_length=8, choices=QualificationStatus.choices, default=QualificationStatus.GRANTED
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Shown to the worker, as MTurk's DisassociateQualificationFromWorker Reason.
    revoke_reason = models.TextField(blank=True, max_length=1024)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification_type", "worker"], name="worker_qualification_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in QualificationStatus]),
                name="worker_qualification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="Granted") | Q(revoked_at__isnull=False),
                name="worker_qualification_revoked_has_date",
            ),
        ]
        indexes = [models.Index(fields=["worker", "status"], name="worker_qualification_worker")]

    def __str__(self) -> str:
        return f"{self.qualification_type} = {self.integer_value} for {self.worker}"

    @property
    def is_granted(self) -> bool:
        return self.status == QualificationStatus.GRANTED


class QualificationRequest(models.Model):
    """A worker's request for a qualification type: a test taken, or a plain request of an
    auto-granted type (MTurk's QualificationRequest). quality/qualification_requests.py holds
    its rules.

    `test` is the type's test as the worker was shown it (MTurk's QualificationRequest.Test),
    `answers` what they submitted ({QuestionIdentifier: value or [values]}). With an answer key
    the test is scored at once (`summed_score`, then `integer_value` granted); without one the
    request waits for the requester, who grants `integer_value` or rejects with `reason`. The
    time from `started_at` to `submitted_at` (or to `deadline` if it ran out) is time the worker
    gave unpaid (fairness/wages.py).
    """

    public_id = models.CharField(max_length=30, unique=True, default=new_entity_id, editable=False)
    qualification_type = models.ForeignKey(
        QualificationType, on_delete=models.PROTECT, related_name="requests"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qualification_requests"
    )
    state = models.CharField(max_length=12, choices=QualificationRequestState.choices)
    test = models.TextField(blank=True, max_length=65535)
    answers = models.JSONField(default=dict, blank=True)
    summed_score = models.IntegerField(null=True, blank=True)
    integer_value = models.IntegerField(null=True, blank=True)
    reason = models.TextField(blank=True, max_length=1024)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One test in progress or one request waiting at a time, per worker and type: two
            # clicks on "Start" cannot open two attempts.
            models.UniqueConstraint(
                fields=["qualification_type", "worker"],
                condition=Q(state__in=OPEN_REQUEST_STATES),
                name="qualification_request_one_open",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in QualificationRequestState]),
                name="qualification_request_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(test="") | Q(deadline__isnull=False),
                name="qualification_request_test_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "qualification_type"], name="qualification_request_by"),
            models.Index(fields=["qualification_type", "state"], name="qualification_request_open"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} requests {self.qualification_type} ({self.state})"

    def is_overdue(self, now=None) -> bool:
        """A test in progress whose time has run out (the next write records it expired)."""
        return (
            self.state == QualificationRequestState.IN_PROGRESS
            and self.deadline is not None
            and self.deadline <= (now or timezone.now())
        )

    @property
    def ended_at(self):
        """When the worker stopped giving time to it: submitted, or the test's deadline."""
        if self.submitted_at is not None:
            return self.submitted_at
        if self.state == QualificationRequestState.EXPIRED:
            return self.deadline
        return None


class ProjectRequirement(models.Model):
    """One of a project's qualification requirements (MTurk's QualificationRequirement).

    It names either a requester's QualificationType or a system qualification, a comparator
    and its values; `actions_guarded` says what a worker who fails it may not do. Values are
    kept as MTurk sends them: `integer_values` a list of ints, `locale_values` a list of
    {"Country": "US", "Subdivision": "WA"} (Subdivision optional). Rules on which comparator
    takes which values live in quality.services.project_requirements_set().
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="requirements")
    position = models.PositiveSmallIntegerField()
    qualification_type = models.ForeignKey(
        QualificationType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
    )
    system_key = models.CharField(
        max_length=16, choices=SystemQualification.choices, blank=True, default=""
    )
    comparator = models.CharField(max_length=24, choices=Comparator.choices)
    integer_values = models.JSONField(default=list, blank=True)
    locale_values = models.JSONField(default=list, blank=True)
    actions_guarded = models.CharField(
        max_length=24, choices=ActionsGuarded.choices, default=ActionsGuarded.ACCEPT
    )
    # MTurk's deprecated RequiredToPreview, kept only to echo a requirement back as it was
    # sent (None: not sent). `actions_guarded` is what is enforced.
    required_to_preview = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "position"], name="project_requirement_unique_position"
            ),
            models.CheckConstraint(
                condition=(
                    Q(qualification_type__isnull=False, system_key="")
                    | (Q(qualification_type__isnull=True) & ~Q(system_key=""))
                ),
                name="project_requirement_one_qualification",
            ),
            models.CheckConstraint(
                condition=Q(comparator__in=[choice.value for choice in Comparator]),
                name="project_requirement_comparator_valid",
            ),
            models.CheckConstraint(
                condition=Q(actions_guarded__in=[choice.value for choice in ActionsGuarded]),
                name="project_requirement_actions_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_name} {self.comparator}"

    @property
    def qualification_name(self) -> str:
        if self.qualification_type_id is not None:
            return self.qualification_type.name
        return str(SystemQualification(self.system_key).label)


class WorkerBlock(models.Model):
    """A requester's block of a worker: none of the requester's projects is shown to, previewed
    by or accepted by that worker (MTurk's CreateWorkerBlock). Unlike MTurk, the worker sees
    the block, its reason and its date (no silent exclusion)."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="worker_blocks_given"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="worker_blocks_received"
    )
    reason = models.TextField(_("reason"), max_length=1024)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["requester", "worker"], name="worker_block_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="worker_block_has_reason"),
        ]
        indexes = [models.Index(fields=["worker", "requester"], name="worker_block_by_worker")]

    def __str__(self) -> str:
        return f"{self.worker} blocked by {self.requester}"


class Rule(models.Model):
    """A project's automatic quality rule: once a worker has `min_observations` observations,
    `condition` against `threshold_percent` triggers `action` (quality/rules.py). E.g. "after
    at least 10 gold answers, gold accuracy below 70 % -> block from this project"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quality_rules")
    condition = models.CharField(max_length=24, choices=RuleCondition.choices)
    threshold_percent = models.PositiveSmallIntegerField()
    min_observations = models.PositiveIntegerField(default=10)
    action = models.CharField(max_length=16, choices=RuleActionKind.choices)
    # For LOWER_WEIGHT: the weight their answers get, in percent of a normal answer.
    weight_percent = models.PositiveSmallIntegerField(default=50)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(condition__in=[choice.value for choice in RuleCondition]),
                name="rule_condition_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=[choice.value for choice in RuleActionKind]),
                name="rule_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(threshold_percent__lte=100, weight_percent__lte=100),
                name="rule_percents_at_most_100",
            ),
            models.CheckConstraint(condition=Q(min_observations__gte=1), name="rule_min_obs"),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} {self.threshold_percent} -> {self.action}"


class RuleAction(models.Model):
    """An action a rule took on a worker, with the figures behind it. Never deleted: lifting a
    block sets `lifted_at`. The worker sees every one, with its reason, on their standing page."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="actions")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rule_actions")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rule_actions"
    )
    action = models.CharField(max_length=16, choices=RuleActionKind.choices)
    reason = models.TextField(max_length=1024)
    observed_percent = models.FloatField()
    observations = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A rule acts once on a worker until that action is lifted.
            models.UniqueConstraint(
                fields=["rule", "worker"],
                condition=Q(lifted_at__isnull=True),
                name="rule_action_one_live_per_worker",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="rule_action_has_reason"),
        ]
        indexes = [models.Index(fields=["worker", "project"], name="rule_action_by_worker")]

    def __str__(self) -> str:
        return f"{self.action} {self.worker} in {self.project}"

    @property
    def is_live(self) -> bool:
        return self.lifted_at is None


class GoldSettings(models.Model):
    """A project's use of gold questions beyond aggregation and rules.

    `shows_feedback`: training mode, a worker who gets a gold task wrong is shown the right
    answer after submitting. `mixing_rate_percent`: the chance, per "accept next task", that a
    worker is handed a gold task they have not done yet (work.services.assignment_claim_next);
    0 never hands gold out. `workers_per_gold_task`: how many different workers may answer each
    gold task (its redundancy, paid from the batch's escrow like any slot); None: as many as
    an ordinary task. Set on upload and on draft batches (quality.gold.gold_settings_save).
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="gold_settings")
    shows_feedback = models.BooleanField(_("show the right answer after a mistake"), default=False)
    mixing_rate_percent = models.PositiveSmallIntegerField(_("gold tasks (%)"), default=0)
    workers_per_gold_task = models.PositiveSmallIntegerField(
        _("workers per gold task"), null=True, blank=True
    )

    class Meta:
        verbose_name_plural = _("gold settings")  # not Django's "gold settingss"
        constraints = [
            models.CheckConstraint(
                condition=Q(mixing_rate_percent__lte=100), name="gold_settings_rate_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(workers_per_gold_task__isnull=True)
                | Q(workers_per_gold_task__gte=1, workers_per_gold_task__lte=100),
                name="gold_settings_workers_range",
            ),
        ]

    def __str__(self) -> str:
        return f"gold settings of {self.project}"


class BatchAggregationState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being computed")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


IN_PROGRESS = (BatchAggregationState.QUEUED, BatchAggregationState.RUNNING)


class BatchAggregation(models.Model):
    """A batch's aggregation by one categorical `method`, computed by a background job
    (quality/jobs.py) and stored for batches too large to aggregate inside a request.

    `fingerprint` sums up the inputs it was computed from (quality/stored.py): while the batch's
    fingerprint is the same, the stored result is the one a computation now would give. The
    result, per task the label, confidence, number of answers and agreement of every answer
    field plus the agreement report, is a gzipped JSON Lines file in the "private" storage
    (`result_name`): never on a public address, read only through the owner's views.
    """

    batch = models.ForeignKey(
        "projects.Batch", on_delete=models.CASCADE, related_name="stored_aggregations"
    )
    method = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    n_answers = models.PositiveIntegerField()
    state = models.CharField(
        max_length=8, choices=BatchAggregationState.choices, default=BatchAggregationState.QUEUED
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result_name = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            # Never two computations of the same inputs...
            models.UniqueConstraint(
                fields=["batch", "method", "fingerprint"], name="batch_aggregation_unique_inputs"
            ),
            # ...nor two at once for a batch and method, whatever their inputs: a batch still
            # receiving answers would otherwise start one per page view.
            models.UniqueConstraint(
                fields=["batch", "method"],
                condition=Q(state__in=IN_PROGRESS),
                name="batch_aggregation_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in BatchAggregationState]),
                name="batch_aggregation_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=BatchAggregationState.DONE)
                | (~Q(result_name="") & Q(computed_at__isnull=False)),
                name="batch_aggregation_done_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} aggregation of {self.batch_id} ({self.state})"

    @property
    def is_done(self) -> bool:
        return self.state == BatchAggregationState.DONE

    @property
    def is_failed(self) -> bool:
        return self.state == BatchAggregationState.FAILED

    @property
    def is_in_progress(self) -> bool:
        return self.state in IN_PROGRESS


class ConfidenceTarget(models.Model):
    """A project's calibrated stop for dynamic overlap (quality/overlap.py).

    With a target, a task of a dynamic-overlap project stops once its answers reach the
    minimum overlap and the posterior of the leading answer, each worker weighted by their
    accuracy on the project's gold (aggregation.calibration.one_coin_confidence), reaches
    `target_percent`; without one, the raw agreement share of the project's threshold decides,
    as before. Docs: docs/quality-aggregation.md, "Dynamic overlap".
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="confidence_target"
    )
    target_percent = models.PositiveSmallIntegerField(_("confidence target (%)"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(target_percent__gte=51, target_percent__lte=99),
                name="confidence_target_range",
            ),
        ]

    def __str__(self) -> str:
        return f"confidence target {self.target_percent}% of {self.project}"
