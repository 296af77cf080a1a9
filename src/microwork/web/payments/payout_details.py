"""A worker's payout details: where their payouts go (payments.payout_methods)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from microwork.accounts.decorators import worker_required
from microwork.payments import payout_methods
from microwork.payments.forms import PayoutMethodForm
from microwork.payments.models import PayoutMethod


@require_http_methods(["GET", "POST"])
@worker_required
def payout_method(request):
    current = PayoutMethod.objects.filter(worker=request.user).first()
    initial = {}
    if current is not None:
        initial = {
            "kind": current.kind,
            "iban": current.iban,
            "holder": current.holder,
            "paypal_email": current.paypal_email,
        }
    form = PayoutMethodForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            method = payout_methods.payout_method_set(
                worker=request.user,
                kind=data["kind"],
                iban=data["iban"],
                holder=data["holder"],
                paypal_email=data["paypal_email"],
            )
        except payout_methods.PayoutMethodInvalid as invalid:
            form.add_error(invalid.field if invalid.field in form.fields else None, invalid.message)
        else:
            if current is not None and method.changed_at == current.changed_at:
                messages.info(request, _("These are already your payout details: nothing changed."))
            else:
                until = method.changed_at + payout_methods.PAYOUT_METHOD_HOLD
                messages.success(
                    request,
                    _(
                        "Payout details saved. We told you about the change by email; payouts "
                        "are possible again from %(when)s."
                    )
                    % {"when": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")},
                )
            return redirect("payments:payout-method")
    until = payout_methods.payouts_possible_from(request.user)
    return render(
        request,
        "payments/payout_method.html",
        {
            "form": form,
            "current": current,
            "held_until": until,
            "hold_hours": int(payout_methods.PAYOUT_METHOD_HOLD.total_seconds() // 3600),
        },
    )
