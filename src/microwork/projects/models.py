from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from microwork.common.ids import new_entity_id
from microwork.projects.enums import BatchStatus, TemplateKind

# MTurk's own bounds, so MTurk clients and habits carry over.
MIN_DURATION_SECONDS = 30
MAX_DURATION_SECONDS = 365 * 24 * 3600
MAX_AUTO_APPROVAL_SECONDS = 30 * 24 * 3600
MAX_ASSIGNMENTS_PER_TASK = 100
# A threshold at or below half would let a tie stop a task.
MIN_OVERLAP_THRESHOLD = 51


class Project(models.Model):
    """What a requester asks for: the template, the pay and the rules. MTurk calls it a HIT type."""

    public_id = models.CharField(max_length=30, unique=True, default=new_entity_id, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000)
    instructions = models.TextField(_("instructions"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=1000, blank=True)
    reward_cents = models.BigIntegerField(_("reward per assignment"))
    currency = models.CharField(max_length=3)
    assignments_per_task = models.PositiveIntegerField(_("assignments per task"), default=1)
    time_allotted_seconds = models.PositiveIntegerField(_("time allotted per assignment"))
    lifetime_seconds = models.PositiveIntegerField(_("lifetime"))
    auto_approval_delay_seconds = models.PositiveIntegerField(_("auto-approval delay"))
    estimated_seconds = models.PositiveIntegerField(_("estimated time per task"))
    # False for a HIT type of the MTurk API: MTurk has no estimate, so `estimated_seconds` holds
    # the time allotted (a deadline, not the work's time) and the pay floor's reserve follows
    # its own rule (fairness/floor.py, docs/adr/0011).
    estimate_is_declared = models.BooleanField(default=True)
    # Set once the MTurk door gives this HIT type a notification setting or one of its HITs a
    # review policy (mturk/notifying.py, review_policies.py): the submit, approve and reject
    # events look those up only then, so a submit costs no query for them otherwise.
    mturk_hooks = models.BooleanField(default=False, editable=False)
    template_kind = models.CharField(max_length=32, choices=TemplateKind.choices)
    template_html = models.TextField(blank=True)
    template_config = models.JSONField(default=dict, blank=True)
    # Dynamic overlap (quality/overlap.py, ADR 0012): `assignments_per_task` is then the minimum
    # overlap; a task stops once its deciding field's confidence reaches the threshold, and gets
    # one more slot at a time, up to `overlap_max`, while answers disagree.
    overlap_dynamic = models.BooleanField(_("dynamic overlap"), default=False)
    overlap_max = models.PositiveIntegerField(_("maximum overlap"), default=5)
    overlap_threshold_percent = models.PositiveSmallIntegerField(
        _("confidence threshold (percent)"), default=80
    )
    # The answer field that decides; "" is the first categorical field of the template.
    overlap_field = models.CharField(_("deciding answer field"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reward_cents__gte=1),
                name="project_reward_positive",
                violation_error_message=_(
                    "A reward of 0 can never meet the pay floor: the reward must be at least 0.01."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    assignments_per_task__gte=1, assignments_per_task__lte=MAX_ASSIGNMENTS_PER_TASK
                ),
                name="project_assignments_per_task_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    time_allotted_seconds__gte=MIN_DURATION_SECONDS,
                    time_allotted_seconds__lte=MAX_DURATION_SECONDS,
                ),
                name="project_time_allotted_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    lifetime_seconds__gte=MIN_DURATION_SECONDS,
                    lifetime_seconds__lte=MAX_DURATION_SECONDS,
                ),
                name="project_lifetime_range",
            ),
            models.CheckConstraint(
                condition=Q(auto_approval_delay_seconds__lte=MAX_AUTO_APPROVAL_SECONDS),
                name="project_auto_approval_range",
            ),
            models.CheckConstraint(
                condition=Q(estimated_seconds__gte=1), name="project_estimate_positive"
            ),
            models.CheckConstraint(
                condition=Q(overlap_max__gte=1, overlap_max__lte=MAX_ASSIGNMENTS_PER_TASK)
                & (Q(overlap_dynamic=False) | Q(overlap_max__gte=F("assignments_per_task"))),
                name="project_overlap_max_range",
                violation_error_message=_(
                    "The maximum overlap must be between the workers per task and 100."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    overlap_threshold_percent__gte=MIN_OVERLAP_THRESHOLD,
                    overlap_threshold_percent__lte=100,
                ),
                name="project_overlap_threshold_range",
                violation_error_message=_(
                    "The confidence threshold must be between 51 and 100 percent."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class Batch(models.Model):
    """One upload of rows for a project; each row becomes a task."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="batches")
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    columns = models.JSONField(default=list)
    task_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The reward of this batch's assignments when the pay floor raised it above the project's
    # (fairness.services.batch_pay_floor_enforce); payments read `reward_cents` below.
    reward_override_cents = models.BigIntegerField(null=True, blank=True)
    # The reward per assignment the escrow holds, above `reward_cents`, so that the pay floor's
    # top-up on measured time is already reserved (fairness.floor.reserve_reward_cents, set at
    # publish; payments.slot_hold_price). None: no reserve.
    floor_reserve_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in BatchStatus]),
                name="batch_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(published_at__isnull=False, expires_at__isnull=False),
                name="batch_published_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(reward_override_cents__isnull=True) | Q(reward_override_cents__gte=1),
                name="batch_reward_override_positive",
            ),
            models.CheckConstraint(
                condition=Q(floor_reserve_cents__isnull=True) | Q(floor_reserve_cents__gte=1),
                name="batch_floor_reserve_positive",
            ),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def reward_cents(self) -> int:
        """What one assignment of this batch pays the worker: the project's reward, or more."""
        if self.reward_override_cents is not None:
            return self.reward_override_cents
        return self.project.reward_cents

    def is_expired(self, at=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (at or timezone.now())

    def is_live(self, at=None) -> bool:
        """Open for new assignments: published, not paused or cancelled, not past its lifetime."""
        return self.status == BatchStatus.PUBLISHED and not self.is_expired(at)

    def display_status(self, at=None) -> str:
        if self.status in (BatchStatus.PUBLISHED, BatchStatus.PAUSED) and self.is_expired(at):
            # A context of its own: French agrees it with "lot", not with "affectation".
            return str(pgettext_lazy("a batch", "Expired"))
        return self.get_status_display()

    def lifetime_end_from(self, start) -> "timezone.datetime":
        return start + timedelta(seconds=self.project.lifetime_seconds)


class Task(models.Model):
    """One row of a batch, to be done by `max_assignments` different workers. MTurk's HIT."""

    public_id = models.CharField(max_length=30, unique=True, default=new_entity_id, editable=False)
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="tasks")
    row_number = models.PositiveIntegerField()
    input = models.JSONField()
    max_assignments = models.PositiveIntegerField()
    # Slots not held by a live (accepted, submitted, approved or rejected) assignment. Claims take
    # one, returns and expiries give one back; the check constraints make over-assignment a
    # database error rather than a silent overpayment.
    open_slots = models.IntegerField()
    # Known answers of a gold question, {answer field: value}; None for an ordinary task.
    # Workers never see it (it is not part of `input`); quality/gold.py reads it.
    gold = models.JSONField(null=True, blank=True)
    # Dynamic overlap (quality/overlap.py): slots it added, and when it stopped the task (its
    # answers agreed enough, or it reached the maximum); the unused slots' escrow went back then.
    overlap_extended = models.PositiveIntegerField(default=0)
    overlap_stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(open_slots__gte=0), name="task_open_slots_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(open_slots__lte=F("max_assignments")),
                name="task_open_slots_at_most_max",
            ),
            models.UniqueConstraint(fields=["batch", "row_number"], name="task_unique_row"),
        ]
        indexes = [
            # The claim path scans a batch's tasks that still have a free slot, in order.
            models.Index(
                fields=["batch", "id"], condition=Q(open_slots__gt=0), name="task_claimable"
            ),
            # The claim walks ordinary and gold tasks separately (work/claim.py): one index per
            # kind keeps each walk from stepping over the other kind's open tasks. Created by
            # quality migration 0003 (with gold mixing), declared here since projects 0008.
            models.Index(
                fields=["batch", "id"],
                condition=Q(open_slots__gt=0) & Q(gold__isnull=True),
                name="task_claimable_ordinary",
            ),
            models.Index(
                fields=["batch", "id"],
                condition=Q(open_slots__gt=0) & Q(gold__isnull=False),
                name="task_claimable_gold",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id
