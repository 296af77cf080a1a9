"""The webhook pages: requester-only, owner-only (another requester's endpoint is a 404 and the
refused action changes nothing), CSRF on every POST, the secret shown once."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microwork.webhooks import keyring, services
from microwork.webhooks.models import Delivery, WebhookEndpoint
from tests.accounts.factories import RequesterFactory

pytestmark = pytest.mark.django_db

SUBMITTED = ["assignment.submitted"]


@pytest.fixture
def owner_client(requester):
    client = Client()
    client.force_login(requester)
    return client


@pytest.fixture
def endpoint(requester):
    endpoint, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/in", event_types=SUBMITTED
    )
    return endpoint


@pytest.fixture
def delivery(endpoint):
    return services.endpoint_send_test(endpoint=endpoint)


def _state(endpoint):
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint.pk).values().first()
    return endpoint, list(Delivery.objects.order_by("pk").values())


def test_the_list_shows_the_requesters_endpoints_only(owner_client, endpoint):
    services.endpoint_create(
        owner=RequesterFactory(), url="https://other.example.com/theirs", event_types=SUBMITTED
    )

    response = owner_client.get(reverse("webhooks:endpoint-list"))

    assert response.status_code == 200
    assert b"https://hooks.example.com/in" in response.content
    assert b"other.example.com" not in response.content


def test_creating_an_endpoint_shows_its_secret_once(owner_client, requester):
    response = owner_client.post(
        reverse("webhooks:endpoint-create"),
        {
            "url": "https://hooks.example.com/new",
            "description": "CI",
            "event_types": ["assignment.submitted", "appeal.opened"],
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get(owner=requester)
    secret = keyring.decrypt(endpoint.secret_encrypted)
    assert secret.encode() in response.content
    assert endpoint.event_types == ["assignment.submitted", "appeal.opened"]
    # Not on the endpoint's own page afterwards.
    page = owner_client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk]))
    assert secret.encode() not in page.content


def test_a_refused_url_is_shown_on_the_form_and_nothing_is_created(owner_client):
    response = owner_client.post(
        reverse("webhooks:endpoint-create"),
        {"url": "https://10.0.0.2/in", "event_types": SUBMITTED, "is_active": "on"},
    )

    assert response.status_code == 200
    assert b"private or reserved address" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_the_endpoint_page_shows_the_delivery_log(owner_client, endpoint, delivery):
    Delivery.objects.filter(pk=delivery.pk).update(
        state="failed", status_code=502, response_ms=1234, attempt_count=8, next_attempt_at=None
    )

    response = owner_client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk]))

    assert response.status_code == 200
    assert b"webhook.test" in response.content
    assert b"502" in response.content
    assert b"1234 ms" in response.content
    detail = owner_client.get(reverse("webhooks:delivery-detail", args=[endpoint.pk, delivery.pk]))
    assert detail.status_code == 200
    assert delivery.message_id.encode() in detail.content


def test_editing_an_endpoint(owner_client, endpoint):
    response = owner_client.post(
        reverse("webhooks:endpoint-edit", args=[endpoint.pk]),
        {"url": "https://hooks.example.com/moved", "event_types": ["batch.finished"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.is_active) == (
        "https://hooks.example.com/moved",
        ["batch.finished"],
        False,
    )


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_signing(owner_client, endpoint):
    old = endpoint.secret_encrypted

    response = owner_client.post(reverse("webhooks:endpoint-rotate", args=[endpoint.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint.refresh_from_db()
    assert endpoint.previous_secret_encrypted == old
    assert endpoint.previous_secret_until > timezone.now() + timedelta(hours=23)
    assert keyring.decrypt(endpoint.secret_encrypted).encode() in response.content


def test_the_test_button_queues_a_test_event(owner_client, endpoint):
    response = owner_client.post(reverse("webhooks:endpoint-test", args=[endpoint.pk]))

    assert response.status_code == 302
    assert list(Delivery.objects.values_list("endpoint_id", "event_type", "state")) == [
        (endpoint.pk, "webhook.test", "pending")
    ]


def test_resend_queues_the_message_again(owner_client, endpoint, delivery):
    response = owner_client.post(
        reverse("webhooks:delivery-resend", args=[endpoint.pk, delivery.pk])
    )

    assert response.status_code == 302
    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert (again.message_id, again.resent_from_id) == (delivery.message_id, delivery.pk)


def test_deleting_an_endpoint(owner_client, endpoint, delivery):
    response = owner_client.post(reverse("webhooks:endpoint-delete", args=[endpoint.pk]))

    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    "name, data",
    [
        ("webhooks:endpoint-edit", {"url": "https://evil.example.com/", "event_types": SUBMITTED}),
        ("webhooks:endpoint-delete", {}),
        ("webhooks:endpoint-rotate", {}),
        ("webhooks:endpoint-test", {}),
    ],
)
def test_another_requesters_endpoint_is_404_and_unchanged(endpoint, delivery, name, data):
    before = _state(endpoint)
    client = Client()
    client.force_login(RequesterFactory())

    response = client.post(reverse(name, args=[endpoint.pk]), data)

    assert response.status_code == 404
    assert _state(endpoint) == before


@pytest.mark.parametrize("name", ["webhooks:delivery-resend", "webhooks:delivery-detail"])
def test_another_requesters_delivery_is_404_and_unchanged(endpoint, delivery, name):
    before = _state(endpoint)
    client = Client()
    client.force_login(RequesterFactory())

    response = (client.post if name.endswith("resend") else client.get)(
        reverse(name, args=[endpoint.pk, delivery.pk])
    )

    assert response.status_code == 404
    assert _state(endpoint) == before


def test_a_delivery_is_404_under_another_of_ones_endpoints(owner_client, requester, delivery):
    mine, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/second", event_types=SUBMITTED
    )

    response = owner_client.post(reverse("webhooks:delivery-resend", args=[mine.pk, delivery.pk]))

    assert response.status_code == 404
    assert Delivery.objects.count() == 1


def test_a_worker_is_refused_and_nothing_is_created(worker):
    client = Client()
    client.force_login(worker)

    response = client.post(
        reverse("webhooks:endpoint-create"),
        {"url": "https://hooks.example.com/in", "event_types": SUBMITTED},
    )

    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_a_post_without_its_csrf_token_is_refused(requester, endpoint):
    before = _state(endpoint)
    client = Client(enforce_csrf_checks=True)
    client.force_login(requester)

    created = client.post(
        reverse("webhooks:endpoint-create"),
        {"url": "https://hooks.example.com/new", "event_types": SUBMITTED},
    )
    rotated = client.post(reverse("webhooks:endpoint-rotate", args=[endpoint.pk]))

    assert (created.status_code, rotated.status_code) == (403, 403)
    assert WebhookEndpoint.objects.count() == 1
    assert _state(endpoint) == before
