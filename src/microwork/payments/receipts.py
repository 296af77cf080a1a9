"""Numbered receipts of deposits (docs/deposits.md, docs/adr/0024).

Every deposit passes through services.deposit_record(), which issues its receipt in the same
transaction: a card payment, a bank transfer matched from a statement, a payment staff typed.
Numbers run per year without gap ("2026-000001"): each receipt takes the next number under the
year's counter row lock, and a deposit that rolls back takes its number back with it.

What the receipt says of the operator (MICROWORK_OPERATOR_* settings) and of the requester is
copied when it is issued, so it never changes afterwards.
"""

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.common.money import format_money
from microwork.payments.enums import DepositChannel
from microwork.payments.models import Posting, Receipt, ReceiptCounter


def operator_details() -> dict:
    """The operator as the settings name them, for a receipt's header."""
    return {
        "name": settings.MICROWORK_OPERATOR_NAME,
        "address": settings.MICROWORK_OPERATOR_ADDRESS,
        "vat_id": settings.MICROWORK_OPERATOR_VAT_ID,
        "registration": settings.MICROWORK_OPERATOR_REGISTRATION,
        "email": settings.MICROWORK_OPERATOR_EMAIL,
    }


def receipt_issue(
    *,
    posting: Posting,
    requester: User,
    amount_cents: int,
    currency: str,
    channel: DepositChannel,
    reference: str,
) -> Receipt:
    """Issue the receipt of the deposit `posting`, numbered next in this year.

    Must run inside the deposit's transaction: the counter row stays locked until it commits,
    so two deposits at once get two consecutive numbers, and a rollback leaves no gap.
    """
    issued_at = timezone.now()
    year = timezone.localtime(issued_at).year
    # get_or_create survives two first receipts of a year at once: the loser of the insert
    # reads the winner's row, then waits on its lock below.
    ReceiptCounter.objects.get_or_create(year=year)
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return Receipt.objects.create(
        number=f"{year}-{counter.last:06d}",
        year=year,
        sequence=counter.last,
        posting=posting,
        requester=requester,
        amount_cents=amount_cents,
        currency=currency,
        channel=channel,
        reference=reference[:200],
        issued_at=issued_at,
        customer={"name": requester.display_name, "email": requester.email},
        operator=operator_details(),
    )


def receipt_lines(receipt: Receipt) -> list[tuple[str, str]]:
    """The receipt's facts as (label, value), in the active language: the page and the PDF
    show the same."""
    customer = receipt.customer
    return [
        (_("Receipt number"), receipt.number),
        (_("Date"), formats.date_format(timezone.localtime(receipt.issued_at), "DATETIME_FORMAT")),
        (
            _("Received from"),
            ", ".join(part for part in (customer.get("name"), customer.get("email")) if part),
        ),
        (_("Payment"), receipt.get_channel_display()),
        (_("Reference"), receipt.reference),
        (_("Amount received"), format_money(receipt.amount_cents, receipt.currency)),
    ]


def _latin1(text: str) -> str:
    # The PDF's built-in Helvetica covers Latin-1 (French included); anything else becomes "?"
    # rather than failing the download (docs/adr/0024 says why no font file is bundled).
    return str(text).encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a one-page PDF (fpdf2), in the active language."""
    from fpdf import FPDF  # imported on use: only a receipt download needs it

    operator = receipt.operator
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(_("Receipt %(number)s") % {"number": receipt.number}))
    pdf.set_creator("microwork")
    pdf.set_creation_date(receipt.issued_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(operator.get("name", "")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in (operator.get("address") or "").splitlines():
        pdf.cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    if operator.get("vat_id"):
        pdf.cell(
            0,
            5,
            _latin1(_("VAT number: %(vat)s") % {"vat": operator["vat_id"]}),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if operator.get("registration"):
        pdf.cell(0, 5, _latin1(operator["registration"]), new_x="LMARGIN", new_y="NEXT")
    if operator.get("email"):
        pdf.cell(0, 5, _latin1(operator["email"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0,
        10,
        _latin1(_("Receipt %(number)s") % {"number": receipt.number}),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    for label, value in receipt_lines(receipt):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(50, 7, _latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        _latin1(
            _(
                "This receipt confirms that the amount above was credited to your microwork "
                "balance. It is not an invoice for the platform's fees."
            )
        ),
    )
    return bytes(pdf.output())
