from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.common.ids import new_entity_id
from microwork.projects.models import Task
from microwork.work.enums import ANSWERED_STATES, AssignmentState


class Assignment(models.Model):
    """One worker's go at one task, from accept to review."""

    public_id = models.CharField(max_length=30, unique=True, default=new_entity_id, editable=False)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="assignments")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    state = models.CharField(
        max_length=16, choices=AssignmentState.choices, default=AssignmentState.ACCEPTED
    )
    accepted_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When it stopped being accepted without an answer (returned or expired).
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # When a submission not reviewed by then is approved and paid (submit time + the project's
    # auto-approval delay). An automatic approval records this time as its reviewed_at.
    auto_approval_due_at = models.DateTimeField(null=True, blank=True)
    is_auto_approved = models.BooleanField(default=False)
    answers = models.JSONField(null=True, blank=True)
    work_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Of work_seconds, the seconds the work page was visible and focused, as the page reports
    # them (services.assignment_record_active_time); null when it never reported.
    active_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The requester's reason for a rejection, or feedback with an approval (MTurk RequesterFeedback).
    feedback = models.TextField(_("feedback"), blank=True, max_length=1024)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            # No worker gets the same task twice, not even after returning it.
            models.UniqueConstraint(
                fields=["task", "worker"], name="assignment_one_per_worker_task"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in AssignmentState]),
                name="assignment_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=list(ANSWERED_STATES))
                | Q(answers__isnull=False, submitted_at__isnull=False, work_seconds__isnull=False),
                name="assignment_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(feedback=""),
                name="assignment_rejection_has_reason",
            ),
        ]
        indexes = [
            # The expiry sweep: accepted assignments by deadline.
            models.Index(
                fields=["deadline"], condition=Q(state="accepted"), name="assignment_live_deadline"
            ),
            models.Index(
                fields=["auto_approval_due_at"],
                condition=Q(state="submitted"),
                name="assignment_auto_approval_due",
            ),
            models.Index(fields=["worker", "-accepted_at"], name="assignment_worker_history"),
            # A claim first looks for the worker's open assignment to resume: this keeps that
            # look-up to the few open ones instead of the worker's whole history.
            models.Index(
                fields=["worker"], condition=Q(state="accepted"), name="assignment_worker_open"
            ),
            models.Index(fields=["task", "state"], name="assignment_task_state"),
        ]

    def __str__(self) -> str:
        return self.public_id

    def is_overdue(self, at=None) -> bool:
        return self.state == AssignmentState.ACCEPTED and self.deadline <= (at or timezone.now())

    @property
    def shown_state(self) -> str:
        """The state as a person should see it: an overdue accepted assignment is expired,
        even before a sweep has written that down."""
        if self.is_overdue():
            return AssignmentState.EXPIRED.label
        return self.get_state_display()

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline - timezone.now()).total_seconds()))


class BatchFinish(models.Model):
    """The moment the lifecycle found a batch finished: nothing left to do or review (every
    slot approved or rejected, or the batch ended with nothing accepted or submitted).

    One row per batch, so batch_finished (work/events.py) is published once: the act that
    inserts the row publishes it, and a concurrent act finding the row there publishes nothing.
    """

    batch = models.OneToOneField(
        "projects.Batch", on_delete=models.CASCADE, primary_key=True, related_name="finish"
    )
    finished_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"batch {self.batch_id} finished at {self.finished_at:%Y-%m-%d %H:%M}"


class PhotoCheck(models.Model):
    """What the platform found about a field photo as it arrived (work/photo_checks.py,
    docs/adr/0027): its measures, and each flag the requester sees on the review page with
    its reason. A flag is a reason to look, not a verdict: nothing is refused for it."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, primary_key=True, related_name="photo_check"
    )
    # Whose photos this one is compared with: every photo sent to the same requester.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    phash = models.CharField(_("perceptual hash"), max_length=16)
    brightness = models.FloatField(_("brightness"))
    sharpness = models.FloatField(_("sharpness"))
    # From the file's EXIF; in UTC when the camera wrote its offset, else its local time as UTC.
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    taken_at_has_offset = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate_distance = models.PositiveSmallIntegerField(null=True, blank=True)
    is_dark = models.BooleanField(_("too dark"), default=False)
    is_blurred = models.BooleanField(_("blurred"), default=False)
    is_outside_window = models.BooleanField(_("taken outside the assignment"), default=False)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["requester", "phash"], name="photo_check_requester")]

    def __str__(self) -> str:
        return f"photo check of assignment {self.assignment_id}"

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

    @property
    def is_flagged(self) -> bool:
        return self.is_duplicate or self.is_dark or self.is_blurred or self.is_outside_window


class PhotoHashBand(models.Model):
    """One byte of a photo's 64-bit perceptual hash, indexed, so the duplicate search reads only
    the photos that share a byte with the new one (work/photo_checks.py): two hashes within 7
    bits of each other agree on at least one of their 8 bytes. `key` is the byte's position
    times 256 plus its value."""

    photo = models.ForeignKey(PhotoCheck, on_delete=models.CASCADE, related_name="bands")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["requester", "key"], name="photo_band_requester_key")]
        constraints = [
            models.UniqueConstraint(fields=["photo", "key"], name="photo_band_once"),
            models.CheckConstraint(condition=models.Q(key__lt=2048), name="photo_band_key_range"),
        ]

    def __str__(self) -> str:
        return f"byte {self.key // 256} = {self.key % 256} of photo {self.photo_id}"
