"""Staff pages of bank statements and payout files, and the requester's transfer details: who may
open them, and what they do."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from microwork.payments import sepa
from microwork.payments import services as payments
from microwork.payments.enums import BankLineState, PayoutState
from microwork.payments.models import BankLine, BankStatement, PayoutFile
from microwork.payments.transfer_reference import reference_display, reference_for
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.bank_factories import OPERATOR_IBAN, requested_payout, sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _operator(settings):
    settings.MICROWORK_OPERATOR_IBAN = OPERATOR_IBAN
    settings.MICROWORK_OPERATOR_BIC = "BNPAFRPP"
    settings.MICROWORK_OPERATOR_NAME = "Microwork SAS"
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 100


@pytest.fixture
def staff():
    return UserFactory(role="requester", is_staff=True)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _upload(data: bytes, name="statement.csv"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _funds(requester) -> int:
    return payments.balance(payments.requester_available(requester))


STAFF_POSTS = [
    ("payments:staff-bank", {}),
    ("payments:staff-bank-line-assign", {"pk": 1}),
    ("payments:staff-bank-line-dismiss", {"pk": 1}),
    ("payments:staff-payout-files", {}),
    ("payments:staff-payout-sent-settle", {"pk": 1}),
]


@pytest.mark.parametrize("role", ["anonymous", "worker", "requester"])
def test_staff_bank_pages_send_non_staff_to_the_admin_login_and_change_nothing(client, role):
    ada = RequesterFactory()
    payout = requested_payout(5_00)
    if role != "anonymous":
        client.force_login(WorkerFactory() if role == "worker" else ada)

    answers = [
        client.post(reverse("payments:staff-bank"), {"statement": _upload(b"x")}),
        client.post(reverse("payments:staff-payout-files"), {"kind": "sepa"}),
        client.post(
            reverse("payments:staff-payout-sent-settle", args=[payout.pk]),
            {"action": "failed", "note": "x"},
        ),
        client.get(reverse("payments:staff-bank")),
        client.get(reverse("payments:staff-payout-files")),
    ]

    assert {answer.status_code for answer in answers} == {302}
    assert all(answer["Location"].startswith(reverse("admin:login")) for answer in answers)
    assert not BankStatement.objects.exists()
    assert not PayoutFile.objects.exists()
    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED


def test_a_requester_cannot_assign_or_dismiss_a_line(client, staff):
    ada = RequesterFactory(email="ada@example.org")
    client.force_login(staff)
    client.post(reverse("payments:staff-bank"), {"statement": _upload(sample("statement.csv"))})
    line = BankLine.objects.get(entry_reference="CSV-0003")
    client.force_login(ada)

    client.post(
        reverse("payments:staff-bank-line-assign", args=[line.pk]),
        {"requester": "ada@example.org"},
    )
    client.post(reverse("payments:staff-bank-line-dismiss", args=[line.pk]), {"reason": "x"})

    line.refresh_from_db()
    assert line.state == BankLineState.UNMATCHED
    assert _funds(ada) == 0


def test_requester_balance_shows_the_operators_account_and_their_reference(client):
    ada = RequesterFactory()
    client.force_login(ada)

    page = client.get(reverse("payments:requester-balance")).content.decode()

    assert "FR76 3000 6000 0112 3456 7890 189" in page
    assert "BNPAFRPP" in page
    assert reference_display(ada.pk) in page


def test_requester_balance_offers_no_transfer_without_an_operator_iban(client, settings):
    settings.MICROWORK_OPERATOR_IBAN = ""
    ada = RequesterFactory()
    client.force_login(ada)

    page = client.get(reverse("payments:requester-balance")).content.decode()

    assert reference_display(ada.pk) not in page
    assert 'id="bank-transfer"' not in page


def test_staff_import_a_statement_and_see_what_it_did(client, staff):
    ada = RequesterFactory()
    client.force_login(staff)

    response = client.post(
        reverse("payments:staff-bank"),
        {"statement": _upload(sample("statement.csv", REF_A=reference_for(ada.pk)))},
    )

    statement = BankStatement.objects.get()
    assert response["Location"] == reverse("payments:staff-bank-statement", args=[statement.pk])
    assert _messages(response) == [
        "3 new lines (0 already imported): 1 credited, 1 waiting for staff, "
        "0 payouts paid, 0 failed."
    ]
    assert _funds(ada) == 120_00
    detail = client.get(response["Location"]).content.decode()
    assert "CSV-0001" in detail
    assert ada.email in detail
    queue = client.get(reverse("payments:staff-bank")).content.decode()
    assert 'id="line-' in queue
    assert "no reference at all" in queue


def test_staff_import_of_a_bad_file_shows_the_line_and_writes_nothing(client, staff):
    client.force_login(staff)

    response = client.post(
        reverse("payments:staff-bank"),
        {"statement": _upload(b"reference,amount,currency\nR1,1.00,EUR\nR2,x,EUR\n")},
    )

    assert response.status_code == 200
    assert "line 3: “x” is not an amount." in response.content.decode()
    assert not BankStatement.objects.exists()


def test_staff_assign_and_dismiss_waiting_lines(client, staff):
    ada = RequesterFactory(email="ada@example.org")
    client.force_login(staff)
    client.post(
        reverse("payments:staff-bank"),
        {"statement": _upload(sample("statement.csv", REF_A=""))},
    )
    first, second = BankLine.objects.filter(state=BankLineState.UNMATCHED).order_by("pk")

    unknown = client.post(
        reverse("payments:staff-bank-line-assign", args=[first.pk]),
        {"requester": "nobody@example.org"},
    )
    client.post(
        reverse("payments:staff-bank-line-assign", args=[first.pk]),
        {"requester": "ada@example.org"},
    )
    client.post(reverse("payments:staff-bank-line-dismiss", args=[second.pk]), {"reason": "fee"})

    assert _messages(unknown)[-1] == "Requester email: No requester has this email."
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.resolved_by) == (BankLineState.CREDITED, staff)
    assert (second.state, second.note) == (BankLineState.DISMISSED, "fee")
    assert _funds(ada) == 120_00


def test_staff_make_a_sepa_file_download_it_and_settle_by_hand(client, staff):
    payout = requested_payout(10_00)
    paypal = requested_payout(3_00, kind="paypal")
    client.force_login(staff)

    preview = client.get(reverse("payments:staff-payout-files")).content.decode()
    made = client.post(
        reverse("payments:staff-payout-files"), {"kind": "sepa", "version": "pain.001.001.03"}
    )

    assert "1 payout ready." in preview
    payout_file = PayoutFile.objects.get()
    assert _messages(made) == [
        f"Payout {paypal.pk} skipped: paid by PayPal, not in this file.",
        f"1 payouts (10.00 EUR) are in file {payout_file.message_id} and marked sent.",
    ]
    download = client.get(reverse("payments:staff-payout-file-download", args=[payout_file.pk]))
    assert download["Content-Type"] == "application/xml; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="{payout_file.message_id}.xml"'
    )
    sepa.validate(download.content, "pain.001.001.03")

    client.post(
        reverse("payments:staff-payout-sent-settle", args=[payout.pk]),
        {"action": "failed", "note": "AC04 closed"},
    )
    payout.refresh_from_db()
    assert (payout.state, payout.failure_reason) == (PayoutState.FAILED, "AC04 closed")
    assert payments.balance(payments.worker_available(payout.worker)) == 10_00


def test_staff_make_a_csv_file_of_paypal_payouts(client, staff):
    paypal = requested_payout(3_00, kind="paypal")
    client.force_login(staff)

    client.post(reverse("payments:staff-payout-files"), {"kind": "csv-paypal"})

    payout_file = PayoutFile.objects.get()
    download = client.get(reverse("payments:staff-payout-file-download", args=[payout_file.pk]))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download.content.decode().splitlines()[1].startswith(f"{paypal.pk},MW-PAYOUT-")
    paypal.refresh_from_db()
    assert paypal.state == PayoutState.SENT


def test_staff_pages_of_objects_that_do_not_exist_are_404(client, staff):
    client.force_login(staff)

    assert client.get(reverse("payments:staff-bank-statement", args=[999])).status_code == 404
    assert client.get(reverse("payments:staff-payout-file-download", args=[999])).status_code == 404
    assert (
        client.post(
            reverse("payments:staff-bank-line-assign", args=[999]), {"requester": "x@y.z"}
        ).status_code
        == 404
    )


def test_transfer_details_and_staff_pages_are_in_french(client, staff):
    ada = RequesterFactory()
    client.force_login(ada)

    balance = client.get(reverse("payments:requester-balance"), HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(staff)
    bank = client.get(reverse("payments:staff-bank"), HTTP_ACCEPT_LANGUAGE="fr")
    files = client.get(reverse("payments:staff-payout-files"), HTTP_ACCEPT_LANGUAGE="fr")

    assert "Payer par virement" in balance.content.decode()
    assert "Votre référence" in balance.content.decode()
    assert "Aucune ligne en attente." in bank.content.decode()
    assert "Prochain fichier SEPA" in files.content.decode()
