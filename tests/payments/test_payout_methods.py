"""A worker's payout details: validated and normalised, changed only with the password, told
to the worker, and payouts held 24 hours after a change."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from microwork.notifications.models import Notification
from microwork.payments import payout_methods
from microwork.payments import services as payments
from microwork.payments.models import Payout, PayoutMethod
from microwork.payments.payout_methods import PayoutMethodInvalid, payout_method_set
from tests.accounts.factories import RequesterFactory, WorkerFactory

pytestmark = pytest.mark.django_db

URL = "/payments/earnings/payout-details/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def worker(db):
    worker = WorkerFactory()
    worker.set_password(PASSWORD)
    worker.save()
    return worker


def _form(**fields):
    data = {
        "kind": "iban",
        "iban": "de89 3704 0044 0532 0130 00",
        "holder": "  Ada   Lovelace ",
        "paypal_email": "",
        "password": PASSWORD,
    }
    data.update(fields)
    return data


def _notices(worker):
    return list(
        Notification.objects.filter(recipient=worker, kind="payout_method_changed").values_list(
            "params", flat=True
        )
    )


def _back_in_time(worker, hours):
    PayoutMethod.objects.filter(worker=worker).update(
        changed_at=timezone.now() - timedelta(hours=hours)
    )


def test_the_url_is_the_documented_one():
    assert reverse("payments:payout-method") == URL


def test_an_iban_is_saved_compact_with_its_bic_and_the_worker_is_told(client, worker):
    client.force_login(worker)

    response = client.post(URL, _form())

    assert response.status_code == 302
    method = PayoutMethod.objects.get(worker=worker)
    assert (method.kind, method.iban, method.bic, method.holder, method.paypal_email) == (
        "iban",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "Ada Lovelace",
        "",
    )
    assert worker.payout_method == method
    [notice] = _notices(worker)
    assert notice["kind"] == "iban"
    assert notice["destination"] == "…3000"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "payouts are possible again from" in message


def test_an_iban_without_a_known_bank_is_saved_without_bic(worker):
    # A valid IBAN whose bank code is in no registry schwifty ships.
    method = payout_method_set(
        worker=worker, kind="iban", iban="GB82 WEST 1234 5698 7654 32", holder="Ada"
    )

    assert (method.iban, method.bic) == ("GB82WEST12345698765432", "")


def test_a_paypal_address_is_saved(client, worker):
    client.force_login(worker)

    client.post(URL, _form(kind="paypal", iban="", holder="", paypal_email="Ada@Example.ORG"))

    method = PayoutMethod.objects.get(worker=worker)
    assert (method.kind, method.iban, method.bic, method.paypal_email) == (
        "paypal",
        "",
        "",
        "Ada@example.org",
    )
    assert _notices(worker)[0]["destination"] == "A…@example.org"


@pytest.mark.parametrize(
    "fields, field, text",
    [
        ({"iban": "DE89 3704 0044 0532 0130 01"}, "iban", "not a valid IBAN"),
        ({"iban": ""}, "iban", "not a valid IBAN"),
        ({"holder": "   "}, "holder", "account holder"),
        ({"kind": "paypal", "paypal_email": ""}, "paypal_email", "PayPal email"),
        ({"password": "wrong"}, "password", "not your current password"),
    ],
)
def test_bad_details_are_refused_naming_the_field_with_nothing_saved(
    client, worker, fields, field, text
):
    client.force_login(worker)

    response = client.post(URL, _form(**fields))

    assert response.status_code == 200
    assert text in " ".join(response.context["form"].errors[field])
    assert not PayoutMethod.objects.filter(worker=worker).exists()
    assert _notices(worker) == []


def test_a_refused_change_keeps_the_details_and_the_hold_as_they_were(client, worker):
    client.force_login(worker)
    client.post(URL, _form())
    _back_in_time(worker, 30)
    before = PayoutMethod.objects.get(worker=worker)

    client.post(URL, _form(iban="FR14 2004 1010 0505 0001 3M02 606", password="wrong"))

    after = PayoutMethod.objects.get(worker=worker)
    assert (after.iban, after.changed_at) == (before.iban, before.changed_at)
    assert len(_notices(worker)) == 1


def test_saving_the_same_details_changes_nothing_and_tells_no_one(client, worker):
    client.force_login(worker)
    client.post(URL, _form())
    _back_in_time(worker, 30)
    before = PayoutMethod.objects.get(worker=worker).changed_at

    client.post(URL, _form(iban="DE89370400440532013000", holder="Ada Lovelace"))

    assert PayoutMethod.objects.get(worker=worker).changed_at == before
    assert len(_notices(worker)) == 1
    assert payout_methods.payouts_possible_from(worker) is None


def test_a_payout_waits_24_hours_after_a_change(worker, settings):
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 1
    _earn(worker, 100)
    payout_method_set(worker=worker, kind="paypal", paypal_email="ada@example.org")

    with pytest.raises(payments.PaymentRefused) as refused:
        payments.payout_request(worker=worker, request_key="now")

    assert "changed less than 24 hours ago" in refused.value.message
    assert not Payout.objects.filter(worker=worker).exists()
    assert payments.balance(payments.worker_available(worker)) == 100

    _back_in_time(worker, 24)
    payout = payments.payout_request(worker=worker, request_key="later")

    assert payout.amount_cents == 100


def _earn(worker, cents):
    """Credit `worker` as an approved reward would: from the outside world, through post()."""
    from django.db import transaction

    with transaction.atomic():
        payments.post(
            kind="reward",
            key=f"test-earn-{worker.pk}-{cents}",
            lines=[
                payments.Line(payments.external(), -cents),
                payments.Line(payments.worker_available(worker), cents),
            ],
        )


def test_the_payout_page_says_when_payouts_are_possible_again(client, worker, settings):
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 1
    _earn(worker, 100)
    client.force_login(worker)
    client.post(URL, _form())

    response = client.post(
        reverse("payments:payout-request"), {"amount": "", "request_key": "k1"}, follow=True
    )

    assert "you can ask for a payout again from" in response.content.decode()
    assert not Payout.objects.exists()


def test_the_page_shows_the_details_and_the_hold(client, worker):
    client.force_login(worker)
    client.post(URL, _form())

    page = client.get(URL).content.decode()

    assert "DE89370400440532013000" in page
    assert "COBADEFFXXX" in page
    assert "payouts are possible again from" in page


def test_the_page_is_in_french(client, worker):
    client.force_login(worker)

    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Coordonnées de paiement" in page
    assert "Titulaire du compte" in page
    assert "Votre mot de passe actuel" in page


def test_the_page_is_for_workers(client):
    requester = RequesterFactory()
    client.force_login(requester)

    assert client.get(URL).status_code == 403
    assert client.post(URL, _form()).status_code == 403
    assert not PayoutMethod.objects.exists()


def test_a_requester_cannot_have_payout_details():
    with pytest.raises(PayoutMethodInvalid):
        payout_method_set(worker=RequesterFactory(), kind="paypal", paypal_email="a@b.org")

    assert not PayoutMethod.objects.exists()
