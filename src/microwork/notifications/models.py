from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from microwork.notifications.enums import Delivery, NotificationKind


class Notification(models.Model):
    """Something that happened to `recipient`. Stored as a kind and its parameters (ids,
    amounts, names), rendered in the reader's language when shown or mailed
    (notifications/messages.py), never stored as text."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # How it is mailed: pending until the job after the commit applies the recipient's
    # preference (jobs.notifications_email), so the act reads no preference.
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in NotificationKind]),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=[choice.value for choice in Delivery]),
                name="notification_delivery_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            # The header's unread count reads only these.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # Left pending when their job was lost: the daily digest decides them.
            models.Index(
                fields=["created_at"],
                condition=Q(delivery="pending"),
                name="notification_pending",
            ),
            # Wanted at once and still unsent: the daily job queues them again.
            models.Index(
                fields=["created_at"],
                condition=Q(delivery="immediate", emailed_at__isnull=True),
                name="notification_unsent",
            ),
            # The daily digest reads only these.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(delivery="digest", emailed_at__isnull=True),
                name="notification_digest_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class Preference(models.Model):
    """How `user` wants one kind by email; absent: enums.DEFAULT_DELIVERY, else immediate."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_one_per_kind"),
            models.CheckConstraint(
                condition=Q(delivery__in=[choice.value for choice in Delivery]),
                name="preference_delivery_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class EmailVerification(models.Model):
    """The address a user proved they read: the link mailed to it was followed and confirmed.
    A new address (changed later) is unverified until its own link is confirmed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verification"
    )
    email = models.EmailField()
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.email} verified at {self.verified_at:%Y-%m-%d}"
