"""Bank transfers in and payout files out (payments/banking.py), from real-shaped statement
files under tests/payments/data."""

import pytest

from microwork.payments import banking, sepa
from microwork.payments import services as payments
from microwork.payments.bank_files import StatementError
from microwork.payments.enums import BankLineState, DepositChannel, PayoutState, PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import BankLine, BankStatement, Payout, PayoutFile, Posting
from microwork.payments.transfer_reference import reference_display, reference_for
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.bank_factories import (
    OPERATOR_IBAN,
    amount,
    deposit_sample,
    requested_payout,
    sample,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _operator(settings):
    settings.MICROWORK_OPERATOR_IBAN = OPERATOR_IBAN
    settings.MICROWORK_OPERATOR_BIC = "BNPAFRPP"
    settings.MICROWORK_OPERATOR_NAME = "Microwork SAS"
    settings.MICROWORK_CURRENCY = "EUR"
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 100


@pytest.fixture
def staff():
    return UserFactory(role="requester", is_staff=True)


def _funds(requester) -> int:
    return payments.balance(payments.requester_available(requester))


def _earnings(worker) -> int:
    return payments.balance(payments.worker_available(worker))


# --- transfer deposits -----------------------------------------------------------------------


def test_transfer_details_show_the_operators_account_and_a_reference_with_check_digits():
    requester = RequesterFactory()

    details = banking.transfer_details(requester)

    assert details.is_enabled
    assert details.iban == "FR76 3000 6000 0112 3456 7890 189"
    assert details.bic == "BNPAFRPP"
    assert details.name == "Microwork SAS"
    assert details.reference == reference_display(requester.pk)
    assert details.reference.replace(" ", "") == reference_for(requester.pk)


def test_transfer_details_are_disabled_without_an_operator_iban(settings):
    settings.MICROWORK_OPERATOR_IBAN = ""

    assert not banking.transfer_details(RequesterFactory()).is_enabled


def test_camt053_import_credits_each_referenced_transfer_and_queues_the_rest(staff):
    ada, grace = RequesterFactory(), RequesterFactory()

    result = banking.statement_import(
        data=deposit_sample(ada, grace), file_name="stmt.xml", actor=staff
    )

    assert (result.credited, result.unmatched, result.ignored, result.known) == (2, 2, 1, 0)
    assert result.not_booked == 1
    assert _funds(ada) == 150_00
    assert _funds(grace) == 40_00
    lines = {line.entry_reference: line for line in BankLine.objects.all()}
    assert set(lines) == {
        "2026120600001",
        "2026120600002",
        "2026120600003",
        "2026120600004",
        "2026120600005",
    }
    assert lines["2026120600001"].state == BankLineState.CREDITED
    assert lines["2026120600001"].requester == ada
    assert lines["2026120600001"].counterparty_name == "Ada Lovelace Research Ltd"
    assert lines["2026120600001"].counterparty_iban == "DE89370400440532013000"
    assert lines["2026120600001"].posting.kind == PostingKind.DEPOSIT
    assert lines["2026120600001"].posting.actor == staff
    assert lines["2026120600001"].posting.receipt.channel == DepositChannel.TRANSFER
    assert lines["2026120600002"].requester == grace
    # No reference, and a reference whose check digits are wrong: both wait for staff.
    assert lines["2026120600003"].state == BankLineState.UNMATCHED
    assert lines["2026120600005"].state == BankLineState.UNMATCHED
    assert lines["2026120600005"].amount_cents == 10_00
    # The bank's fee is a debit that is no payout of ours.
    assert lines["2026120600004"].state == BankLineState.IGNORED
    assert lines["2026120600004"].amount_cents == -2_50
    statement = BankStatement.objects.get()
    assert (statement.format, statement.account_iban, statement.statement_id) == (
        "camt.053",
        OPERATOR_IBAN,
        "20261206-EUR-001",
    )
    assert (statement.lines_new, statement.lines_known) == (5, 0)
    assert ledger_problems() == []


def test_importing_the_same_statement_twice_credits_nothing_more(staff):
    ada, grace = RequesterFactory(), RequesterFactory()
    data = deposit_sample(ada, grace)
    banking.statement_import(data=data, actor=staff)
    postings = Posting.objects.count()

    again = banking.statement_import(data=data, actor=staff)

    assert (again.credited, again.unmatched, again.ignored, again.known) == (0, 0, 0, 5)
    assert Posting.objects.count() == postings
    assert BankLine.objects.count() == 5
    assert (_funds(ada), _funds(grace)) == (150_00, 40_00)
    assert BankStatement.objects.count() == 2


def test_a_bad_statement_names_the_entry_and_writes_nothing(staff):
    ada, grace = RequesterFactory(), RequesterFactory()
    data = deposit_sample(ada, grace).replace(
        b'<Amt Ccy="EUR">25.00</Amt>', b'<Amt Ccy="EUR">25,00</Amt>'
    )

    with pytest.raises(StatementError, match=r"entry 3: .25,00. is not an amount"):
        banking.statement_import(data=data, actor=staff)

    assert not BankStatement.objects.exists()
    assert not BankLine.objects.exists()
    assert _funds(ada) == 0


def test_a_statement_of_another_account_is_refused(staff):
    data = deposit_sample(RequesterFactory(), RequesterFactory()).replace(
        OPERATOR_IBAN.encode(), b"DE89370400440532013000"
    )

    with pytest.raises(StatementError, match="not the operator's"):
        banking.statement_import(data=data, actor=staff)

    assert not BankLine.objects.exists()


def test_a_reference_of_a_worker_credits_nobody():
    worker = WorkerFactory()
    data = sample("statement.csv", REF_A=reference_for(worker.pk))

    result = banking.statement_import(data=data, actor=None)

    assert result.credited == 0
    assert BankLine.objects.get(entry_reference="CSV-0001").state == BankLineState.UNMATCHED


def test_csv_statement_credits_queues_and_ignores_like_camt(staff):
    ada = RequesterFactory()

    result = banking.statement_import(
        data=sample("statement.csv", REF_A=reference_display(ada.pk)), actor=staff
    )

    assert (result.credited, result.unmatched, result.ignored) == (1, 1, 1)
    assert _funds(ada) == 120_00
    assert BankStatement.objects.get().format == "csv"


def test_a_transfer_in_another_currency_waits_for_staff(staff, settings):
    ada = RequesterFactory()
    data = sample("statement.csv", REF_A=reference_for(ada.pk)).replace(b"EUR", b"CHF")

    result = banking.statement_import(data=data, actor=staff)

    assert result.credited == 0
    line = BankLine.objects.get(entry_reference="CSV-0001")
    assert line.state == BankLineState.UNMATCHED
    assert "CHF" in line.note
    assert _funds(ada) == 0


def test_staff_assign_a_waiting_line_to_a_requester_which_credits_it_once(staff):
    ada, grace = RequesterFactory(), RequesterFactory()
    banking.statement_import(data=deposit_sample(ada, grace), actor=staff)
    line = BankLine.objects.get(entry_reference="2026120600003")

    banking.bank_line_assign(line=line, requester=grace, actor=staff)
    banking.bank_line_assign(line=line, requester=grace, actor=staff)  # a retried click

    line.refresh_from_db()
    assert (line.state, line.requester, line.resolved_by) == (
        BankLineState.CREDITED,
        grace,
        staff,
    )
    assert _funds(grace) == 40_00 + 25_00
    with pytest.raises(banking.BankingRefused):
        banking.bank_line_assign(line=line, requester=ada, actor=staff)
    assert _funds(ada) == 150_00


def test_staff_dismiss_a_waiting_line_with_a_reason_and_it_cannot_be_credited_after(staff):
    ada, grace = RequesterFactory(), RequesterFactory()
    banking.statement_import(data=deposit_sample(ada, grace), actor=staff)
    line = BankLine.objects.get(entry_reference="2026120600003")

    with pytest.raises(banking.BankingRefused):
        banking.bank_line_dismiss(line=line, reason="  ", actor=staff)
    banking.bank_line_dismiss(line=line, reason="Sent back to the payer", actor=staff)

    line.refresh_from_db()
    assert (line.state, line.note) == (BankLineState.DISMISSED, "Sent back to the payer")
    with pytest.raises(banking.BankingRefused):
        banking.bank_line_assign(line=line, requester=ada, actor=staff)
    assert _funds(ada) == 150_00


def test_a_debit_line_cannot_be_assigned_to_a_requester(staff):
    ada = RequesterFactory()
    data = sample("statement.csv", REF_A="").replace(b"-3.00", b"-3.00")
    banking.statement_import(data=data, actor=staff)
    fee = BankLine.objects.get(entry_reference="CSV-0002")
    BankLine.objects.filter(pk=fee.pk).update(state=BankLineState.UNMATCHED)

    with pytest.raises(banking.BankingRefused):
        banking.bank_line_assign(line=fee, requester=ada, actor=staff)

    assert _funds(ada) == 0


# --- SEPA payouts ----------------------------------------------------------------------------


def test_sepa_file_holds_iban_payouts_is_valid_and_marks_them_sent(staff):
    first = requested_payout(12_34)
    second = requested_payout(5_00, bic="COBADEFFXXX")

    result = banking.payouts_send_sepa(actor=staff)

    payout_file = result.file
    assert payout_file.format == "pain.001.001.09"
    assert (payout_file.payout_count, payout_file.total_cents) == (2, 17_34)
    xml = payout_file.content.encode()
    sepa.validate(xml, "pain.001.001.09")
    assert f"<MsgId>{payout_file.message_id}</MsgId>".encode() in xml
    assert b"<EndToEndId>MW-PAYOUT-%d</EndToEndId>" % first.pk in xml
    assert b'<InstdAmt Ccy="EUR">12.34</InstdAmt>' in xml
    assert b"<BICFI>COBADEFFXXX</BICFI>" in xml
    assert f"<IBAN>{OPERATOR_IBAN}</IBAN>".encode() in xml
    for payout in (first, second):
        payout.refresh_from_db()
        assert payout.state == PayoutState.SENT
        assert payout.payout_file == payout_file
        assert payout.end_to_end_id == f"MW-PAYOUT-{payout.pk}"
        assert payout.settle_posting is None
    # Sent is not paid: the money waits in payout-pending until the bank's statement.
    assert ledger_problems() == []
    assert banking.payouts_send_sepa(actor=staff).file is None


def test_sepa_file_in_version_03_validates_against_its_schema(staff):
    requested_payout(7_00)

    result = banking.payouts_send_sepa(actor=staff, version="pain.001.001.03")

    assert result.file.format == "pain.001.001.03"
    sepa.validate(result.file.content.encode(), "pain.001.001.03")
    assert b"pain.001.001.03" in result.file.content.encode()


def test_sepa_file_skips_paypal_recent_changes_and_missing_details_and_says_why(staff):
    sent = requested_payout(10_00)
    paypal = requested_payout(10_00, kind="paypal")
    recent = requested_payout(10_00, hours_ago=3)

    result = banking.payouts_send_sepa(actor=staff)

    assert [payout.pk for payout in result.payouts] == [sent.pk]
    reasons = {skip.payout.pk: skip.reason for skip in result.skipped}
    assert reasons == {
        paypal.pk: "paid by PayPal, not in this file",
        recent.pk: "payout details changed less than 24 hours ago",
    }
    for payout in (paypal, recent):
        payout.refresh_from_db()
        assert payout.state == PayoutState.REQUESTED


def test_a_sepa_file_that_fails_validation_changes_nothing(staff):
    payout = requested_payout(10_00, iban="DE89 3704")  # not an IBAN: the schema refuses it

    with pytest.raises(sepa.SepaError):
        banking.payouts_send_sepa(actor=staff)

    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED
    assert not PayoutFile.objects.exists()


def test_sepa_validate_names_the_problem_of_a_broken_file():
    with pytest.raises(sepa.SepaError, match="pain.001.001.09"):
        sepa.validate(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "pain.001.001.09"
        )


def _sent_three(staff):
    payouts = [requested_payout(cents) for cents in (12_34, 5_00, 8_00)]
    payout_file = banking.payouts_send_sepa(actor=staff).file
    for payout in payouts:
        payout.refresh_from_db()
    return payouts, payout_file


def _payout_notification(payouts, payout_file) -> bytes:
    one, two, three = payouts
    return sample(
        "camt054_payouts.xml",
        MSG_ID=payout_file.message_id,
        E2E_1=one.end_to_end_id,
        E2E_2=two.end_to_end_id,
        E2E_3=three.end_to_end_id,
        AMOUNT_1=amount(one.amount_cents),
        AMOUNT_2=amount(two.amount_cents),
        AMOUNT_3=amount(three.amount_cents),
        TOTAL_12=amount(one.amount_cents + two.amount_cents),
    )


def test_camt054_marks_payouts_paid_and_a_returned_one_failed_with_its_money_back(staff):
    payouts, payout_file = _sent_three(staff)
    one, two, three = payouts
    external_before = payments.balance(payments.external())

    result = banking.statement_import(data=_payout_notification(payouts, payout_file), actor=staff)

    assert (result.paid, result.failed, result.credited, result.unmatched) == (2, 1, 0, 0)
    for payout in payouts:
        payout.refresh_from_db()
    assert (one.state, two.state, three.state) == (
        PayoutState.PAID,
        PayoutState.PAID,
        PayoutState.FAILED,
    )
    assert one.external_reference == "PAYOUTS-20261208-01-1"
    assert one.settle_posting.kind == PostingKind.PAYOUT_PAID
    assert three.settle_posting.kind == PostingKind.PAYOUT_FAILED
    assert three.failure_reason == "AC04 Closed account number"
    assert _earnings(three.worker) == 8_00
    assert _earnings(one.worker) == 0
    assert payments.balance(payments.external()) == external_before + 12_34 + 5_00
    lines = {line.payout_id: line.state for line in BankLine.objects.all()}
    assert lines == {
        one.pk: BankLineState.PAYOUT_PAID,
        two.pk: BankLineState.PAYOUT_PAID,
        three.pk: BankLineState.PAYOUT_FAILED,
    }
    assert ledger_problems() == []


def test_camt054_imported_twice_settles_each_payout_once(staff):
    payouts, payout_file = _sent_three(staff)
    data = _payout_notification(payouts, payout_file)
    banking.statement_import(data=data, actor=staff)
    postings = Posting.objects.count()

    again = banking.statement_import(data=data, actor=staff)

    assert (again.paid, again.failed, again.known) == (0, 0, 3)
    assert Posting.objects.count() == postings
    assert _earnings(payouts[2].worker) == 8_00


def test_a_payout_booked_with_another_amount_waits_for_staff(staff):
    payouts, payout_file = _sent_three(staff)
    data = _payout_notification(payouts, payout_file).replace(
        f'<Amt Ccy="EUR">{amount(12_34)}</Amt>'.encode(), b'<Amt Ccy="EUR">12.00</Amt>'
    )

    result = banking.statement_import(data=data, actor=staff)

    assert (result.paid, result.unmatched) == (1, 1)
    payouts[0].refresh_from_db()
    assert payouts[0].state == PayoutState.SENT
    line = BankLine.objects.get(payout=payouts[0])
    assert line.state == BankLineState.UNMATCHED
    assert "12.34 EUR" in line.note


def test_a_sent_payout_cannot_be_cancelled_but_staff_can_mark_it_failed(staff):
    (payout, *_rest), _file = _sent_three(staff)

    with pytest.raises(payments.PaymentRefused, match="sent to the bank"):
        payments.payout_cancel(payout=payout, actor=staff)
    with pytest.raises(payments.PaymentRefused):
        payments.payout_mark_failed(payout=payout, reason=" ", actor=staff)
    failed = payments.payout_mark_failed(payout=payout, reason="PayPal refused", actor=staff)
    again = payments.payout_mark_failed(payout=payout, reason="PayPal refused", actor=staff)

    assert failed.state == again.state == PayoutState.FAILED
    assert _earnings(payout.worker) == 12_34
    with pytest.raises(payments.PaymentRefused):
        payments.payout_mark_paid(payout=payout, external_reference="x", actor=staff)


def test_a_requested_payout_cannot_be_marked_failed(staff):
    payout = requested_payout(5_00)

    with pytest.raises(payments.PaymentRefused):
        payments.payout_mark_failed(payout=payout, reason="no", actor=staff)

    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED


# --- CSV payout files ------------------------------------------------------------------------


def test_csv_payout_file_for_paypal_lists_them_and_marks_them_sent(staff):
    paypal = requested_payout(9_00, kind="paypal")
    iban = requested_payout(6_00)

    result = banking.payouts_send_csv(actor=staff, rails={"paypal"})

    assert result.file.format == "csv"
    lines = result.file.content.splitlines()
    assert lines[0] == ",".join(banking.CSV_HEADER)
    assert lines[1] == (
        f"{paypal.pk},MW-PAYOUT-{paypal.pk},{paypal.worker.worker_id},paypal,"
        f"w{paypal.worker.pk}@example.org,,,,9.00,EUR,microwork payout {paypal.pk}"
    )
    assert len(lines) == 2
    paypal.refresh_from_db()
    iban.refresh_from_db()
    assert (paypal.state, iban.state) == (PayoutState.SENT, PayoutState.REQUESTED)
    assert paypal.payout_file == result.file


def test_a_payout_without_details_is_in_no_file(staff):
    payout = requested_payout(5_00, kind=None)

    result = banking.payouts_send_csv(actor=staff, rails={"paypal", "iban"})

    assert result.file is None
    assert [(skip.payout, skip.reason) for skip in result.skipped] == [
        (payout, "the worker has given no payout details")
    ]


def test_two_files_never_hold_the_same_payout(staff):
    requested_payout(5_00)
    first = banking.payouts_send_sepa(actor=staff)

    second = banking.payouts_send_csv(actor=staff, rails={"iban"})

    assert first.file is not None
    assert second.file is None
    assert Payout.objects.filter(payout_file=first.file).count() == 1
