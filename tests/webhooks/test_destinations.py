"""Where a delivery may go: the URL's rules when an endpoint is saved, and the address check at
every delivery, so that an endpoint cannot make the server call its own network."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.webhooks import destinations, sending, services
from microwork.webhooks.models import WebhookEndpoint

SUBMITTED = ["assignment.submitted"]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "ftp://example.com/hook",
        "https://user:password@example.com/hook",
        "https:///hook",
        "https://localhost/hook",
        "http://127.0.0.1:8000/hook",
        "https://[::1]/hook",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://224.0.0.1/hook",
        "https://example.com:99999/hook",
    ],
)
def test_url_check_refuses(url):
    with pytest.raises(destinations.AddressRefused):
        destinations.url_check(url, local_allowed=False)


@pytest.mark.parametrize(
    "url", ["https://example.com/hook", "https://hooks.example.org:8443/in?x=1", "https://8.8.8.8/"]
)
def test_url_check_accepts_public_https(url):
    destinations.url_check(url, local_allowed=False)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/hook", "http://localhost:9000/", "https://[::1]/hook"]
)
def test_local_endpoints_are_accepted_only_when_allowed(url):
    destinations.url_check(url, local_allowed=True)
    with pytest.raises(destinations.AddressRefused):
        destinations.url_check(url, local_allowed=False)


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/hook", "https://10.0.0.1/hook", "http://example.com/hook"]
)
def test_allowing_local_endpoints_allows_no_private_ones(url):
    with pytest.raises(destinations.AddressRefused):
        destinations.url_check(url, local_allowed=True)


def test_debug_allows_local_endpoints(settings):
    settings.DEBUG = True
    destinations.url_check("http://localhost:8000/hook")
    settings.DEBUG = False
    with pytest.raises(destinations.AddressRefused):
        destinations.url_check("http://localhost:8000/hook")


def _resolving(monkeypatch, mapping: dict[str, list[str]]) -> None:
    """DNS answers for names of this test (the system's resolver for any other)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in mapping:
            return real(host, port, *args, **kwargs)
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in mapping[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_resolving_to_a_public_address_is_pinned_to_it(monkeypatch):
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})

    target = destinations.destination_resolve(
        "https://hooks.example.com:8443/in?x=1", local_allowed=False
    )

    assert str(target.url) == "https://93.184.216.34:8443/in?x=1"
    assert target.headers == {"host": "hooks.example.com:8443"}
    assert target.extensions == {"sni_hostname": "hooks.example.com"}


def test_a_pinned_ipv6_address_is_bracketed(monkeypatch):
    _resolving(monkeypatch, {"hooks.example.com": ["2606:2800:220:1:248:1893:25c8:1946"]})

    target = destinations.destination_resolve("https://hooks.example.com/in", local_allowed=False)

    assert str(target.url) == "https://[2606:2800:220:1:248:1893:25c8:1946]/in"
    assert target.headers == {"host": "hooks.example.com"}


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.7"], ["169.254.169.254"], ["93.184.216.34", "127.0.0.1"], ["::1"], ["fd12::5"]],
)
def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch, addresses):
    _resolving(monkeypatch, {"hooks.example.com": addresses})

    with pytest.raises(destinations.AddressRefused):
        destinations.destination_resolve("https://hooks.example.com/in", local_allowed=False)


@pytest.mark.django_db
def test_a_delivery_to_a_name_resolving_to_a_private_address_fails_unsent(requester, monkeypatch):
    endpoint, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/in", event_types=SUBMITTED
    )
    # The name was public when the endpoint was saved; it now points inside the network.
    _resolving(monkeypatch, {"hooks.example.com": ["10.0.0.7"]})
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert (delivery.state, delivery.attempt_count, delivery.status_code) == ("failed", 1, None)
    assert delivery.error == (
        "hooks.example.com resolves to 10.0.0.7, a private or reserved address."
    )


@pytest.mark.django_db
def test_a_local_receiver_is_not_reached_once_local_endpoints_are_refused(
    requester, receivers, settings
):
    settings.MICROWORK_WEBHOOKS_ALLOW_LOCAL = True
    receiver = receivers()
    endpoint, _secret = services.endpoint_create(
        owner=requester, url=receiver.url, event_types=SUBMITTED
    )
    settings.MICROWORK_WEBHOOKS_ALLOW_LOCAL = False
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert delivery.state == "failed"
    assert delivery.error == "The URL must start with https://."
    assert receiver.arrivals == []


@pytest.mark.django_db
def test_creating_an_endpoint_at_a_private_address_is_refused(requester):
    with pytest.raises(services.WebhookRefused, match="private or reserved"):
        services.endpoint_create(
            owner=requester, url="https://192.168.0.3/hook", event_types=SUBMITTED
        )

    assert not WebhookEndpoint.objects.exists()
