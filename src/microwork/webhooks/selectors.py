"""The webhooks' reads."""

from django.db.models import QuerySet

from microwork.webhooks.models import Delivery, WebhookEndpoint


def endpoint_ids_subscribed(*, owner_id: int, event_type: str) -> list[int]:
    """The owner's active endpoints that subscribe to `event_type`. An owner has at most
    MAX_ENDPOINTS_PER_OWNER, so the subscription is read in Python (a JSON list's
    containment has no portable index)."""
    rows = WebhookEndpoint.objects.filter(owner_id=owner_id, is_active=True).values_list(
        "pk", "event_types"
    )
    return [pk for pk, event_types in rows if event_type in event_types]


def endpoints_of(owner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(owner=owner).order_by("pk")


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    """The endpoint's delivery log, newest first, without the payloads and answers."""
    return (
        Delivery.objects.filter(endpoint=endpoint).order_by("-pk").defer("payload", "response_body")
    )
