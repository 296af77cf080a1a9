"""The endpoints' writes: the secret (shown once, stored encrypted, rotated with an overlap),
the cap per requester, the re-send, and what a refusal leaves unchanged."""

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from microwork.webhooks import keyring, sending, services
from microwork.webhooks.models import MAX_ENDPOINTS_PER_OWNER, Delivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

SUBMITTED = ["assignment.submitted"]


def test_an_endpoint_is_created_with_a_standard_secret_stored_encrypted(requester):
    endpoint, secret = services.endpoint_create(
        owner=requester,
        url="https://hooks.example.com/in",
        event_types=["balance.low", "assignment.submitted"],
        description="CI",
    )

    assert secret.startswith("whsec_")
    Webhook(secret)  # a secret the library accepts
    endpoint.refresh_from_db()
    assert secret not in endpoint.secret_encrypted
    assert keyring.decrypt(endpoint.secret_encrypted) == secret
    # Kept in the order of EventType, whatever order was given.
    assert endpoint.event_types == ["assignment.submitted", "balance.low"]
    assert (endpoint.owner, endpoint.description, endpoint.is_active) == (requester, "CI", True)


@pytest.mark.parametrize(
    "url, event_types, message",
    [
        ("http://hooks.example.com/in", SUBMITTED, "https://"),
        ("https://10.1.2.3/in", SUBMITTED, "private"),
        ("https://hooks.example.com/in", [], "at least one event"),
        ("https://hooks.example.com/in", ["payout.paid"], "Unknown events: payout.paid."),
    ],
)
def test_a_refused_endpoint_is_not_created(requester, url, event_types, message):
    with pytest.raises(services.WebhookRefused, match=message):
        services.endpoint_create(owner=requester, url=url, event_types=event_types)

    assert not WebhookEndpoint.objects.exists()


def test_a_worker_cannot_register_an_endpoint(worker):
    with pytest.raises(services.WebhookRefused):
        services.endpoint_create(
            owner=worker, url="https://hooks.example.com/in", event_types=SUBMITTED
        )

    assert not WebhookEndpoint.objects.exists()


def test_a_requester_has_at_most_the_cap_of_endpoints(requester):
    for n in range(MAX_ENDPOINTS_PER_OWNER):
        services.endpoint_create(
            owner=requester, url=f"https://hooks.example.com/{n}", event_types=SUBMITTED
        )

    with pytest.raises(services.WebhookRefused, match="the most allowed"):
        services.endpoint_create(
            owner=requester, url="https://hooks.example.com/more", event_types=SUBMITTED
        )

    assert WebhookEndpoint.objects.filter(owner=requester).count() == MAX_ENDPOINTS_PER_OWNER


def test_a_refused_update_changes_nothing(requester):
    endpoint, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/in", event_types=SUBMITTED
    )

    with pytest.raises(services.WebhookRefused):
        services.endpoint_update(
            endpoint=endpoint,
            url="https://169.254.169.254/latest",
            event_types=["batch.finished"],
            description="moved",
            is_active=False,
        )

    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.description, endpoint.is_active) == (
        "https://hooks.example.com/in",
        SUBMITTED,
        "",
        True,
    )


@pytest.mark.usefixtures("local_endpoints")
def test_after_a_rotation_both_secrets_sign_during_the_overlap_then_only_the_new(
    requester, receivers
):
    receiver = receivers()
    endpoint, old = services.endpoint_create(
        owner=requester, url=receiver.url, event_types=SUBMITTED
    )
    now = timezone.now() + timedelta(hours=1)

    endpoint, new = services.endpoint_secret_rotate(endpoint=endpoint, now=now)

    assert new != old and new.startswith("whsec_")
    assert endpoint.previous_secret_until == now + services.ROTATION_OVERLAP
    receiver.secrets = [old, new]
    during = services.endpoint_send_test(endpoint=endpoint, now=now)
    sending.delivery_attempt(delivery_id=during.pk, now=now)
    after_at = now + services.ROTATION_OVERLAP
    after = services.endpoint_send_test(endpoint=endpoint, now=after_at)
    sending.delivery_attempt(delivery_id=after.pk, now=after_at)

    first, second = receiver.arrivals
    assert first.verified == [True, True]
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    assert second.verified == [False, True]
    assert len(second.headers["webhook-signature"].split(" ")) == 1


@pytest.mark.usefixtures("local_endpoints")
def test_a_resend_sends_the_same_message_again(requester, receivers):
    receiver = receivers()
    endpoint, secret = services.endpoint_create(
        owner=requester, url=receiver.url, event_types=SUBMITTED
    )
    receiver.secrets = [secret]
    now = timezone.now() + timedelta(hours=1)
    original = services.endpoint_send_test(endpoint=endpoint, now=now)
    sending.delivery_attempt(delivery_id=original.pk, now=now)

    again = services.delivery_resend(delivery=original, now=now + timedelta(minutes=1))
    sending.delivery_attempt(delivery_id=again.pk, now=now + timedelta(minutes=1))

    again.refresh_from_db()
    original.refresh_from_db()
    assert (again.resent_from, again.message_id, again.payload) == (
        original,
        original.message_id,
        original.payload,
    )
    assert (again.state, again.attempt_count) == ("succeeded", 1)
    assert (original.state, original.attempt_count) == ("succeeded", 1)
    first, second = receiver.arrivals
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == original.message_id
    assert first.payload == second.payload
    assert first.verified == second.verified == [True]


def test_a_resend_to_a_disabled_endpoint_is_refused(requester):
    endpoint, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/in", event_types=SUBMITTED
    )
    delivery = services.deliveries_create(
        owner_id=requester.pk, event_type="assignment.submitted", data=dict, now=timezone.now()
    )[0]
    services.endpoint_update(
        endpoint=endpoint, url=endpoint.url, event_types=SUBMITTED, description="", is_active=False
    )

    with pytest.raises(services.WebhookRefused):
        services.delivery_resend(delivery=delivery)

    assert list(Delivery.objects.all()) == [delivery]


def test_deleting_an_endpoint_deletes_its_log_and_leaves_others(requester):
    endpoint, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/in", event_types=SUBMITTED
    )
    kept, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/kept", event_types=SUBMITTED
    )
    services.deliveries_create(
        owner_id=requester.pk, event_type="assignment.submitted", data=dict, now=timezone.now()
    )

    services.endpoint_delete(endpoint=endpoint)

    assert list(WebhookEndpoint.objects.all()) == [kept]
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [kept.pk]
    # A job of a deleted delivery finds nothing to send.
    assert sending.delivery_attempt(delivery_id=10**9) is None
