"""Receipts: every deposit gets one, numbered per year without gap, with the operator's details;
only its requester and staff see it, as a page or a PDF."""

import zlib
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from microwork.payments import services as payments
from microwork.payments.enums import DepositChannel
from microwork.payments.models import Receipt, ReceiptCounter
from tests.accounts.factories import RequesterFactory, UserFactory
from tests.payments.factories import fund

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def operator(settings):
    settings.MICROWORK_OPERATOR_NAME = "Microtâches SAS"
    settings.MICROWORK_OPERATOR_ADDRESS = "12 rue de la Paix\n75002 Paris"
    settings.MICROWORK_OPERATOR_VAT_ID = "FR40303265045"
    settings.MICROWORK_OPERATOR_REGISTRATION = "RCS Paris 303 265 045"
    settings.MICROWORK_OPERATOR_EMAIL = "billing@example.org"


def _year() -> int:
    from django.utils import timezone as tz

    return tz.localtime(tz.now()).year


def test_each_deposit_gets_the_next_number_of_the_year(requester):
    first, second = fund(requester, 1000), fund(requester, 2500)
    year = _year()

    receipts = list(Receipt.objects.order_by("sequence"))

    assert [r.number for r in receipts] == [f"{year}-000001", f"{year}-000002"]
    assert [r.posting for r in receipts] == [first, second]
    assert [r.amount_cents for r in receipts] == [1000, 2500]
    assert receipts[0].channel == DepositChannel.STAFF
    assert receipts[0].operator == {
        "name": "Microtâches SAS",
        "address": "12 rue de la Paix\n75002 Paris",
        "vat_id": "FR40303265045",
        "registration": "RCS Paris 303 265 045",
        "email": "billing@example.org",
    }
    assert receipts[0].customer == {"name": requester.display_name, "email": requester.email}
    assert ReceiptCounter.objects.get(year=year).last == 2


def test_a_retried_deposit_gets_no_second_receipt(requester):
    fund(requester, 1000, reference="same")
    fund(requester, 1000, reference="same")

    assert Receipt.objects.count() == 1


def test_a_deposit_rolled_back_leaves_no_gap(requester):
    staff = UserFactory(role="requester", is_staff=True)

    with pytest.raises(RuntimeError), transaction.atomic():
        payments.deposit_record(
            requester=requester, amount_cents=1000, external_reference="lost", actor=staff
        )
        raise RuntimeError("the caller's transaction fails after the deposit")
    fund(requester, 500)

    assert list(Receipt.objects.values_list("sequence", flat=True)) == [1]


def test_a_new_year_starts_again_at_one(requester, monkeypatch):
    from django.utils import timezone as tz

    this_year = _year()
    fund(requester, 1000)
    later = datetime(this_year + 1, 1, 15, 12, tzinfo=UTC)
    monkeypatch.setattr(tz, "now", lambda: later)

    fund(requester, 2000)

    assert sorted(Receipt.objects.values_list("number", flat=True)) == [
        f"{this_year}-000001",
        f"{this_year + 1}-000001",
    ]


def test_the_staff_deposit_page_issues_a_receipt(client, requester):
    staff = UserFactory(role="requester", is_staff=True)
    client.force_login(staff)

    client.post(
        reverse("payments:staff-deposit"),
        {"requester": requester.email, "amount": "12.34", "external_reference": "wire-7"},
    )

    receipt = Receipt.objects.get()
    assert (receipt.requester, receipt.amount_cents, receipt.reference) == (
        requester,
        1234,
        "wire-7",
    )


def test_a_bank_transfer_matched_from_a_statement_gets_its_receipt(requester):
    from microwork.payments import banking
    from microwork.payments.transfer_reference import reference_for

    staff = UserFactory(role="requester", is_staff=True)
    statement = (
        f"reference,amount,currency,remittance\nT-1,12.34,EUR,{reference_for(requester.pk)}\n"
    ).encode()

    banking.statement_import(data=statement, actor=staff)
    banking.statement_import(data=statement, actor=staff)  # the same statement again

    receipt = Receipt.objects.get()
    assert (receipt.requester, receipt.amount_cents, receipt.channel) == (
        requester,
        1234,
        DepositChannel.TRANSFER,
    )


def test_the_receipt_page_shows_the_operator_and_the_deposit(client, requester):
    fund(requester, 1234, reference="wire-1")
    receipt = Receipt.objects.get()
    client.force_login(requester)

    page = client.get(reverse("payments:receipt", args=[receipt.number])).content.decode()

    for text in (
        receipt.number,
        "Microtâches SAS",
        "12 rue de la Paix<br>75002 Paris",
        "VAT number: FR40303265045",
        "12.34 EUR",
        "wire-1",
        requester.email,
    ):
        assert text in page


def test_the_receipt_page_is_in_french_for_a_french_reader(client, requester):
    fund(requester, 1234)
    receipt = Receipt.objects.get()
    client.force_login(requester)

    page = client.get(
        reverse("payments:receipt", args=[receipt.number]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    assert f"Reçu {receipt.number}" in page
    assert "Montant reçu" in page


def _pdf_text(data: bytes) -> bytes:
    """The PDF's page streams, inflated."""
    out = b""
    for part in data.split(b"stream\n")[1:]:
        raw = part.split(b"\nendstream")[0]
        try:
            out += zlib.decompress(raw)
        except zlib.error:
            out += raw
    return out


def test_the_receipt_pdf_holds_the_same_facts(client, requester):
    fund(requester, 1234, reference="wire-1")
    receipt = Receipt.objects.get()
    client.force_login(requester)

    response = client.get(reverse("payments:receipt-pdf", args=[receipt.number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{receipt.number}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content)
    for fact in (receipt.number, "12.34 EUR", "wire-1", "FR40303265045"):
        assert fact.encode() in text
    assert "Microtâches SAS".encode("latin-1") in text


def test_only_the_requester_and_staff_see_a_receipt(requester):
    fund(requester, 1000)
    receipt = Receipt.objects.get()
    page = reverse("payments:receipt", args=[receipt.number])
    pdf = reverse("payments:receipt-pdf", args=[receipt.number])

    def answers(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(page).status_code, client.get(pdf).status_code

    from tests.accounts.factories import WorkerFactory

    assert answers(requester) == (200, 200)
    assert answers(UserFactory(role="requester", is_staff=True)) == (200, 200)
    assert answers(RequesterFactory()) == (404, 404)
    assert answers(WorkerFactory()) == (403, 403)
    assert answers(None) == (302, 302)


def test_the_receipt_list_holds_the_requesters_own_receipts(client, requester):
    fund(requester, 1000)
    fund(RequesterFactory(), 2000)
    client.force_login(requester)

    page = client.get(reverse("payments:receipt-list")).content.decode()

    assert f"{_year()}-000001" in page
    assert f"{_year()}-000002" not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deposits_at_once_get_consecutive_numbers_without_gap_or_duplicate():
    from tests.threads import run_in_threads

    requesters = [RequesterFactory() for _ in range(12)]
    staff = UserFactory(role="requester", is_staff=True)

    def deposit(index):
        payments.deposit_record(
            requester=requesters[index],
            amount_cents=100 + index,
            external_reference=f"wire-{index}",
            actor=staff,
        )

    errors = run_in_threads(12, deposit)

    assert errors == []
    assert sorted(Receipt.objects.values_list("sequence", flat=True)) == list(range(1, 13))
    assert ReceiptCounter.objects.get().last == 12
    # Each receipt is its own deposit's.
    assert all(
        receipt.amount_cents == 100 + int(receipt.reference.split("-")[1])
        for receipt in Receipt.objects.all()
    )
