"""Addresses proved by a signed link (docs/adr/0027): the sign-up answers the same whether or
not the address has an account, a new or changed address is unverified until its link is
followed, and an unverified account may not publish or be paid out: refused, nothing written."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from microwork.accounts.models import User
from microwork.notifications.tokens import verify_token
from microwork.payments import services as payments
from microwork.payments.models import Payout, Posting
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus
from tests.accounts.factories import PASSWORD, RequesterFactory, WorkerFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def mails(mailoutbox, django_capture_on_commit_callbacks):
    """The mails the job queue sends after the commit, run at once."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield mailoutbox
    HUEY.immediate = False


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _sign_up(client: Client, email: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("accounts:signup"),
            {"email": email, "password": NEW_PASSWORD, "role": "worker", "display_name": ""},
        )


# --- the sign-up says nothing of who is a member ------------------------------------------


def test_sign_up_answers_a_taken_address_exactly_as_a_new_one(
    mails, django_capture_on_commit_callbacks
):
    owner = WorkerFactory(email="taken@example.org")
    new_client, taken_client = Client(), Client()

    new = _sign_up(new_client, "fresh@example.org", django_capture_on_commit_callbacks)
    taken = _sign_up(taken_client, "Taken@example.org", django_capture_on_commit_callbacks)

    assert (new.status_code, new["Location"]) == (302, reverse("accounts:signup-done"))
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert new.cookies.keys() == taken.cookies.keys()  # nobody is logged in by either
    new_page = new_client.get(new["Location"])
    taken_page = taken_client.get(taken["Location"])
    assert _without_csrf(new_page) == _without_csrf(taken_page)
    assert "_auth_user_id" not in new_client.session
    assert "_auth_user_id" not in taken_client.session
    # One account each; the taken one unchanged, its owner told.
    assert User.objects.filter(email__iexact="taken@example.org").get() == owner
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert User.objects.get(email="fresh@example.org").email_verified_at is None
    assert [(m.to, m.subject) for m in mails] == [
        (["fresh@example.org"], "[microwork] Confirm your email address"),
        (["taken@example.org"], "[microwork] Someone tried to use your email address"),
    ]
    assert "create a new microwork account" in mails[1].body
    assert reverse("accounts:password-reset") in mails[1].body


def test_sign_up_with_a_bad_password_names_the_field_whatever_the_address(client):
    WorkerFactory(email="taken@example.org")

    taken = client.post(
        reverse("accounts:signup"),
        {"email": "taken@example.org", "password": "x", "role": "worker"},
    )
    new = client.post(
        reverse("accounts:signup"),
        {"email": "fresh@example.org", "password": "x", "role": "worker"},
    )

    assert taken.status_code == new.status_code == 200
    assert list(taken.context["form"].errors) == list(new.context["form"].errors) == ["password"]
    assert not User.objects.filter(email="fresh@example.org").exists()


# --- the link --------------------------------------------------------------------------------


def test_following_the_mailed_link_verifies_the_address_and_drops_the_banner(
    mails, django_capture_on_commit_callbacks
):
    client = Client()
    _sign_up(client, "new@example.org", django_capture_on_commit_callbacks)
    user = User.objects.get(email="new@example.org")
    client.force_login(user)
    assert "unverified-banner" in client.get(reverse("notifications:list")).content.decode()
    link = next(line for line in mails[0].body.splitlines() if "/notifications/verify/" in line)
    path = "/" + link.strip().split("/", 3)[3]

    assert Client().get(path).status_code == 200  # a GET only asks
    user.refresh_from_db()
    assert user.email_verified_at is None
    assert Client().post(path).status_code == 200

    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert "unverified-banner" not in client.get(reverse("notifications:list")).content.decode()


def test_a_link_for_an_address_the_account_left_verifies_nothing():
    user = WorkerFactory(email="new@example.org", email_verified_at=None)
    token = verify_token(user.pk, "old@example.org")

    response = Client().post(reverse("notifications:verify", args=[token]))

    assert response.status_code == 409
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_forged_link_verifies_nothing():
    user = WorkerFactory(email_verified_at=None)
    token = verify_token(user.pk, user.email)[:-2] + "xx"

    response = Client().post(reverse("notifications:verify", args=[token]))

    assert response.status_code in (404, 410)
    user.refresh_from_db()
    assert user.email_verified_at is None


# --- changing the address ------------------------------------------------------------------


def test_changing_the_address_unverifies_it_mails_the_new_and_tells_the_old(
    mails, django_capture_on_commit_callbacks
):
    user = RequesterFactory(email="old@example.org")
    client = Client()
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:email-change"), {"email": "New@Example.org", "password": PASSWORD}
        )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.email_verified_at) == ("new@example.org", None)
    assert [(m.to, m.subject) for m in mails] == [
        (["new@example.org"], "[microwork] Confirm your email address"),
        (["old@example.org"], "[microwork] Your account's email address changed"),
    ]


def test_changing_the_address_with_a_wrong_password_changes_nothing(mails):
    user = RequesterFactory(email="old@example.org")
    verified_at = user.email_verified_at
    client = Client()
    client.force_login(user)

    response = client.post(
        reverse("accounts:email-change"), {"email": "new@example.org", "password": "wrong"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["Wrong password."]
    user.refresh_from_db()
    assert (user.email, user.email_verified_at) == ("old@example.org", verified_at)
    assert mails == []


def test_changing_to_a_taken_address_answers_as_if_done_and_changes_nothing(
    mails, django_capture_on_commit_callbacks
):
    user = RequesterFactory(email="old@example.org")
    other = WorkerFactory(email="taken@example.org")
    client = Client()
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(
            reverse("accounts:email-change"), {"email": "taken@example.org", "password": PASSWORD}
        )

    assert (taken.status_code, taken["Location"]) == (302, reverse("accounts:email-change"))
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.email, other.email) == ("old@example.org", "taken@example.org")
    assert user.email_verified_at is not None
    assert [(m.to, m.subject) for m in mails] == [
        (["taken@example.org"], "[microwork] Someone tried to use your email address"),
    ]
    assert "move another microwork account" in mails[0].body


def test_the_email_page_needs_a_login(client):
    response = client.get(reverse("accounts:email-change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- what an unverified account may not do -------------------------------------------------


def test_an_unverified_requester_may_not_publish_and_nothing_moves():
    from tests.payments.factories import fund
    from tests.projects.factories import BatchFactory

    batch = BatchFactory()
    requester = batch.project.requester
    fund(requester, 100_000)
    User.objects.filter(pk=requester.pk).update(email_verified_at=None)
    postings = Posting.objects.count()

    with pytest.raises(projects.BatchStateError, match="Confirm your email address first"):
        projects.batch_publish(batch=batch)

    batch.refresh_from_db()
    assert (batch.status, batch.published_at) == (BatchStatus.DRAFT, None)
    assert Posting.objects.count() == postings


def test_the_publish_page_says_why_an_unverified_requester_may_not_publish():
    from tests.payments.factories import fund
    from tests.projects.factories import BatchFactory

    batch = BatchFactory()
    requester = batch.project.requester
    fund(requester, 100_000)
    User.objects.filter(pk=requester.pk).update(email_verified_at=None)
    client = Client()
    client.force_login(requester)

    response = client.post(reverse("projects:batch-publish", args=[batch.pk]), follow=True)

    assert "Confirm your email address first" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_an_unverified_worker_may_not_ask_for_a_payout_and_nothing_moves():
    from tests.payments.factories import fund
    from tests.work.factories import SubmittedAssignmentFactory

    worker = WorkerFactory(email_verified_at=None)
    requester = RequesterFactory()
    fund(requester, 10_000)
    assignment = SubmittedAssignmentFactory(
        worker=worker, task__batch__project__requester=requester
    )
    payments.bonus_send(
        requester=requester, assignment=assignment, amount_cents=5_000, reason="r", request_key="e"
    )
    postings = Posting.objects.count()

    with pytest.raises(payments.PaymentRefused) as refused:
        payments.payout_request(worker=worker, request_key="k1")

    assert refused.value.message.startswith("Confirm your email address first")
    assert Posting.objects.count() == postings
    assert not Payout.objects.exists()


def test_an_unverified_requester_may_not_start_a_card_deposit(settings):
    from microwork.payments import cards
    from microwork.payments.models import CardDeposit

    settings.MICROWORK_STRIPE_SECRET_KEY = "sk_test_x"
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = "whsec_x"
    requester = RequesterFactory(email_verified_at=None)

    with pytest.raises(payments.PaymentRefused) as refused:
        cards.card_deposit_create(requester=requester, amount_cents=2_500, request_key="k")

    assert refused.value.message.startswith("Confirm your email address first")
    assert not CardDeposit.objects.exists()
