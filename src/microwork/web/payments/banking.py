"""Staff pages of bank transfers in and payout files out: import a statement, work the queue of
unmatched lines, send payout files and settle what other rails paid. Rules live in
payments.banking (docs/payouts.md)."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.common.money import format_money
from microwork.payments import banking, sepa
from microwork.payments import services as payments
from microwork.payments.bank_files import StatementError
from microwork.payments.bank_forms import (
    LineAssignForm,
    LineDismissForm,
    PayoutFileForm,
    SentPayoutForm,
    StatementUploadForm,
)
from microwork.payments.enums import BankLineState, PayoutFileFormat, PayoutState
from microwork.payments.models import BankLine, BankStatement, Payout, PayoutFile

PAGE_SIZE = 50


def _errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@require_http_methods(["GET", "POST"])
@staff_member_required
def staff_bank(request):
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["statement"]
        try:
            result = banking.statement_import(
                data=upload.read(), file_name=upload.name, actor=request.user
            )
        except StatementError as error:
            form.add_error("statement", error.message)
        else:
            messages.success(
                request,
                _(
                    "%(new)s new lines (%(known)s already imported): %(credited)s credited, "
                    "%(unmatched)s waiting for staff, %(paid)s payouts paid, %(failed)s failed."
                )
                % {
                    "new": len(result.lines),
                    "known": result.known,
                    "credited": result.credited,
                    "unmatched": result.unmatched,
                    "paid": result.paid,
                    "failed": result.failed,
                },
            )
            return redirect("payments:staff-bank-statement", pk=result.statement.pk)
    waiting = BankLine.objects.filter(state=BankLineState.UNMATCHED).order_by("pk")
    return render(
        request,
        "payments/staff_bank.html",
        {
            "form": form,
            "page": Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page")),
            "statements": BankStatement.objects.select_related("imported_by")[:20],
        },
    )


@require_GET
@staff_member_required
def staff_bank_statement(request, pk: int):
    statement = get_object_or_404(BankStatement, pk=pk)
    lines = statement.lines.select_related("requester", "payout").order_by("pk")
    return render(
        request,
        "payments/staff_bank_statement.html",
        {
            "statement": statement,
            "page": Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


@require_POST
@staff_member_required
def staff_bank_line_assign(request, pk: int):
    line = get_object_or_404(BankLine, pk=pk)
    form = LineAssignForm(request.POST)
    if form.is_valid():
        try:
            banking.bank_line_assign(
                line=line, requester=form.cleaned_data["requester"], actor=request.user
            )
        except banking.BankingRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("%(amount)s credited to %(email)s.")
                % {
                    "amount": format_money(line.amount_cents, line.currency),
                    "email": form.cleaned_data["requester"].email,
                },
            )
    else:
        _errors(request, form)
    return redirect("payments:staff-bank")


@require_POST
@staff_member_required
def staff_bank_line_dismiss(request, pk: int):
    line = get_object_or_404(BankLine, pk=pk)
    form = LineDismissForm(request.POST)
    if form.is_valid():
        try:
            banking.bank_line_dismiss(
                line=line, reason=form.cleaned_data["reason"], actor=request.user
            )
        except banking.BankingRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Line dismissed."))
    else:
        _errors(request, form)
    return redirect("payments:staff-bank")


@require_http_methods(["GET", "POST"])
@staff_member_required
def staff_payout_files(request):
    if request.method == "POST":
        form = PayoutFileForm(request.POST)
        if not form.is_valid():
            _errors(request, form)
            return redirect("payments:staff-payout-files")
        kind = form.cleaned_data["kind"]
        try:
            if kind == "sepa":
                result = banking.payouts_send_sepa(
                    actor=request.user,
                    version=form.cleaned_data["version"] or sepa.DEFAULT_VERSION,
                )
            else:
                rails = {"paypal"} if kind == "csv-paypal" else {"paypal", "iban"}
                result = banking.payouts_send_csv(actor=request.user, rails=rails)
        except sepa.SepaError as error:
            messages.error(request, _("No file was made: %(error)s") % {"error": error})
            return redirect("payments:staff-payout-files")
        for skipped in result.skipped:
            messages.warning(
                request,
                _("Payout %(id)s skipped: %(reason)s.")
                % {"id": skipped.payout.pk, "reason": skipped.reason},
            )
        if result.file is None:
            messages.error(request, _("No payout could go in this file."))
        else:
            messages.success(
                request,
                _("%(count)s payouts (%(total)s) are in file %(id)s and marked sent.")
                % {
                    "count": result.file.payout_count,
                    "total": format_money(result.file.total_cents, result.file.currency),
                    "id": result.file.message_id,
                },
            )
        return redirect("payments:staff-payout-files")
    sepa_ready, sepa_skipped = banking.payouts_preview(rails={"iban"}, euro_only=True)
    return render(
        request,
        "payments/staff_payout_files.html",
        {
            "form": PayoutFileForm(),
            "sepa_ready": sepa_ready,
            "sepa_skipped": sepa_skipped,
            "sent": Payout.objects.filter(state=PayoutState.SENT)
            .select_related("worker", "payout_file")
            .order_by("sent_at", "pk"),
            "files": PayoutFile.objects.select_related("created_by")[:20],
        },
    )


@require_GET
@staff_member_required
def staff_payout_file_download(request, pk: int):
    payout_file = get_object_or_404(PayoutFile, pk=pk)
    is_csv = payout_file.format == PayoutFileFormat.CSV
    response = HttpResponse(
        payout_file.content,
        content_type="text/csv; charset=utf-8" if is_csv else "application/xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{payout_file.file_name}"'
    return response


@require_POST
@staff_member_required
def staff_payout_sent_settle(request, pk: int):
    payout = get_object_or_404(Payout, pk=pk)
    form = SentPayoutForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if form.cleaned_data["action"] == "paid":
                payments.payout_mark_paid(
                    payout=payout, external_reference=note, actor=request.user
                )
                done = _("Payout %(id)s marked paid.")
            else:
                payments.payout_mark_failed(payout=payout, reason=note, actor=request.user)
                done = _("Payout %(id)s marked failed; the worker has the money back.")
        except payments.PaymentRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, done % {"id": payout.pk})
    else:
        _errors(request, form)
    return redirect("payments:staff-payout-files")
