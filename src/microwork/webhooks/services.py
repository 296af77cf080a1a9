"""The webhooks' writes: a requester's endpoints (create, edit, delete, rotate the secret, send
a test event), a re-send, and the deliveries an event sets off (docs/adr/0021).

Every function is one transaction. Views look the endpoint up scoped to its owner first
(another requester's is a 404), so these take the row they are given.
"""

import base64
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.webhooks import destinations, keyring, payloads, selectors
from microwork.webhooks.enums import TEST_EVENT, EventType
from microwork.webhooks.models import MAX_ENDPOINTS_PER_OWNER, Delivery, WebhookEndpoint
from microwork.webhooks.sending import deliveries_queue_after_commit

# After a rotation the previous secret signs too, for this long, so that a receiver can switch
# to the new one without refusing a delivery. One previous secret only: rotating again within
# the overlap drops the oldest.
ROTATION_OVERLAP = timedelta(hours=24)


class WebhookRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def secret_new() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def message_id_new() -> str:
    return "msg_" + base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()


def _clean(*, url: str, event_types: list[str]) -> tuple[str, list[str]]:
    try:
        destinations.url_check(url)
    except destinations.AddressRefused as refused:
        raise WebhookRefused(refused.message) from None
    known = [choice.value for choice in EventType]
    unknown = sorted(set(event_types) - set(known))
    if unknown:
        raise WebhookRefused(_("Unknown events: %(names)s.") % {"names": ", ".join(unknown)})
    if not event_types:
        raise WebhookRefused(_("Choose at least one event."))
    # The order of EventType, whatever the order given.
    return url, [value for value in known if value in event_types]


@transaction.atomic
def endpoint_create(
    *, owner: User, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint and return it with its secret, which is shown this once.

    Raise WebhookRefused for a URL that may not receive deliveries (destinations.url_check),
    an unknown event, or an owner who is not a requester or has MAX_ENDPOINTS_PER_OWNER already.
    The owner's row is locked first, so two concurrent creations cannot pass the cap together.
    """
    if not owner.is_requester:
        raise WebhookRefused(_("Only requesters can register webhook endpoints."))
    url, event_types = _clean(url=url, event_types=event_types)
    User.objects.select_for_update().filter(pk=owner.pk).first()
    if WebhookEndpoint.objects.filter(owner=owner).count() >= MAX_ENDPOINTS_PER_OWNER:
        raise WebhookRefused(
            _("You already have %(n)s endpoints, the most allowed. Delete one first.")
            % {"n": MAX_ENDPOINTS_PER_OWNER}
        )
    secret = secret_new()
    endpoint = WebhookEndpoint.objects.create(
        owner=owner,
        url=url,
        description=description,
        event_types=event_types,
        secret_encrypted=keyring.encrypt(secret),
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str,
    event_types: list[str],
    description: str,
    is_active: bool,
) -> WebhookEndpoint:
    """Change what the endpoint receives and where; its secret stays. Raise WebhookRefused as
    endpoint_create does."""
    url, event_types = _clean(url=url, event_types=event_types)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.url = url
    endpoint.event_types = event_types
    endpoint.description = description
    endpoint.is_active = is_active
    endpoint.save(update_fields=["url", "event_types", "description", "is_active", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log; a job of one of its deliveries then finds
    nothing to send."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


@transaction.atomic
def endpoint_secret_rotate(
    *, endpoint: WebhookEndpoint, now: datetime | None = None
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret and return it (shown this once). The old one keeps
    signing beside it until ROTATION_OVERLAP has passed."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = secret_new()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.secret_encrypted = keyring.encrypt(secret)
    endpoint.save(
        update_fields=[
            "previous_secret_encrypted",
            "previous_secret_until",
            "secret_encrypted",
            "updated_at",
        ]
    )
    return endpoint, secret


def _delivery(*, endpoint_id: int, event_type: str, message_id: str, payload: dict, now):
    return Delivery(
        endpoint_id=endpoint_id,
        event_type=event_type,
        message_id=message_id,
        payload=payload,
        created_at=now,
        next_attempt_at=now,
    )


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> Delivery:
    """Send the endpoint a `webhook.test` event, whatever it subscribes to, active or not."""
    now = now or timezone.now()
    data = {"endpoint_id": endpoint.pk, "message": "A test event from microwork."}
    delivery = _delivery(
        endpoint_id=endpoint.pk,
        event_type=TEST_EVENT,
        message_id=message_id_new(),
        payload=payloads.envelope(event_type=TEST_EVENT, now=now, data=data),
        now=now,
    )
    delivery.save()
    deliveries_queue_after_commit([delivery.pk])
    return delivery


@transaction.atomic
def delivery_resend(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send a delivery's message again, as a new delivery with the same message id and
    payload (a receiver that keeps the ids it has handled may drop it). Raise WebhookRefused
    when its endpoint is disabled."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.is_active and delivery.event_type != TEST_EVENT:
        raise WebhookRefused(_("This endpoint is disabled: enable it to send it events."))
    again = _delivery(
        endpoint_id=endpoint.pk,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        payload=delivery.payload,
        now=now,
    )
    again.resent_from = delivery
    again.save()
    deliveries_queue_after_commit([again.pk])
    return again


def deliveries_create(
    *, owner_id: int, event_type: EventType, data: Callable[[], dict], now: datetime
) -> list[Delivery]:
    """One delivery of the event to each active endpoint of `owner_id` that subscribes to it,
    written in the caller's transaction (an event subscriber's) and queued after its commit.

    Only the owner's endpoints: an event about a requester's batch reaches no one else.
    `data()` is called only when some endpoint wants the event, so an act whose requester has
    no endpoint pays one indexed query.
    """
    endpoint_ids = selectors.endpoint_ids_subscribed(owner_id=owner_id, event_type=event_type)
    if not endpoint_ids:
        return []
    payload = payloads.envelope(event_type=event_type, now=now, data=data())
    message_id = message_id_new()
    deliveries = Delivery.objects.bulk_create(
        [
            _delivery(
                endpoint_id=endpoint_id,
                event_type=event_type,
                message_id=message_id,
                payload=payload,
                now=now,
            )
            for endpoint_id in endpoint_ids
        ]
    )
    deliveries_queue_after_commit([delivery.pk for delivery in deliveries])
    return deliveries
