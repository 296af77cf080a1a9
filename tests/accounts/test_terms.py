"""Versioned terms of service: published with notice, accepted at sign-up or at the next page
once in force (append-only), every user told, public pages in English and French."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from microwork.accounts import terms
from microwork.accounts.models import TermsAcceptance, TermsVersion, User
from microwork.accounts.services import user_sign_up
from microwork.accounts.tokens import api_token_create
from microwork.notifications import messages
from microwork.notifications.models import Notification
from tests.accounts.factories import PASSWORD, RequesterFactory, WorkerFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _publish(number_hint: str = "", *, effective_at=None, actor=None):
    return terms.terms_publish(
        text_en=f"Terms in English {number_hint}",
        text_fr=f"Conditions en français {number_hint}",
        summary_en=f"What changed {number_hint}",
        summary_fr=f"Ce qui change {number_hint}",
        effective_at=effective_at,
        actor=actor,
    )


def _ahead(days: int):
    """`days` days from now, and a minute: what a publication now may give as notice."""
    return timezone.now() + days * DAY + timedelta(minutes=1)


def _age(version: TermsVersion, days: int) -> None:
    """Move `version` `days` days into the past, as if that time had gone by."""
    TermsVersion.objects.filter(pk=version.pk).update(
        published_at=version.published_at - days * DAY,
        effective_at=version.effective_at - days * DAY,
    )
    terms.versions_forget()


def _in_force_and_coming():
    """Version 1 in force for 40 days, version 2 published today to take effect in 30."""
    first = _publish("v1")
    _age(first, 40)
    second = _publish("v2", effective_at=_ahead(30))
    return first, second


# --- publishing ------------------------------------------------------------------------------


def test_terms_publish_first_version_takes_effect_at_once_and_tells_every_active_user():
    worker, requester = WorkerFactory(), RequesterFactory()
    WorkerFactory(is_active=False)

    version = _publish("v1")

    assert version.number == 1
    assert version.effective_at == version.published_at
    assert terms.number_in_force() == 1
    notes = Notification.objects.filter(kind="terms_published").order_by("recipient_id")
    assert [note.recipient_id for note in notes] == [worker.pk, requester.pk]
    assert notes[0].params == {
        "number": 1,
        "effective_at": version.effective_at.isoformat(),
        "summary_en": "What changed v1",
        "summary_fr": "Ce qui change v1",
    }


def test_terms_publish_a_change_needs_the_notice_period(settings):
    settings.MICROWORK_TERMS_NOTICE_DAYS = 30
    _publish("v1")
    WorkerFactory()
    Notification.objects.all().delete()

    with pytest.raises(ValidationError) as refused:
        _publish("v2", effective_at=timezone.now() + 29 * DAY)

    assert list(refused.value.message_dict) == ["effective_at"]
    assert "at least 30 days after it is published" in refused.value.message_dict["effective_at"][0]
    assert TermsVersion.objects.count() == 1
    assert not Notification.objects.exists()

    second = _publish("v2", effective_at=_ahead(30))

    assert (second.number, second.notice_days) == (2, 30)
    assert terms.number_in_force() == 1  # not in force for 30 days


def test_terms_publish_notice_is_a_setting(settings):
    settings.MICROWORK_TERMS_NOTICE_DAYS = 7
    _publish("v1")

    second = _publish("v2", effective_at=_ahead(7))

    assert second.notice_days == 7


def test_terms_publish_refuses_a_change_before_the_coming_one():
    _first, second = _in_force_and_coming()

    with pytest.raises(ValidationError) as refused:
        _publish("v3", effective_at=second.effective_at)

    assert "after version 2" in refused.value.message_dict["effective_at"][0]
    assert TermsVersion.objects.count() == 2


@pytest.mark.parametrize("field", terms.TEXT_FIELDS)
def test_terms_publish_refuses_an_empty_text_and_publishes_nothing(field):
    texts = {name: "words" for name in terms.TEXT_FIELDS} | {field: "  "}

    with pytest.raises(ValidationError) as refused:
        terms.terms_publish(**texts)

    assert list(refused.value.message_dict) == [field]
    assert not TermsVersion.objects.exists()


def test_terms_publish_a_first_version_dated_in_the_past_takes_effect_at_once():
    version = _publish("v1", effective_at=timezone.now() - DAY)

    assert version.effective_at == version.published_at


# --- accepting -------------------------------------------------------------------------------


def test_terms_accept_records_the_version_in_force_and_the_coming_one_once(worker):
    first, second = _in_force_and_coming()

    created = terms.terms_accept(user=worker, number=2)
    again = terms.terms_accept(user=worker, number=2)

    assert [acceptance.version.number for acceptance in created] == [1, 2]
    assert again == []
    assert TermsAcceptance.objects.filter(user=worker).count() == 2
    worker.refresh_from_db()
    assert worker.terms_version_accepted == 2


def test_terms_accept_refuses_a_version_no_longer_in_force_and_records_nothing(worker):
    first = _publish("v1")
    _age(first, 40)
    second = _publish("v2", effective_at=_ahead(30))
    _age(second, 31)  # version 2 is in force now

    with pytest.raises(ValidationError):
        terms.terms_accept(user=worker, number=1)
    with pytest.raises(ValidationError):
        terms.terms_accept(user=worker, number=3)

    assert not TermsAcceptance.objects.exists()
    worker.refresh_from_db()
    assert worker.terms_version_accepted == 0


def test_user_sign_up_accepts_the_terms_shown_or_creates_nothing():
    _in_force_and_coming()

    with pytest.raises(ValidationError) as refused:
        user_sign_up(email="new@example.org", password=PASSWORD, role="worker", terms_number=1)

    assert list(refused.value.message_dict) == ["accept_terms"]
    assert not User.objects.filter(email="new@example.org").exists()

    user = user_sign_up(email="new@example.org", password=PASSWORD, role="worker", terms_number=2)

    assert list(user.terms_acceptances.values_list("version__number", flat=True)) == [1, 2]
    assert user.terms_version_accepted == 2


def test_user_sign_up_without_terms_published_needs_no_acceptance():
    user = user_sign_up(email="new@example.org", password=PASSWORD, role="worker")

    assert not TermsAcceptance.objects.exists()
    assert user.terms_version_accepted == 0


# --- the sign-up page ------------------------------------------------------------------------


def _sign_up(client, **extra):
    data = {"email": "new@example.org", "password": PASSWORD, "role": "worker", **extra}
    return client.post(reverse("accounts:signup"), data)


def test_sign_up_page_asks_to_accept_the_latest_terms(client):
    _publish("v1")

    page = client.get(reverse("accounts:signup")).content.decode()
    assert "I accept the terms of service" in page
    assert reverse("terms:detail", args=[1]) in page

    refused = _sign_up(client, terms_version="1")
    assert refused.status_code == 200
    assert not User.objects.filter(email="new@example.org").exists()

    done = _sign_up(client, terms_version="1", accept_terms="on")
    assert done.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert list(user.terms_acceptances.values_list("version__number", flat=True)) == [1]


def test_sign_up_page_with_terms_changed_while_open_asks_again(client):
    first = _publish("v1")
    _age(first, 40)
    _publish("v2", effective_at=_ahead(30))

    response = _sign_up(client, terms_version="1", accept_terms="on")

    assert response.status_code == 400
    assert "Accept the terms of service (version 2) to sign up." in response.content.decode()
    assert response.context["form"]["terms_version"].value() == "2"
    assert not User.objects.filter(email="new@example.org").exists()


def test_sign_up_page_without_terms_has_no_box(client):
    page = client.get(reverse("accounts:signup")).content.decode()

    assert "accept_terms" not in page
    assert _sign_up(client).status_code == 302


# --- asked at the next page ------------------------------------------------------------------


def test_next_page_after_new_terms_asks_once_and_the_get_writes_nothing(client, worker):
    client.force_login(worker)
    _publish("v1")
    marketplace = reverse("work:marketplace")

    asked = client.get(marketplace)

    assert asked.status_code == 302
    assert asked.url == f"{reverse('terms:accept')}?next=%2Fwork%2F"
    page = client.get(asked.url)
    assert page.status_code == 200
    assert "Terms in English v1" in page.content.decode()
    assert not TermsAcceptance.objects.exists()

    unticked = client.post(reverse("terms:accept"), {"version": "1", "next": marketplace})
    assert unticked.status_code == 400
    assert not TermsAcceptance.objects.exists()

    accepted = client.post(
        reverse("terms:accept"), {"version": "1", "accept": "on", "next": marketplace}
    )
    assert accepted.status_code == 302
    assert accepted.url == marketplace
    assert list(TermsAcceptance.objects.values_list("user_id", "version__number")) == [
        (worker.pk, 1)
    ]
    assert client.get(marketplace).status_code == 200
    assert client.get(marketplace).status_code == 200


def test_a_coming_version_asks_nothing_until_it_is_in_force(client, worker):
    first, second = _in_force_and_coming()
    terms.terms_accept(user=worker, number=1)
    client.force_login(worker)

    assert client.get(reverse("work:marketplace")).status_code == 200

    _age(second, 31)

    assert client.get(reverse("work:marketplace")).url.startswith(reverse("terms:accept"))


def test_accepting_the_coming_version_early_asks_nothing_later(client, worker):
    first, second = _in_force_and_coming()
    client.force_login(worker)

    page = client.get(reverse("terms:accept"))
    assert [each["version"].number for each in page.context["versions"]] == [1, 2]
    client.post(reverse("terms:accept"), {"version": "2", "accept": "on"})
    _age(second, 31)

    assert client.get(reverse("work:marketplace")).status_code == 200


def test_the_gate_lets_posts_open_pages_and_signed_out_visitors_through(client, worker):
    _publish("v1")

    assert client.get(reverse("terms:index")).status_code == 200  # signed out
    client.force_login(worker)
    for name in ("terms:index", "payments:worker-earnings", "fairness:my-data"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("terms:detail", args=[1])).status_code == 200
    # A form sent as the terms changed goes through; the page after it asks.
    withdrawn = client.post(reverse("observatory:survey-withdraw"))
    assert withdrawn.url == reverse("observatory:survey")
    assert client.get(withdrawn.url).url.startswith(reverse("terms:accept"))
    assert not TermsAcceptance.objects.exists()


def test_the_gate_answers_htmx_with_a_whole_page_redirect(client, worker):
    _publish("v1")
    client.force_login(worker)

    response = client.get(reverse("work:marketplace"), HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("terms:accept"))


def test_the_api_keeps_working_for_a_user_who_has_not_accepted(client, worker):
    """The REST API (and the MTurk API) keep working: a program cannot accept for a person,
    who is asked at their next page (docs/terms.md)."""
    _publish("v1")
    _token, secret = api_token_create(user=worker, name="script", scope="read")

    by_token = client.get("/api/v1/worker/earnings", HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.force_login(worker)
    by_session = client.get("/api/v1/worker/earnings")

    assert (by_token.status_code, by_session.status_code) == (200, 200)
    assert not TermsAcceptance.objects.exists()


def test_the_gate_reads_no_version_on_a_page_once_known(client, worker):
    _publish("v1")
    terms.terms_accept(user=worker, number=1)
    client.force_login(worker)
    client.get(reverse("work:marketplace"))  # this process reads the versions once

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("work:marketplace")).status_code == 200

    assert not [q for q in queries if "accounts_terms" in q["sql"]]


def test_accept_page_needs_a_login_and_sends_back_when_nothing_is_due(client, worker):
    _publish("v1")

    assert client.get(reverse("terms:accept")).url.startswith(reverse("accounts:login"))
    assert client.post(reverse("terms:accept"), {"version": "1", "accept": "on"}).status_code == 302
    assert not TermsAcceptance.objects.exists()

    terms.terms_accept(user=worker, number=1)
    client.force_login(worker)
    assert client.get(reverse("terms:accept") + "?next=/work/").url == "/work/"
    assert client.get(reverse("terms:accept") + "?next=https://evil.example/").url == "/"


def test_requesters_are_asked_too(client, requester):
    _publish("v1")
    client.force_login(requester)

    assert client.get(reverse("projects:project-list")).url.startswith(reverse("terms:accept"))


# --- public pages ----------------------------------------------------------------------------


def test_terms_pages_before_any_version(client):
    page = client.get(reverse("terms:index"))

    assert page.status_code == 200
    assert "No terms of service have been published yet." in page.content.decode()
    assert client.get(reverse("terms:detail", args=[1])).status_code == 404


def test_terms_pages_show_each_version_in_english_and_french(client):
    first, second = _in_force_and_coming()

    index = client.get(reverse("terms:index")).content.decode()
    assert "Terms in English v1" in index
    assert "This is the version in force." in index
    assert reverse("terms:detail", args=[2]) in index  # the coming change

    french = client.get(reverse("terms:detail", args=[2]) + "?language=fr").content.decode()
    assert "Conditions en français v2" in french
    assert "Ce qui change v2" in french
    assert "Notice given: 30 days." in french

    with translation.override("fr"):
        page = client.get(reverse("terms:detail", args=[1]), HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "Conditions en français v1" in html
    assert "Conditions d’utilisation" in html
    assert "Read in English" in html


def test_terms_published_notification_reads_in_each_language(worker):
    version = _publish("v1")
    note = Notification.objects.get(recipient=worker)

    english = messages.render(note.kind, note.params)
    with translation.override("fr"):
        french = messages.render(note.kind, note.params)

    assert english.title == "Terms of service changed"
    assert english.text.startswith("Version 1 of the terms of service is in force from ")
    assert english.text.endswith("What changes: What changed v1")
    assert french.text.endswith("Ce qui change v1")
    assert french.title == "Conditions d’utilisation modifiées"
    assert english.path == reverse("terms:detail", args=[version.number])


# --- the admin -------------------------------------------------------------------------------


def test_staff_publish_in_the_admin_and_cannot_change_a_version(client):
    staff = RequesterFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    now = timezone.localtime()
    form = {
        "effective_at_0": now.strftime("%Y-%m-%d"),
        "effective_at_1": (now + timedelta(minutes=5)).strftime("%H:%M:%S"),
        "text_en": "Terms",
        "text_fr": "Conditions",
        "summary_en": "First",
        "summary_fr": "Premières",
    }

    added = client.post(reverse("admin:accounts_termsversion_add"), form)

    assert added.status_code == 302
    version = TermsVersion.objects.get()
    assert (version.number, version.published_by) == (1, staff)
    early = client.post(reverse("admin:accounts_termsversion_add"), form)
    assert early.status_code == 200  # the notice period: the form says so
    assert "at least 30 days after it is published" in early.content.decode()
    assert TermsVersion.objects.count() == 1
    again = client.get(reverse("admin:accounts_termsversion_add"))
    initial = again.context["adminform"].form.fields["effective_at"].initial
    earliest = timezone.localtime() + timedelta(days=31)
    assert (initial.date(), initial.hour, initial.minute) == (earliest.date(), 0, 0)
    deleting = client.post(reverse("admin:accounts_termsversion_delete", args=[version.pk]))
    assert deleting.status_code == 403
    assert TermsVersion.objects.count() == 1


# --- at once, on PostgreSQL ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_terms_accept_sent_eight_times_at_once_records_each_version_once():
    from tests.threads import run_in_threads

    _in_force_and_coming()
    worker = WorkerFactory()

    errors = run_in_threads(8, lambda index: terms.terms_accept(user=worker, number=2))

    assert errors == []
    assert sorted(
        TermsAcceptance.objects.filter(user=worker).values_list("version__number", flat=True)
    ) == [1, 2]
    assert User.objects.get(pk=worker.pk).terms_version_accepted == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_terms_publish_twice_at_once_publishes_one_version_and_refuses_the_other():
    from tests.threads import run_in_threads

    WorkerFactory()

    errors = run_in_threads(2, lambda index: _publish(f"at once {index}"))

    assert TermsVersion.objects.count() == 1
    # The loser took the same number (refused at the insert) or, coming second, gave no notice.
    assert [type(error) for error in errors] == [ValidationError]
    assert Notification.objects.filter(kind="terms_published").count() == 1


def test_every_page_links_the_terms(client):
    page = client.get(reverse("home")).content.decode()

    assert f'<a href="{reverse("terms:index")}">Terms of service</a>' in page
