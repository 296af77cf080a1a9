"""Real money in and out by bank: transfer deposits and payout files, reconciled with the ledger
from the bank's statements (docs/payouts.md, docs/adr/0025).

In: each requester pays by transfer with their RF reference (transfer_reference.py); staff
import the bank's statement (bank_files.py) and each new credit line carrying a requester's
reference is credited once through services.deposit_record(); the others wait in a queue
that staff assign or dismiss.

Out: staff send the requested payouts in a SEPA pain.001 file (sepa.py) or a CSV for another
rail. Each payout moves to "sent" with the file's message id and its own end-to-end id; the
bank's statement then marks it paid (its money goes from payout-pending to the outside
world) or failed (its money goes back to the worker's available earnings).

Every line of a statement is stored once under the account and the bank's reference of the
entry (BankLine.key, unique): importing a file again, or the same booking from a CAMT.054 and
then a CAMT.053, credits and settles nothing twice.
"""

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.common.csvsafe import csv_lines
from microwork.common.money import format_amount, format_money
from microwork.payments import bank_files, sepa, services
from microwork.payments.enums import (
    BankLineState,
    DepositChannel,
    PayoutFileFormat,
    PayoutState,
)
from microwork.payments.models import BankLine, BankStatement, Payout, PayoutFile
from microwork.payments.transfer_reference import reference_display, requester_id_in

# A worker's payout details must have been the same this long before a file pays them: whoever
# took over an account cannot change them and be paid at once (payout_request waits as long).
PAYOUT_METHOD_HOLD = datetime.timedelta(hours=24)


class BankingRefused(services.PaymentRefused):
    pass


# --- in: transfer deposits -------------------------------------------------------------------


@dataclass(frozen=True)
class TransferDetails:
    """What a requester needs to pay in by bank transfer."""

    is_enabled: bool
    reference: str
    name: str
    iban: str
    bic: str
    currency: str


def transfer_details(requester: User) -> TransferDetails:
    """The operator's account and this requester's reference (computed, nothing is written)."""
    iban = settings.MICROWORK_OPERATOR_IBAN
    return TransferDetails(
        is_enabled=bool(iban),
        reference=reference_display(requester.pk),
        name=settings.MICROWORK_OPERATOR_NAME,
        iban=" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
        bic=settings.MICROWORK_OPERATOR_BIC,
        currency=settings.MICROWORK_CURRENCY,
    )


@dataclass
class ImportResult:
    statement: BankStatement
    credited: int = 0
    unmatched: int = 0
    paid: int = 0
    failed: int = 0
    ignored: int = 0
    known: int = 0
    not_booked: int = 0
    lines: list[BankLine] = field(default_factory=list)


def _line_key(account_iban: str, reference: str) -> str:
    return f"{account_iban or '-'}:{reference}"[:200]


def statement_import(
    *,
    data: bytes,
    file_name: str = "",
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a bank statement file (CAMT.053/054/052 or CSV) and apply each new line.

    The whole file is read first: a file that cannot be read raises StatementError naming the
    entry or line and writes nothing. Then, in one transaction, its lines are inserted under
    their unique keys, in key order, skipping those already imported: two imports of
    overlapping files at once wait for each other line by line (in the same order, so they
    cannot deadlock) and each line is applied by exactly one of them.
    """
    parsed = bank_files.parse(data, file_name=file_name)
    if parsed.account_iban and settings.MICROWORK_OPERATOR_IBAN:
        if parsed.account_iban != settings.MICROWORK_OPERATOR_IBAN:
            raise bank_files.StatementError(
                _("This statement is of account %(iban)s, not the operator's (%(ours)s).")
                % {"iban": parsed.account_iban, "ours": settings.MICROWORK_OPERATOR_IBAN}
            )
    with transaction.atomic():
        statement = BankStatement.objects.create(
            file_name=file_name[:200],
            sha256=hashlib.sha256(data).hexdigest(),
            format=parsed.format,
            account_iban=parsed.account_iban,
            statement_id=parsed.statement_id[:100],
            imported_by=actor,
        )
        rows = {}
        for line in parsed.lines:
            key = _line_key(parsed.account_iban, line.reference)
            if key in rows:
                raise bank_files.StatementError(
                    _("%(where)s: the bank reference %(ref)s appears twice in the file.")
                    % {"where": line.where, "ref": line.reference}
                )
            rows[key] = BankLine(
                statement=statement,
                key=key,
                entry_reference=line.reference,
                booked_on=line.booked_on,
                amount_cents=line.amount_cents,
                currency=line.currency,
                counterparty_name=line.counterparty_name,
                counterparty_iban=line.counterparty_iban,
                remittance=line.remittance,
                end_to_end_id=line.end_to_end_id,
                return_reason=line.return_reason,
                state=BankLineState.UNMATCHED,
                note="reversal" if line.is_reversal else "",
            )
        # ON CONFLICT DO NOTHING: a key another import holds uncommitted makes this one wait,
        # then skip it once that import commits. Key order keeps two such imports from
        # deadlocking.
        BankLine.objects.bulk_create(
            [rows[key] for key in sorted(rows)], ignore_conflicts=True, batch_size=500
        )
        new = list(BankLine.objects.filter(statement=statement).order_by("key"))
        result = ImportResult(
            statement=statement, known=len(rows) - len(new), not_booked=parsed.not_booked
        )
        for done, line in enumerate(new, start=1):
            _apply(line, actor=actor, result=result)
            if progress is not None:
                progress(done, len(new))
        statement.lines_new = len(new)
        statement.lines_known = result.known
        statement.save(update_fields=["lines_new", "lines_known"])
        result.lines = new
    return result


def _apply(line: BankLine, *, actor: User | None, result: ImportResult) -> None:
    """Decide what a new line is (a payout's outcome, a deposit, or neither) and do it."""
    if line.note == "reversal":
        line.state = BankLineState.IGNORED
        line.note = _("A reversal booked by the bank: check it by hand.")
        line.save(update_fields=["state", "note"])
        result.ignored += 1
        return
    payout = (
        Payout.objects.filter(end_to_end_id=line.end_to_end_id).first()
        if line.end_to_end_id
        else None
    )
    if payout is not None:
        _apply_payout_line(line, payout, actor=actor, result=result)
        return
    if line.amount_cents < 0:
        line.state = BankLineState.IGNORED
        line.note = _("A debit that is not one of our payouts.")
        line.save(update_fields=["state", "note"])
        result.ignored += 1
        return
    requester_id = requester_id_in(line.remittance)
    requester = User.objects.filter(pk=requester_id).first() if requester_id is not None else None
    if requester is None or not requester.is_requester:
        _leave_unmatched(line, _("No requester's transfer reference was found."), result)
        return
    if line.currency != settings.MICROWORK_CURRENCY:
        _leave_unmatched(
            line,
            _("The transfer is in %(currency)s; accounts are in %(ours)s.")
            % {"currency": line.currency, "ours": settings.MICROWORK_CURRENCY},
            result,
        )
        return
    _credit(line, requester=requester, actor=actor)
    result.credited += 1


def _leave_unmatched(line: BankLine, note: str, result: ImportResult) -> None:
    line.state = BankLineState.UNMATCHED
    line.note = note[:500]
    line.save(update_fields=["state", "note"])
    result.unmatched += 1


def _credit(line: BankLine, *, requester: User, actor: User | None) -> None:
    line.posting = services.deposit_record(
        requester=requester,
        amount_cents=line.amount_cents,
        external_reference=f"bank:{line.key}",
        actor=actor,
        channel=DepositChannel.TRANSFER,
    )
    line.requester = requester
    line.state = BankLineState.CREDITED
    line.save(update_fields=["posting", "requester", "state", "note", "resolved_by", "resolved_at"])


def _apply_payout_line(
    line: BankLine, payout: Payout, *, actor: User | None, result: ImportResult
) -> None:
    line.payout = payout
    returned = bool(line.return_reason) or line.amount_cents > 0
    if payout.state != PayoutState.SENT:
        line.state = BankLineState.IGNORED
        line.note = _("Payout %(id)s is already %(state)s.") % {
            "id": payout.pk,
            "state": payout.get_state_display().lower(),
        }
        line.save(update_fields=["payout", "state", "note"])
        result.ignored += 1
        return
    if abs(line.amount_cents) != payout.amount_cents or line.currency != payout.currency:
        _leave_unmatched(
            line,
            _("Payout %(id)s was %(amount)s; the bank booked %(booked)s.")
            % {
                "id": payout.pk,
                "amount": format_money(payout.amount_cents, payout.currency),
                "booked": format_money(abs(line.amount_cents), line.currency),
            },
            result,
        )
        line.save(update_fields=["payout"])
        return
    if returned:
        settled = services.payout_mark_failed(
            payout=payout,
            reason=line.return_reason or _("returned by the bank"),
            actor=actor,
            bank_reference=line.entry_reference,
        )
        line.state = BankLineState.PAYOUT_FAILED
        result.failed += 1
    else:
        settled = services.payout_mark_paid(
            payout=payout, external_reference=line.entry_reference, actor=actor
        )
        line.state = BankLineState.PAYOUT_PAID
        result.paid += 1
    line.posting = settled.settle_posting
    line.save(update_fields=["payout", "state", "posting"])


@transaction.atomic
def bank_line_assign(*, line: BankLine, requester: User, actor: User) -> BankLine:
    """Staff: credit a waiting line to `requester` (the payer forgot or mistyped the
    reference). A line already resolved is refused; a retry of the same assignment is not."""
    locked = BankLine.objects.select_for_update().get(pk=line.pk)
    if locked.state == BankLineState.CREDITED and locked.requester_id == requester.pk:
        return locked
    if locked.state != BankLineState.UNMATCHED:
        raise BankingRefused(_("This line is not waiting for staff any more."))
    if locked.amount_cents <= 0:
        raise BankingRefused(_("Only money received can be credited to a requester."))
    if locked.currency != settings.MICROWORK_CURRENCY:
        raise BankingRefused(
            _("This transfer is in %(currency)s; accounts are in %(ours)s.")
            % {"currency": locked.currency, "ours": settings.MICROWORK_CURRENCY}
        )
    if not requester.is_requester:
        raise BankingRefused(_("Deposits go to requesters."))
    locked.note = ""
    locked.resolved_by = actor
    locked.resolved_at = timezone.now()
    _credit(locked, requester=requester, actor=actor)
    return locked


@transaction.atomic
def bank_line_dismiss(*, line: BankLine, reason: str, actor: User) -> BankLine:
    """Staff: a waiting line is not for any requester (paid back to the sender, a bank fee...);
    the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise BankingRefused(_("Say why the line is dismissed."))
    locked = BankLine.objects.select_for_update().get(pk=line.pk)
    if locked.state != BankLineState.UNMATCHED:
        raise BankingRefused(_("This line is not waiting for staff any more."))
    locked.state = BankLineState.DISMISSED
    locked.note = reason[:500]
    locked.resolved_by = actor
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["state", "note", "resolved_by", "resolved_at"])
    return locked


# --- out: payout files ----------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    payout: Payout
    reason: str


@dataclass
class SendResult:
    file: PayoutFile | None
    payouts: list[Payout]
    skipped: list[Skipped]


def _method(worker: User):
    """The worker's payout details (payments.PayoutMethod), or None."""
    return getattr(worker, "payout_method", None)


def end_to_end_id(payout: Payout) -> str:
    return f"MW-PAYOUT-{payout.pk}"


def _eligible(
    payouts, *, rails: set[str], now, euro_only: bool = False
) -> tuple[list[Payout], list[Skipped]]:
    chosen, skipped = [], []
    for payout in payouts:
        method = _method(payout.worker)
        if method is None:
            skipped.append(Skipped(payout, _("the worker has given no payout details")))
        elif method.kind not in rails:
            skipped.append(
                Skipped(
                    payout,
                    _("paid by %(kind)s, not in this file") % {"kind": method.get_kind_display()},
                )
            )
        elif method.changed_at > now - PAYOUT_METHOD_HOLD:
            skipped.append(Skipped(payout, _("payout details changed less than 24 hours ago")))
        elif euro_only and payout.currency != "EUR":
            skipped.append(Skipped(payout, _("SEPA transfers are in EUR only")))
        else:
            chosen.append(payout)
    return chosen, skipped


def _requested(*, lock: bool):
    payouts = (
        Payout.objects.filter(state=PayoutState.REQUESTED)
        .select_related("worker", "worker__payout_method")
        .order_by("pk")
    )
    return payouts.select_for_update(of=("self",)) if lock else payouts


def payouts_preview(
    *, rails: set[str], now=None, euro_only: bool = False
) -> tuple[list[Payout], list[Skipped]]:
    """What a payout file for `rails` would hold now, and what it would skip, and why."""
    return _eligible(
        _requested(lock=False), rails=rails, now=now or timezone.now(), euro_only=euro_only
    )


def _mark_sent(payouts: list[Payout], payout_file: PayoutFile, now) -> None:
    for payout in payouts:
        payout.state = PayoutState.SENT
        payout.payout_file = payout_file
        payout.sent_at = now
        payout.end_to_end_id = end_to_end_id(payout)
    Payout.objects.bulk_update(payouts, ["state", "payout_file", "sent_at", "end_to_end_id"])


@transaction.atomic
def payouts_send_sepa(
    *,
    actor: User | None,
    version: str = sepa.DEFAULT_VERSION,
    execution_date: datetime.date | None = None,
    now=None,
) -> SendResult:
    """Put every requested payout to a worker with an IBAN (unchanged for 24 hours) in one
    SEPA Credit Transfer file, validated against the ISO 20022 schema, and mark them sent.

    The payouts are locked first, so two staff generating files at once cannot put one payout
    in both. A file that fails validation raises SepaError and changes nothing.
    """
    now = now or timezone.now()
    chosen, skipped = _eligible(_requested(lock=True), rails={"iban"}, now=now, euro_only=True)
    if not chosen:
        return SendResult(file=None, payouts=[], skipped=skipped)
    transfers = [
        sepa.Transfer(
            end_to_end_id=end_to_end_id(payout),
            amount_cents=payout.amount_cents,
            iban=payout.worker.payout_method.iban,
            bic=payout.worker.payout_method.bic,
            name=payout.worker.payout_method.holder,
            description=f"microwork payout {payout.pk}",
        )
        for payout in chosen
    ]
    message_id, xml = sepa.build(
        transfers=transfers,
        debtor_name=settings.MICROWORK_OPERATOR_NAME,
        debtor_iban=settings.MICROWORK_OPERATOR_IBAN,
        debtor_bic=settings.MICROWORK_OPERATOR_BIC,
        version=version,
        execution_date=execution_date or timezone.localdate(now),
    )
    payout_file = PayoutFile.objects.create(
        message_id=message_id,
        format=version,
        content=xml.decode(),
        currency="EUR",
        payout_count=len(chosen),
        total_cents=sum(payout.amount_cents for payout in chosen),
        created_by=actor,
        created_at=now,
    )
    _mark_sent(chosen, payout_file, now)
    return SendResult(file=payout_file, payouts=chosen, skipped=skipped)


CSV_HEADER = [
    "payout_id",
    "end_to_end_id",
    "worker_id",
    "method",
    "paypal_email",
    "iban",
    "bic",
    "holder",
    "amount",
    "currency",
    "note",
]


@transaction.atomic
def payouts_send_csv(*, actor: User | None, rails: set[str], now=None) -> SendResult:
    """Put every requested payout paid by one of `rails` ("paypal", "iban") in a CSV file for
    another rail (PayPal mass pay, a bank's own upload...), and mark them sent; the same
    24-hour rule as SEPA files. Staff then mark each paid or failed."""
    now = now or timezone.now()
    chosen, skipped = _eligible(_requested(lock=True), rails=rails, now=now)
    if not chosen:
        return SendResult(file=None, payouts=[], skipped=skipped)
    message_id = f"MW-CSV-{now:%Y%m%d%H%M%S}-{chosen[0].pk}"
    rows = [CSV_HEADER]
    for payout in chosen:
        method = payout.worker.payout_method
        rows.append(
            [
                payout.pk,
                end_to_end_id(payout),
                payout.worker.worker_id,
                method.kind,
                method.paypal_email,
                method.iban,
                method.bic,
                method.holder,
                format_amount(payout.amount_cents),
                payout.currency,
                f"microwork payout {payout.pk}",
            ]
        )
    payout_file = PayoutFile.objects.create(
        message_id=message_id,
        format=PayoutFileFormat.CSV,
        content="".join(csv_lines(rows)),
        currency=chosen[0].currency,
        payout_count=len(chosen),
        total_cents=sum(payout.amount_cents for payout in chosen),
        created_by=actor,
        created_at=now,
    )
    _mark_sent(chosen, payout_file, now)
    return SendResult(file=payout_file, payouts=chosen, skipped=skipped)
