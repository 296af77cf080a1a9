"""Fair work records: what the pay floor did to a batch, appeals, and workers' ratings of
requesters. Money itself stays in payments' ledger."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.common.ids import new_entity_id
from microwork.fairness.enums import AppealDecider, AppealState, AppealSubject


class PayFloorNotice(models.Model):
    """The pay floor found a batch paying under it on its measured median time.

    One per (batch, level): the requester is told once per raise. `missing_cents` is set while
    the requester's funds cannot pay the raise; the batch is then paused (`paused_batch`) until
    a later check finds the funds and resumes it.
    """

    batch = models.ForeignKey(
        "projects.Batch", on_delete=models.PROTECT, related_name="pay_floor_notices"
    )
    floor_cents_per_hour = models.PositiveIntegerField()
    median_seconds = models.PositiveIntegerField()
    submissions = models.PositiveIntegerField()
    old_reward_cents = models.BigIntegerField()
    new_reward_cents = models.BigIntegerField()
    topups_count = models.PositiveIntegerField(default=0)
    topups_cents = models.BigIntegerField(default=0)
    missing_cents = models.BigIntegerField(default=0)
    paused_batch = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "new_reward_cents"], name="pay_floor_notice_one_per_level"
            ),
            models.CheckConstraint(
                condition=Q(new_reward_cents__gt=models.F("old_reward_cents")),
                name="pay_floor_notice_raises",
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.batch_id}: {self.old_reward_cents} -> {self.new_reward_cents}"

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class Appeal(models.Model):
    """A worker's appeal against a rejection of their work, a requester's block or the action
    a project's quality rule took on them (block, flag, lower weight).

    The requester answers within the answer window or the appeal is granted automatically;
    staff can decide any appeal still open or denied. Granting a rejection approves and pays
    the work (work.services.assignment_approve); granting a block lifts it; granting a rule's
    action lifts the action (quality.rules.rule_action_lift).
    """

    public_id = models.CharField(max_length=30, unique=True, default=new_entity_id, editable=False)
    subject = models.CharField(max_length=16, choices=AppealSubject.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_made"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_received"
    )
    assignment = models.ForeignKey(
        "work.Assignment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    rule_action = models.ForeignKey(
        "quality.RuleAction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    # What was appealed, as it stood: the rejection's reason, the block's or the rule action's.
    appealed_reason = models.TextField(max_length=1024, blank=True)
    appealed_at = models.DateTimeField(help_text=_("When the rejection or block happened."))
    message = models.TextField(_("your message"), max_length=2000)
    state = models.CharField(max_length=16, choices=AppealState.choices, default=AppealState.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    answer_due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=16, choices=AppealDecider.choices, blank=True)
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject__in=[choice.value for choice in AppealSubject]),
                name="appeal_subject_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in AppealState]),
                name="appeal_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(subject="rejection") | Q(assignment__isnull=False),
                name="appeal_rejection_has_assignment",
            ),
            # A rule action's appeal, and only it, names the action.
            models.CheckConstraint(
                condition=Q(subject="rule_action", rule_action__isnull=False)
                | (~Q(subject="rule_action") & Q(rule_action__isnull=True)),
                name="appeal_rule_action_has_action",
            ),
            models.CheckConstraint(condition=~Q(message=""), name="appeal_has_message"),
            models.CheckConstraint(
                condition=Q(state="open") | Q(decided_at__isnull=False),
                name="appeal_decided_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="denied") | ~Q(answer=""), name="appeal_denial_has_reason"
            ),
            # A rejection or a rule's action is appealed once; a block once at a time.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(subject="rejection"),
                name="appeal_one_per_rejection",
            ),
            models.UniqueConstraint(
                fields=["rule_action"],
                condition=Q(subject="rule_action"),
                name="appeal_one_per_rule_action",
            ),
            models.UniqueConstraint(
                fields=["worker", "requester"],
                condition=Q(subject="block", state="open"),
                name="appeal_one_open_per_block",
            ),
        ]
        indexes = [
            models.Index(
                fields=["answer_due_at"], condition=Q(state="open"), name="appeal_open_due"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.state == AppealState.OPEN


def _score():
    return models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])


class RequesterRating(models.Model):
    """One worker's rating of one requester, 1 to 5 on each dimension; editable."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings_given"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings_received"
    )
    fair = _score()
    fast = _score()
    pay = _score()
    communication = _score()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "requester"], name="rating_one_per_pair"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"rating_{name}_range",
                )
                for name in ("fair", "fast", "pay", "communication")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.worker} rates {self.requester}"
