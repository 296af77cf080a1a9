"""Read a bank statement file into plain lines, writing nothing: ISO 20022 CAMT.053 (account
statement), CAMT.054 (debit/credit notification), CAMT.052 (account report), any version, or
the CSV fallback of docs/payouts.md.

XML is parsed with defusedxml, which refuses any DTD: no entity expansion (billion laughs), no
external entity (XXE), no network access. A file that cannot be read raises StatementError,
naming the entry or line, before anything is written.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element  # nosec B405  # builds XML, parses none: statements go through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024

# The statement element of each CAMT message, under its root.
_CONTAINERS = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
}


class StatementError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StatementLine:
    """One booked transaction. `amount_cents` is signed: positive for money received."""

    reference: str
    amount_cents: int
    currency: str
    booked_on: date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    return_reason: str = ""
    is_reversal: bool = False
    where: str = ""  # "entry 3" or "line 4", for messages


@dataclass
class Statement:
    format: str
    account_iban: str = ""
    statement_id: str = ""
    lines: list[StatementLine] = field(default_factory=list)
    not_booked: int = 0


def parse(data: bytes, *, file_name: str = "") -> Statement:
    """The lines of a statement file, CAMT XML or CSV (told apart by their content)."""
    if len(data) > MAX_BYTES:
        raise StatementError(_("The file is larger than 20 MB."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return parse_camt(data)
    return parse_csv(data)


# --- CAMT -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: Element) -> None:
    # Every CAMT version has its own namespace; the paths read below are the same in all of
    # those versions, so the namespace is dropped once instead of being spelled each time.
    for element in root.iter():
        element.tag = _local(element.tag)


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _cents(text: str, where: str) -> int:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise StatementError(
            _("%(where)s: “%(amount)s” is not an amount.") % {"where": where, "amount": text}
        ) from None
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise StatementError(
            _("%(where)s: the amount %(amount)s must be positive with at most two decimals.")
            % {"where": where, "amount": text}
        )
    return int(value * 100)


def _date(text: str, where: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise StatementError(
            _("%(where)s: “%(date)s” is not a date.") % {"where": where, "date": text}
        ) from None


def _party(details: Element, role: str) -> tuple[str, str]:
    """(name, IBAN) of the debtor or creditor of a transaction, in the 2009 (v2) and the
    2019+ (v8+) layouts alike."""
    parties = details.find("RltdPties")
    if parties is None:
        return "", ""
    name = _text(parties, f"{role}/Nm") or _text(parties, f"{role}/Pty/Nm")
    iban = _text(parties, f"{role}Acct/Id/IBAN")
    return name, iban


def _remittance(details: Element | None, entry: Element) -> str:
    parts = []
    if details is not None:
        parts += [_text(ref, ".") for ref in details.iterfind("RmtInf/Strd/CdtrRefInf/Ref")]
        parts += [(line.text or "").strip() for line in details.iterfind("RmtInf/Ustrd")]
        parts.append(_text(details, "AddtlTxInf"))
    parts.append(_text(entry, "AddtlNtryInf"))
    return " ".join(part for part in parts if part)[:500]


def _return_reason(details: Element | None) -> str:
    if details is None or details.find("RtrInf") is None:
        return ""
    code = _text(details, "RtrInf/Rsn/Cd") or _text(details, "RtrInf/Rsn/Prtry")
    more = " ".join((info.text or "").strip() for info in details.iterfind("RtrInf/AddtlInf"))
    return " ".join(part for part in (code, more) if part)[:300] or "returned"


def _entry_lines(entry: Element, number: int) -> list[StatementLine]:
    where = _("entry %(n)s") % {"n": number}
    amount_element = entry.find("Amt")
    if amount_element is None:
        raise StatementError(_("%(where)s has no amount (Amt).") % {"where": where})
    currency = (amount_element.get("Ccy") or "").upper()
    if len(currency) != 3:
        raise StatementError(_("%(where)s: the amount has no currency (Ccy).") % {"where": where})
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(
            _("%(where)s: CdtDbtInd must be CRDT or DBIT, not “%(value)s”.")
            % {"where": where, "value": indicator}
        )
    sign = 1 if indicator == "CRDT" else -1
    is_reversal = _text(entry, "RvslInd").lower() == "true"
    booked_on = _date(_text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm"), where)
    entry_reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details_list = list(entry.iterfind("NtryDtls/TxDtls"))
    if not details_list:
        details_list = [None]
    lines = []
    for index, details in enumerate(details_list, start=1):
        reference = _text(details, "Refs/AcctSvcrRef") if details is not None else ""
        if not reference and entry_reference:
            reference = entry_reference if len(details_list) == 1 else f"{entry_reference}/{index}"
        if not reference:
            raise StatementError(
                _(
                    "%(where)s has no bank reference (AcctSvcrRef or NtryRef): it could not be "
                    "told apart from the same entry in another statement."
                )
                % {"where": where}
            )
        if len(details_list) == 1:
            cents = _cents(amount_element.text or "", where)
        else:
            text = _text(details, "AmtDtls/TxAmt/Amt") or _text(details, "Amt")
            if not text:
                raise StatementError(
                    _("%(where)s, transaction %(i)s has no amount.") % {"where": where, "i": index}
                )
            cents = _cents(text, where)
        name, iban = ("", "")
        if details is not None:
            name, iban = _party(details, "Dbtr" if sign > 0 else "Cdtr")
        end_to_end = _text(details, "Refs/EndToEndId") if details is not None else ""
        if end_to_end == "NOTPROVIDED":
            end_to_end = ""
        lines.append(
            StatementLine(
                reference=reference[:100],
                amount_cents=sign * cents,
                currency=currency,
                booked_on=booked_on,
                counterparty_name=name[:140],
                counterparty_iban=iban.replace(" ", "").upper()[:34],
                remittance=_remittance(details, entry),
                end_to_end_id=end_to_end[:35],
                return_reason=_return_reason(details),
                is_reversal=is_reversal,
                where=where,
            )
        )
    return lines


def _is_booked(entry: Element) -> bool:
    # <Sts>BOOK</Sts> until version 7, <Sts><Cd>BOOK</Cd></Sts> from version 8.
    return (_text(entry, "Sts/Cd") or _text(entry, "Sts")) == "BOOK"


def parse_camt(data: bytes) -> Statement:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementError(
            _("The XML file declares a DTD or entities; bank statements never do.")
        ) from None
    except ParseError as error:
        message = _("The XML file is not well formed: %(error)s.") % {"error": error}
        raise StatementError(message) from None
    _strip_namespaces(root)
    message = root[0] if root.tag == "Document" and len(root) else root
    if message.tag not in _CONTAINERS:
        raise StatementError(
            _("This XML file is not a CAMT.053, CAMT.054 or CAMT.052 bank statement.")
        )
    kind, container_tag = _CONTAINERS[message.tag]
    statement = Statement(format=kind)
    number = 0
    for container in message.iterfind(container_tag):
        iban = _text(container, "Acct/Id/IBAN").replace(" ", "").upper()
        if statement.account_iban and iban and iban != statement.account_iban:
            raise StatementError(_("The file holds statements of more than one account."))
        statement.account_iban = statement.account_iban or iban
        statement.statement_id = statement.statement_id or _text(container, "Id")
        for entry in container.iterfind("Ntry"):
            number += 1
            if not _is_booked(entry):
                statement.not_booked += 1
                continue
            statement.lines.extend(_entry_lines(entry, number))
    return statement


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "reference",
    "booking_date",
    "amount",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "remittance",
    "end_to_end_id",
    "return_reason",
)
CSV_REQUIRED = ("reference", "amount", "currency")


def _signed_cents(text: str, where: str) -> int:
    text = text.strip().replace(" ", "")
    negative = text.startswith("-")
    cents = _cents(text.lstrip("+-"), where)
    return -cents if negative else cents


def parse_csv(data: bytes) -> Statement:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementError(_("The CSV file is not UTF-8 text.")) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        raise StatementError(
            _("The CSV file lacks the column(s) %(columns)s (docs/payouts.md lists them).")
            % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    statement = Statement(format="csv")
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        where = _("line %(n)s") % {"n": number}
        if None in row:
            raise StatementError(_("%(where)s has more cells than the header.") % {"where": where})
        row = {key: (value or "").strip() for key, value in row.items()}
        if not any(row.values()):
            continue
        reference = row["reference"]
        if not reference:
            raise StatementError(_("%(where)s: reference is empty.") % {"where": where})
        if reference in seen:
            raise StatementError(
                _("%(where)s: the reference %(ref)s appears twice in the file.")
                % {"where": where, "ref": reference}
            )
        seen.add(reference)
        currency = row["currency"].upper()
        if len(currency) != 3 or not currency.isalpha():
            raise StatementError(
                _("%(where)s: currency must be a 3-letter code.") % {"where": where}
            )
        statement.lines.append(
            StatementLine(
                reference=reference[:100],
                amount_cents=_signed_cents(row["amount"], where),
                currency=currency,
                booked_on=_date(row.get("booking_date", ""), where),
                counterparty_name=row.get("counterparty_name", "")[:140],
                counterparty_iban=row.get("counterparty_iban", "").replace(" ", "").upper()[:34],
                remittance=row.get("remittance", "")[:500],
                end_to_end_id=row.get("end_to_end_id", "")[:35],
                return_reason=row.get("return_reason", "")[:300],
                where=where,
            )
        )
    return statement
