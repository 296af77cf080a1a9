"""The notification pages: the list and marking read (POST, CSRF, the owner's only), the
preferences, the header's count, the unsubscribe and verification links, the password reset
and its limits."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microwork.notifications import services, tokens
from microwork.notifications.enums import Delivery, NotificationKind
from microwork.notifications.models import EmailVerification, Notification, Preference
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.notifications.conftest import text_of
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _notify(user, kind=NotificationKind.PAYOUT_PAID, **params):
    return services.notify(
        recipient_id=user.pk, kind=kind, params={"amount_cents": 700, "currency": "EUR", **params}
    )


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_only_my_notifications_in_my_language():
    worker, other = WorkerFactory(), WorkerFactory()
    _notify(worker)
    _notify(other, amount_cents=123)

    page = _client(worker).get(reverse("notifications:list"))
    assert page.status_code == 200
    assert "Your payout of 7.00 EUR has been paid." in page.content.decode()
    assert "1.23" not in page.content.decode()

    client = _client(worker)
    client.cookies["django_language"] = "fr"
    french = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Votre versement de 7,00\u00a0€ a été payé." in french.content.decode()


def test_mark_read_is_a_post_of_the_owner_and_another_persons_is_404():
    worker, other = WorkerFactory(), WorkerFactory()
    mine, theirs = _notify(worker), _notify(other)
    client = _client(worker)

    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(
        reverse("notifications:read", args=[mine.pk]), {"next": "/payments/earnings/"}
    )
    assert response.status_code == 302
    assert response.url == "/payments/earnings/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_does_not_follow_a_next_to_another_site():
    worker = WorkerFactory()
    mine = _notify(worker)

    response = _client(worker).post(
        reverse("notifications:read", args=[mine.pk]), {"next": "https://evil.example/"}
    )

    assert response.url == reverse("notifications:list")


def test_mark_read_needs_the_csrf_token():
    worker = WorkerFactory()
    mine = _notify(worker)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)

    assert client.post(reverse("notifications:read", args=[mine.pk])).status_code == 403
    assert client.post(reverse("notifications:read-all")).status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_marks_only_mine():
    worker, other = WorkerFactory(), WorkerFactory()
    _notify(worker)
    _notify(worker)
    theirs = _notify(other)

    response = _client(worker).post(reverse("notifications:read-all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=worker, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_pages_need_a_log_in():
    client = Client()
    for name in ("notifications:list", "notifications:preferences"):
        response = client.get(reverse(name))
        assert (response.status_code, response.url.split("?")[0]) == (302, "/accounts/login/")
    response = client.post(reverse("notifications:read-all"))
    assert response.status_code == 302


def test_the_header_counts_unread_notifications():
    requester = RequesterFactory()
    _notify(requester, kind=NotificationKind.BALANCE_LOW, available_cents=100)
    _notify(requester, kind=NotificationKind.BALANCE_LOW, available_cents=50)
    read = _notify(requester, kind=NotificationKind.BALANCE_LOW, available_cents=10)
    services.notification_mark_read(notification=read, user=requester)

    page = _client(requester).get(reverse("notifications:preferences")).content.decode()

    assert (
        'class="notifications-link">Notifications <span class="badge" title="Unread">2</span>'
        in page
    )


def test_the_work_page_keeps_its_queries_and_shows_no_count():
    worker = WorkerFactory()
    _notify(worker)
    task = TaskFactory(batch=PublishedBatchFactory(project=ProjectFactory()))
    assignment = work.assignment_claim(worker=worker, task=task)
    client = _client(worker)
    client.get(reverse("notifications:list"))  # the session is warm, as in the hot path

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))

    assert page.status_code == 200
    assert "notifications-link" not in page.content.decode()
    assert not any("notifications_notification" in query["sql"] for query in queries)


def test_preferences_show_my_kinds_and_save_them():
    worker = WorkerFactory()
    client = _client(worker)

    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Work rejected" in page and "Batch finished" not in page

    form = {
        kind: Delivery.IMMEDIATE
        for kind in (
            "assignment_approved",
            "assignment_rejected",
            "bonus_sent",
            "appeal_decided",
            "payout_paid",
            "worker_blocked",
            "worker_unblocked",
            "qualification_granted",
            "requester_message",
        )
    }
    form["assignment_rejected"] = Delivery.OFF
    assert client.post(reverse("notifications:preferences"), form).status_code == 302
    assert dict(Preference.objects.filter(user=worker).values_list("kind", "delivery")) == form

    form["assignment_rejected"] = "sometimes"
    assert client.post(reverse("notifications:preferences"), form).status_code == 200
    assert Preference.objects.get(user=worker, kind="assignment_rejected").delivery == Delivery.OFF


def test_a_requester_sees_requester_kinds():
    page = _client(RequesterFactory()).get(reverse("notifications:preferences")).content.decode()
    assert "Batch finished" in page and "Balance low" in page and "Work rejected" not in page


def test_an_unsubscribe_link_for_every_kind_turns_all_off_and_a_forged_one_is_404():
    worker = WorkerFactory()
    waiting = services.notify(
        recipient_id=worker.pk, kind=NotificationKind.ASSIGNMENT_APPROVED, params={}
    )
    Notification.objects.filter(pk=waiting.pk).update(delivery=Delivery.DIGEST)
    path = reverse("notifications:unsubscribe", args=[tokens.unsubscribe_token(worker.pk, None)])
    client = Client(enforce_csrf_checks=True)

    assert client.get(path).status_code == 200
    assert not Preference.objects.exists()
    assert client.get(path[:-5] + "xxxx/").status_code == 404
    assert client.post(path).status_code == 200

    assert set(Preference.objects.filter(user=worker).values_list("delivery", flat=True)) == {
        Delivery.OFF
    }
    assert Preference.objects.filter(user=worker).count() == len(NotificationKind.values)
    waiting.refresh_from_db()
    assert waiting.delivery == Delivery.OFF  # the digest does not send it either


def test_a_verification_link_for_an_old_address_changes_nothing():
    worker = WorkerFactory(email="old@example.org")
    path = reverse("notifications:verify", args=[tokens.verify_token(worker.pk, "old@example.org")])
    worker.email = "new@example.org"
    worker.save(update_fields=["email"])

    response = Client().post(path)

    assert response.status_code == 409
    assert not EmailVerification.objects.exists()


def test_asking_for_a_verification_link_from_the_preferences(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(email="me@example.org", language="fr")
    client = _client(worker)

    assert client.get(reverse("notifications:verify-send")).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("notifications:verify-send")).status_code == 302

    [(rcpts, message)] = smtp.messages
    assert rcpts == ["me@example.org"]
    assert message["Subject"] == "[microwork] Confirmez votre adresse e-mail"


# --- password reset ----------------------------------------------------------------------


def _ask_reset(client, email, ip="10.0.0.1"):
    return client.post(reverse("accounts:password-reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_mails_a_link_in_the_accounts_language_that_sets_a_new_password(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(email="forgot@example.org", language="fr")
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_reset(client, "forgot@example.org")
    assert response.status_code == 302

    [(rcpts, message)] = smtp.messages
    assert rcpts == ["forgot@example.org"]
    assert message["Subject"] == "[microwork] Réinitialiser votre mot de passe"
    link = next(line for line in text_of(message).splitlines() if "/password/reset/" in line)
    path = link.strip().removeprefix("https://microwork.example")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase 7", "new_password2": "a brand new passphrase 7"},
    )
    assert done.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password("a brand new passphrase 7")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_reset(Client(), "nobody@example.org")

    assert (response.status_code, response.url) == (302, reverse("accounts:password-reset-done"))
    assert smtp.messages == []


def test_password_reset_is_limited_per_address(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    WorkerFactory(email="flood@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            _ask_reset(Client(), "flood@example.org", ip=f"10.0.1.{n}").status_code
            for n in range(5)
        ]

    assert answers == [302] * 5  # the page answers the same: it tells nobody
    assert len(smtp.to("flood@example.org")) == 3


def test_password_reset_is_limited_per_client_address(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    for n in range(11):
        WorkerFactory(email=f"w{n}@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            _ask_reset(Client(), f"w{n}@example.org", ip="10.9.9.9").status_code for n in range(11)
        ]

    assert answers == [302] * 10 + [429]
    assert len(smtp.messages) == 10
    assert not smtp.to("w10@example.org")


def test_password_reset_behind_a_proxy_counts_each_client_apart(
    settings, smtp, immediate_queue, django_capture_on_commit_callbacks
):
    """Every request reaches the site from the proxy's address: counting that address would let
    ten resets refuse everyone's."""
    from django.core.cache import cache

    cache.clear()
    settings.MICROWORK_PROXY_COUNT = 1
    for n in range(12):
        WorkerFactory(email=f"p{n}@example.org")

    def ask(n, client_address):
        return Client().post(
            reverse("accounts:password-reset"),
            {"email": f"p{n}@example.org"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=client_address,
        )

    with django_capture_on_commit_callbacks(execute=True):
        one_client = [ask(n, "198.51.100.8").status_code for n in range(11)]
        another = ask(11, "198.51.100.9").status_code

    assert one_client == [302] * 10 + [429]
    assert another == 302
    assert len(smtp.messages) == 11
