"""Login lockout (django-axes, settings.py, docs/adr/0023): the fifth wrong password for one
account, from any address, or from one address, for any account, locks logins: that try and the
next, even with the right password, get a 429 that says how long to wait, and no session. The
wait starts again with each refused try; a success clears the account's failures."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import PASSWORD, WorkerFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _try(email: str, password: str, *, address: str = "203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": email, "password": password})
    return response, settings.SESSION_COOKIE_NAME in response.cookies


def test_the_sixth_try_is_refused_even_with_the_right_password():
    worker = WorkerFactory()
    wrong = [_try(worker.email, "wrong")[0].status_code for _ in range(5)]

    refused, has_session = _try(worker.email, PASSWORD)

    assert wrong == [200] * 4 + [429]  # the form again with its error, then the lock
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60)
    assert "Try again in 15 minutes" in refused.content.decode()
    assert has_session is False


def test_the_account_is_locked_from_every_address():
    worker = WorkerFactory()
    for n in range(5):
        _try(worker.email, "wrong", address=f"198.51.100.{n}")

    refused, has_session = _try(worker.email, PASSWORD, address="192.0.2.99")

    assert (refused.status_code, has_session) == (429, False)


def test_an_address_is_locked_for_every_account():
    guessed, other = WorkerFactory(), WorkerFactory()
    for n in range(5):
        _try(f"nobody{n}@example.org", "wrong")

    refused, has_session = _try(other.email, PASSWORD)
    elsewhere, logged_in = _try(guessed.email, PASSWORD, address="192.0.2.1")

    assert (refused.status_code, has_session) == (429, False)
    assert (elsewhere.status_code, logged_in) == (302, True)


def test_four_failures_then_a_success_clear_the_account():
    worker = WorkerFactory()
    for _ in range(4):
        _try(worker.email, "wrong")

    first, _ = _try(worker.email, PASSWORD)
    again = [_try(worker.email, "wrong")[0].status_code for _ in range(4)]

    assert first.status_code == 302
    assert again == [200] * 4  # counted from zero again: not locked at the fifth overall
    assert AccessLog.objects.count() == 0  # successful logins leave no trail of addresses


def test_the_lock_ends_after_the_cool_off():
    worker = WorkerFactory()
    for _ in range(5):
        _try(worker.email, "wrong")
    locked, _ = _try(worker.email, PASSWORD)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response, has_session = _try(worker.email, PASSWORD)

    assert locked.status_code == 429
    assert (response.status_code, has_session) == (302, True)


def test_the_account_is_named_as_login_compares_it():
    worker = WorkerFactory()
    for n in range(5):
        _try(f"  {worker.email.upper()} ", "wrong", address=f"198.51.100.{n}")

    refused, _ = _try(worker.email, PASSWORD, address="192.0.2.99")

    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {worker.email}


def test_the_lock_is_explained_in_french():
    worker = WorkerFactory()
    for _ in range(5):
        _try(worker.email, "wrong")

    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="fr")
    refused = client.post(LOGIN, {"username": worker.email, "password": PASSWORD})

    assert refused.status_code == 429
    assert "Réessayez dans 15\u00a0minutes" in refused.content.decode() or (
        "Réessayez dans 15 minutes" in refused.content.decode()
    )


def test_behind_a_proxy_the_lock_counts_the_client_not_the_proxy(settings):
    """With MICROWORK_PROXY_COUNT=1 every request comes from the proxy; the client is the entry
    the proxy appended to X-Forwarded-For. Counting the proxy would lock everyone out."""
    settings.MICROWORK_PROXY_COUNT = 1
    guessed, other = WorkerFactory(), WorkerFactory()

    def through_proxy(email, password, client_address):
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_address)
        response = client.post(LOGIN, {"username": email, "password": password})
        return response.status_code

    for n in range(5):
        through_proxy(f"nobody{n}@example.org", "wrong", "198.51.100.66")

    assert through_proxy(other.email, PASSWORD, "198.51.100.66") == 429
    assert through_proxy(guessed.email, PASSWORD, "198.51.100.67") == 302
    # A forged first entry does not move the count to another address.
    assert through_proxy(other.email, PASSWORD, "192.0.2.1, 198.51.100.66") == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
