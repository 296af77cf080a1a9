"""Money pages: a requester's balance and statement, a worker's earnings and payouts, bonuses,
and the staff pages for deposits and payouts. Rules live in payments.services."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required, worker_required
from microwork.common.csvsafe import csv_lines
from microwork.common.money import format_money
from microwork.payments import selectors, services
from microwork.payments.enums import PayoutState
from microwork.payments.forms import BonusForm, DepositForm, PayoutForm, PayoutSettleForm
from microwork.payments.models import Payout
from microwork.work.models import Assignment

PAGE_SIZE = 50


def _amount_cell(cents: int) -> Decimal:
    # A number, not text, so the CSV writer leaves "-1.80" as it is (csvsafe.neutralise).
    return Decimal(cents).scaleb(-2)


def _messages_from_errors(request, form) -> None:
    """Show a form's errors as messages, for forms that redirect instead of re-rendering."""
    for field, errors in form.errors.items():
        text = " ".join(errors)
        if field in form.fields and not form.fields[field].widget.is_hidden:
            text = f"{form.fields[field].label}: {text}"
        messages.error(request, text)


@require_GET
@requester_required
def requester_balance(request):
    entries = selectors.requester_statement(request.user).order_by("-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/requester_balance.html",
        {"money": selectors.requester_money(request.user), "page": page},
    )


@require_GET
@requester_required
def requester_statement_csv(request):

    def rows():
        yield ["Date", "Kind", "Reference", "Batch", "Amount", "Balance"]
        running = 0
        for entry in selectors.requester_statement(request.user).iterator(chunk_size=2000):
            running += entry.amount_cents
            posting = entry.posting
            yield [
                posting.created_at.isoformat(),
                posting.get_kind_display(),
                posting.memo,
                posting.batch.name if posting.batch else "",
                _amount_cell(entry.amount_cents),
                _amount_cell(running),
            ]

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="microwork-statement.csv"'
    return response


@require_GET
@worker_required
def worker_earnings(request):
    page = Paginator(selectors.worker_earnings_history(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "payments/worker_earnings.html",
        {
            "money": selectors.worker_money(request.user),
            "page": page,
            "payouts": Payout.objects.filter(worker=request.user)[:20],
            "form": PayoutForm(),
            "threshold": format_money(
                settings.MICROWORK_PAYOUT_THRESHOLD_CENTS, settings.MICROWORK_CURRENCY
            ),
        },
    )


@require_POST
@worker_required
def payout_request(request):
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            payout = services.payout_request(
                worker=request.user,
                request_key=form.cleaned_data["request_key"],
                amount_cents=form.cleaned_data["amount"],
            )
        except services.PaymentRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("Payout of %(amount)s requested.")
                % {"amount": format_money(payout.amount_cents, payout.currency)},
            )
    else:
        _messages_from_errors(request, form)
    return redirect("payments:worker-earnings")


@require_POST
@requester_required
def bonus_send(request, assignment_id: str):
    assignment = get_object_or_404(
        Assignment.objects.select_related("task__batch__project", "worker"),
        public_id=assignment_id,
        task__batch__project__requester=request.user,
    )
    form = BonusForm(request.POST)
    if form.is_valid():
        try:
            bonus = services.bonus_send(
                requester=request.user,
                assignment=assignment,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                request_key=form.cleaned_data["request_key"],
            )
        except services.PaymentRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("Bonus of %(amount)s sent to %(worker)s.")
                % {
                    "amount": format_money(bonus.amount_cents, bonus.currency),
                    "worker": assignment.worker.worker_id,
                },
            )
    else:
        _messages_from_errors(request, form)
    url = reverse("projects:batch-review", args=[assignment.task.batch_id])
    return redirect(f"{url}#assignment-{assignment.public_id}")


@require_http_methods(["GET", "POST"])
@staff_member_required
def staff_deposit(request):
    form = DepositForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deposit_record(
                requester=form.cleaned_data["requester"],
                amount_cents=form.cleaned_data["amount"],
                external_reference=form.cleaned_data["external_reference"],
                actor=request.user,
            )
        except services.PaymentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Deposit recorded."))
            return redirect("payments:staff-deposit")
    return render(request, "payments/staff_deposit.html", {"form": form})


@require_http_methods(["GET", "POST"])
@staff_member_required
def staff_payouts(request):
    if request.method == "POST":
        form = PayoutSettleForm(request.POST)
        if form.is_valid():
            payout = form.cleaned_data["payout"]
            try:
                if form.cleaned_data["action"] == "paid":
                    services.payout_mark_paid(
                        payout=payout,
                        external_reference=form.cleaned_data["external_reference"],
                        actor=request.user,
                    )
                    done = _("Payout of %(amount)s marked paid.")
                else:
                    services.payout_cancel(payout=payout, actor=request.user)
                    done = _("Payout of %(amount)s cancelled; the worker has the money back.")
            except services.PaymentRefused as refused:
                messages.error(request, refused.message)
            else:
                messages.success(
                    request, done % {"amount": format_money(payout.amount_cents, payout.currency)}
                )
        else:
            _messages_from_errors(request, form)
        return redirect("payments:staff-payouts")
    payouts = (
        Payout.objects.filter(state=PayoutState.REQUESTED)
        .select_related("worker")
        .order_by("requested_at")
    )
    return render(request, "payments/staff_payouts.html", {"payouts": payouts})


@require_GET
@staff_member_required
def staff_payouts_csv(request):
    def rows():
        yield ["PayoutId", "WorkerId", "Email", "Amount", "Currency", "RequestedAt"]
        pending = (
            Payout.objects.filter(state=PayoutState.REQUESTED)
            .select_related("worker")
            .order_by("pk")
        )
        for payout in pending.iterator(chunk_size=2000):
            yield [
                payout.pk,
                payout.worker.worker_id,
                payout.worker.email,
                _amount_cell(payout.amount_cents),
                payout.currency,
                payout.requested_at.isoformat(),
            ]

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="microwork-pending-payouts.csv"'
    return response
