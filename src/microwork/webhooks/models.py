"""A requester's webhook endpoints and the log of what was sent to them (docs/adr/0021)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.webhooks.enums import DeliveryState

# A requester's endpoints, at most (services.endpoint_create refuses the next one).
MAX_ENDPOINTS_PER_OWNER = 10
# What is kept of a receiver's answer: enough to read an error message, no more.
RESPONSE_BODY_KEPT = 1000


class WebhookEndpoint(models.Model):
    """An address of a requester's that receives the events it subscribes to, signed with its
    secret (Standard Webhooks). The secret is stored encrypted (webhooks/keyring.py) because
    signing needs it; after a rotation the previous one signs too, until
    `previous_secret_until`."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["owner", "is_active"], name="webhook_endpoint_owner")]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One event for one endpoint: its message (id and payload) and where sending it stands.

    The attempt fields (`status_code`, `response_ms`, `response_body`, `error`) describe the
    last attempt. A pending delivery is due at `next_attempt_at`; a finished one has none.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=64)
    # The `webhook-id` header: the same on every attempt and on a re-send, so a receiver can
    # drop what it has already handled.
    message_id = models.CharField(max_length=40, db_index=True)
    payload = models.JSONField()
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    resent_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="resends"
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
            # The sweep's query: what is pending and due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state=DeliveryState.PENDING),
                name="webhook_delivery_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in DeliveryState]),
                name="webhook_delivery_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.PENDING) | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_is_due",
            ),
        ]

    def __str__(self) -> str:
        return self.message_id

    @property
    def is_pending(self) -> bool:
        return self.state == DeliveryState.PENDING
