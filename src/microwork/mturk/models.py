from django.conf import settings
from django.db import models
from django.utils import timezone

from microwork.projects.models import Project, Task


class RequesterAccessKey(models.Model):
    """An access key pair a requester signs MTurk API requests with (AWS SigV4).

    The secret is kept encrypted (mturk/keyring.py, docs/adr/0010-mturk-api.md) because the
    server needs it back to check signatures: a hash would not do. It is shown once, on creation.
    """

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mturk_access_keys"
    )
    access_key_id = models.CharField(max_length=20, unique=True)
    secret_encrypted = models.TextField()
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RequestToken(models.Model):
    """A UniqueRequestToken a requester used, for 24 hours: a second call with the same token
    is refused and names `result_id` (the HIT, or the bonus's assignment) of the first."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64)
    operation = models.CharField(max_length=64)
    result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["requester", "token"], name="mturk_request_token_once")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.token}"


class HitTypeSignature(models.Model):
    """The values a project was registered with through CreateHITType/CreateHIT, hashed: MTurk
    returns the existing HIT type when the same values are registered again."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "fingerprint"], name="mturk_hit_type_unique_values"
            )
        ]

    def __str__(self) -> str:
        return self.fingerprint


class HitState(models.Model):
    """What MTurk keeps about a HIT that the platform's task has no field for: the requester's
    annotation, the Reviewing flag (UpdateHITReviewStatus) and DeleteHIT's disposal. Tasks
    created in the web pages have no row: they read as not reviewing and not disposed."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="mturk_state")
    requester_annotation = models.CharField(max_length=255, blank=True)
    is_reviewing = models.BooleanField(default=False)
    disposed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"state of {self.task_id}"


class SeenSignature(models.Model):
    """The signature of a request that changed something, kept while its date is inside the
    15 minutes auth.py accepts: the same signed request sent again (a captured SendBonus
    replayed) is refused, in every app server, since they share the database."""

    signature = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.signature


class NotificationSetting(models.Model):
    """UpdateNotificationSettings: where a HIT type's events go. Email is delivered by the
    platform's mail (mturk/notifying.py); SQS and SNS are stored and reported as set, but
    nothing is sent to them: the server holds no AWS credentials (docs/migrating-from-mturk.md).
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="mturk_notification"
    )
    destination = models.CharField(max_length=1000)
    transport = models.CharField(max_length=8)
    version = models.CharField(max_length=40)
    event_types = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.transport} {self.destination}"


class ReviewPolicy(models.Model):
    """A review policy given with CreateHIT (AssignmentReviewPolicy or HITReviewPolicy), run by
    mturk/review_policies.py; its results and actions are what ListReviewPolicyResultsForHIT
    reports."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="mturk_review_policies")
    level = models.CharField(max_length=16)  # "Assignment" or "HIT"
    name = models.CharField(max_length=64)
    parameters = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "level"], name="mturk_review_policy_once")
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class ReviewResult(models.Model):
    """One ReviewResultDetail: a score or an answer a policy computed."""

    policy = models.ForeignKey(ReviewPolicy, on_delete=models.CASCADE, related_name="results")
    subject_id = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=16)
    question_id = models.CharField(max_length=64, blank=True)
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.key}={self.value}"


class ReviewAction(models.Model):
    """One ReviewActionDetail: an approval, rejection or extension a policy took."""

    policy = models.ForeignKey(ReviewPolicy, on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    target_type = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    result = models.CharField(max_length=1000, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "name", "target_id"], name="mturk_review_action_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.target_id}"
