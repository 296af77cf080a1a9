"""`microwork bank ...` and `microwork payouts ...` call the banking services."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from microwork.payments import sepa
from microwork.payments.enums import BankLineState, PayoutState
from microwork.payments.models import BankLine, PayoutFile
from microwork.payments.transfer_reference import reference_for
from tests.accounts.factories import RequesterFactory, UserFactory
from tests.payments.bank_factories import OPERATOR_IBAN, requested_payout, sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _operator(settings):
    settings.MICROWORK_OPERATOR_IBAN = OPERATOR_IBAN
    settings.MICROWORK_OPERATOR_NAME = "Microwork SAS"
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 100


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_bank_import_reports_what_it_did_and_shows_progress(tmp_path):
    staff = UserFactory(role="requester", is_staff=True, email="ops@example.org")
    ada = RequesterFactory()
    path = tmp_path / "statement.csv"
    path.write_bytes(sample("statement.csv", REF_A=reference_for(ada.pk)))

    out, err = _run("bank", "--by", "ops@example.org", "import", str(path))
    again, _err = _run("bank", "import", str(path))

    assert out.strip() == (
        "statement.csv: csv, 3 new lines, 0 already imported, 0 not booked; credited 1, "
        "waiting for staff 1, payouts paid 0, payouts failed 0, ignored 1"
    )
    assert err.strip() == "3/3 new lines applied"
    assert "0 new lines, 3 already imported" in again
    assert BankLine.objects.get(entry_reference="CSV-0001").posting.actor == staff


def test_bank_queue_assign_and_dismiss(tmp_path):
    ada = RequesterFactory(email="ada@example.org")
    path = tmp_path / "s.csv"
    path.write_bytes(sample("statement.csv", REF_A=""))
    _run("bank", "import", str(path))
    waiting = BankLine.objects.filter(state=BankLineState.UNMATCHED).order_by("pk")
    first, second = waiting

    queue, _err = _run("bank", "queue")
    _run("bank", "assign", str(first.pk), "ada@example.org")
    _run("bank", "dismiss", str(second.pk), "refunded to the payer")

    assert queue.splitlines()[-1] == "2 lines waiting"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.requester) == (BankLineState.CREDITED, ada)
    assert (second.state, second.note) == (BankLineState.DISMISSED, "refunded to the payer")
    with pytest.raises(CommandError, match="not waiting"):
        _run("bank", "dismiss", str(first.pk), "again")


def test_bank_import_of_a_bad_file_names_the_line_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"reference,amount,currency\nR1,1.00,EUR\nR2,oops,EUR\n")

    with pytest.raises(CommandError, match="line 3"):
        _run("bank", "import", str(path))

    assert not BankLine.objects.exists()


def test_payouts_sepa_writes_a_valid_file_and_says_what_it_skipped(tmp_path):
    payout = requested_payout(10_00)
    paypal = requested_payout(4_00, kind="paypal")
    output = tmp_path / "out.xml"

    out, err = _run("payouts", "sepa", "--version", "03", "-o", str(output))

    payout_file = PayoutFile.objects.get()
    assert out.splitlines() == [
        f"{payout_file.message_id}: 1 payouts, 10.00 EUR, marked sent",
        f"written to {output}",
    ]
    assert err.strip() == f"skipped payout {paypal.pk}: paid by PayPal, not in this file"
    sepa.validate(output.read_bytes(), "pain.001.001.03")
    payout.refresh_from_db()
    assert payout.state == PayoutState.SENT
    assert _run("payouts", "sepa")[0].strip() == "no payout to send"

    again, _err = _run("payouts", "file", payout_file.message_id)
    assert again.strip() == payout_file.content.strip()


def test_payouts_csv_and_fail(tmp_path):
    payout = requested_payout(4_00, kind="paypal")

    out, _err = _run("payouts", "csv", "--rail", "all")
    failed, _err = _run("payouts", "fail", str(payout.pk), "PayPal account unknown")

    assert "payout_id,end_to_end_id" in out
    assert failed.strip() == f"payout {payout.pk} failed: 4.00 EUR back to its worker"
    payout.refresh_from_db()
    assert (payout.state, payout.failure_reason) == (PayoutState.FAILED, "PayPal account unknown")
    with pytest.raises(CommandError, match="not sent yet"):
        _run("payouts", "fail", str(requested_payout(2_00).pk), "x")
