"""Reading bank statement files (payments/bank_files.py): CAMT versions, the CSV fallback, and
hostile XML."""

from datetime import date

import pytest

from microwork.payments import bank_files
from microwork.payments.bank_files import StatementError, parse
from microwork.payments.transfer_reference import reference_for, requester_id_in
from tests.payments.bank_factories import DATA, sample


def test_camt053_v2_lines_carry_amount_sign_parties_and_remittance():
    statement = parse(sample("camt053_deposits.xml", REF_A="RF", REF_B="RF18539007547034"))

    assert statement.format == "camt.053"
    assert statement.statement_id == "20261206-EUR-001"
    assert statement.not_booked == 1
    first, second, third, fee, mistyped = statement.lines
    assert (first.reference, first.amount_cents, first.currency, first.booked_on) == (
        "2026120600001",
        150_00,
        "EUR",
        date(2026, 12, 6),
    )
    assert first.end_to_end_id == ""  # NOTPROVIDED
    assert second.remittance == "RF18539007547034"
    assert second.end_to_end_id == "INV-2026-77"
    assert (second.counterparty_name, second.counterparty_iban) == (
        "Grace Hopper",
        "FR1420041010050500013M02606",
    )
    assert third.reference == "2026120600003"
    assert (fee.amount_cents, fee.remittance) == (-2_50, "Account fees December")


def test_camt054_v8_batch_entry_gives_one_line_per_transaction():
    statement = parse(
        sample(
            "camt054_payouts.xml",
            TOTAL_12="17.34",
            AMOUNT_1="12.34",
            AMOUNT_2="5.00",
            AMOUNT_3="8.00",
            E2E_1="MW-PAYOUT-1",
            E2E_2="MW-PAYOUT-2",
            E2E_3="MW-PAYOUT-3",
            MSG_ID="M",
        )
    )

    assert statement.format == "camt.054"
    assert [
        (line.reference, line.amount_cents, line.end_to_end_id, line.counterparty_name)
        for line in statement.lines
    ] == [
        ("PAYOUTS-20261208-01-1", -12_34, "MW-PAYOUT-1", "Worker One"),
        ("PAYOUTS-20261208-01-2", -5_00, "MW-PAYOUT-2", "Worker Two"),
        ("RETURN-20261208-07", 8_00, "MW-PAYOUT-3", "Worker Three"),
    ]
    assert statement.lines[2].return_reason == "AC04 Closed account number"


def test_external_entities_are_refused_not_read():
    with pytest.raises(StatementError, match="DTD"):
        parse((DATA / "xxe.xml").read_bytes())


def test_entity_expansion_bomb_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<Document>&lol2;</Document>"
    )

    with pytest.raises(StatementError, match="DTD"):
        parse(bomb)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (b"150.00</Amt>\n        <CdtDbtInd>CRDT", b"150.00</Amt>\n        <CdtDbtInd>X"),
            "entry 1: CdtDbtInd",
        ),
        ((b"<AcctSvcrRef>2026120600003</AcctSvcrRef>", b""), "entry 3 has no bank reference"),
        ((b'<Amt Ccy="EUR">40.00</Amt>', b'<Amt Ccy="EUR">-40.00</Amt>'), "entry 2: the amount"),
        ((b'<Amt Ccy="EUR">40.00</Amt>', b'<Amt Ccy="EUR">40.001</Amt>'), "entry 2: the amount"),
        ((b"<Dt>2026-12-06</Dt></BookgDt>", b"<Dt>6/12</Dt></BookgDt>"), "entry 1: .6/12. is"),
        ((b"</Document>", b""), "not well formed"),
    ],
)
def test_bad_camt_names_the_entry(change, message):
    data = sample("camt053_deposits.xml", REF_A="", REF_B="").replace(*change, 1)
    # Entry 3 has its reference on the entry only; remove the NtryRef too for that case.
    data = data.replace(b"<NtryRef>3</NtryRef>", b"") if b"2026120600003" not in data else data

    with pytest.raises(StatementError, match=message):
        parse(data)


def test_xml_that_is_no_bank_statement_is_refused():
    with pytest.raises(StatementError, match="not a CAMT"):
        parse(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (b"reference,amount\nA,1.00\n", "lacks the column.s. currency"),
        (b"reference,amount,currency\nA,1.00,EUR\nA,2.00,EUR\n", "line 3: the reference A"),
        (b"reference,amount,currency\nA,abc,EUR\n", "line 2: .abc. is not an amount"),
        (b"reference,amount,currency\n,1.00,EUR\n", "line 2: reference is empty"),
        (b"reference,amount,currency\nA,1.00,EURO\n", "line 2: currency"),
        (b"reference,amount,currency\nA,1.00,EUR,extra\n", "line 2 has more cells"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_csv_names_the_line(csv, message):
    with pytest.raises(StatementError, match=message):
        parse(csv)


def test_csv_with_semicolons_and_signed_amounts():
    statement = parse(
        b"reference;booking_date;amount;currency;remittance\n"
        b"R1;2026-12-06;-3.50;eur;fees\nR2;;+12.00;EUR;hello\n\n"
    )

    assert [(line.reference, line.amount_cents, line.currency) for line in statement.lines] == [
        ("R1", -3_50, "EUR"),
        ("R2", 12_00, "EUR"),
    ]


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(bank_files, "MAX_BYTES", 10)

    with pytest.raises(StatementError, match="larger"):
        parse(b"reference,amount,currency\n")


def test_requester_reference_is_found_in_free_text_and_its_check_digits_are_checked():
    reference = reference_for(42)

    assert requester_id_in(f"thanks, ref {reference[:6]} {reference[6:]} / invoice 2026") == 42
    assert requester_id_in(f"x{reference.lower()}99") == 42
    assert requester_id_in(reference[:2] + "00" + reference[4:]) is None
    assert requester_id_in("RF18539007547034") is None  # a valid RF, but not one of ours
    assert requester_id_in("") is None
