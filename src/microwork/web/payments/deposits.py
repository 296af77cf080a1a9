"""Card deposits, Stripe's webhook and receipts (docs/deposits.md). Rules live in
payments.cards and payments.receipts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required
from microwork.payments import cards, receipts
from microwork.payments.forms import CardDepositForm
from microwork.payments.models import CardDeposit, Receipt
from microwork.payments.services import PaymentRefused


@require_http_methods(["GET", "POST"])
@requester_required
def card_deposit(request):
    """The "Add funds" page: an amount, then Stripe's payment page."""
    enabled = cards.card_payments_enabled()
    form = CardDepositForm(request.POST or None)
    if request.method == "POST" and enabled and form.is_valid():
        try:
            deposit = cards.card_deposit_create(
                requester=request.user,
                amount_cents=form.cleaned_data["amount"],
                request_key=form.cleaned_data["request_key"],
            )
            detail = request.build_absolute_uri(
                reverse("payments:card-deposit-detail", args=[deposit.pk])
            )
            deposit = cards.card_deposit_checkout(
                deposit=deposit, success_url=f"{detail}?paid=1", cancel_url=detail
            )
        except PaymentRefused as refused:
            form.add_error(None, refused.message)
        else:
            # 303: the browser GETs Stripe's page, whatever the method that led here.
            response = redirect(deposit.checkout_url)
            response.status_code = 303
            return response
    status = 200 if request.method == "GET" or enabled else 503
    return render(
        request,
        "payments/card_deposit.html",
        {
            "form": form,
            "enabled": enabled,
            "deposits": CardDeposit.objects.filter(requester=request.user)[:20],
        },
        status=status,
    )


@require_GET
@requester_required
def card_deposit_detail(request, pk: int):
    """Where Stripe sends the requester back: the deposit as the webhook has left it."""
    deposit = get_object_or_404(
        CardDeposit.objects.select_related("posting__receipt"), pk=pk, requester=request.user
    )
    return render(
        request,
        "payments/card_deposit_detail.html",
        {
            "deposit": deposit,
            "returned_paid": request.GET.get("paid") == "1",
            "receipt": getattr(deposit.posting, "receipt", None) if deposit.posting else None,
        },
    )


@csrf_exempt  # Stripe cannot send our CSRF token: its signature stands for it
@require_POST
def stripe_webhook(request):
    """Stripe's events. 503 while card payments are off; 400 for anything not signed by
    Stripe with our secret in the last five minutes (nothing recorded); 200 once recorded,
    including a replay (Stripe then stops sending it)."""
    if not cards.card_payments_enabled():
        return HttpResponse(
            "Card payments are not enabled on this site.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    try:
        event = cards.stripe_event_verify(request.body, request.headers.get("Stripe-Signature", ""))
    except cards.EventInvalid as invalid:
        return HttpResponse(f"{invalid}\n", status=400, content_type="text/plain; charset=utf-8")
    record, applied = cards.stripe_event_apply(event)
    return JsonResponse({"received": True, "outcome": record.outcome, "duplicate": not applied})


def _receipt_for(request, number: str) -> Receipt:
    """The receipt `number`, for its requester or staff: another requester's is a 404."""
    receipt = Receipt.objects.filter(number=number).first()
    if request.user.is_staff:
        if receipt is None:
            raise Http404
        return receipt
    if not request.user.is_requester:
        raise PermissionDenied
    if receipt is None or receipt.requester_id != request.user.pk:
        raise Http404
    return receipt


@require_GET
@requester_required
def receipt_list(request):
    return render(
        request,
        "payments/receipt_list.html",
        {"receipts": Receipt.objects.filter(requester=request.user)[:200]},
    )


@require_GET
@login_required
def receipt_detail(request, number: str):
    receipt = _receipt_for(request, number)
    return render(
        request,
        "payments/receipt.html",
        {"receipt": receipt, "lines": receipts.receipt_lines(receipt)},
    )


@require_GET
@login_required
def receipt_pdf(request, number: str):
    receipt = _receipt_for(request, number)
    response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.number}.pdf"'
    return response
