import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.money import InvalidAmount, parse_amount
from microwork.payments.enums import PayoutMethodKind
from microwork.payments.models import Payout, Posting


class AmountField(forms.CharField):
    """An amount typed as "0.50", cleaned to integer minor units."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            cents = parse_amount(value)
        except InvalidAmount as error:
            raise forms.ValidationError(str(error)) from None
        if cents <= 0:
            raise forms.ValidationError(_("The amount must be more than zero."))
        return cents


def new_request_key() -> str:
    return uuid.uuid4().hex


class RequestKeyMixin(forms.Form):
    # Rendered once with the form: a double click or a resubmitted page sends the same key,
    # so the money moves once.
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=new_request_key)


class BonusForm(RequestKeyMixin):
    amount = AmountField(label=_("Bonus"), max_length=20, help_text=_("For example 0.25"))
    reason = forms.CharField(
        label=_("Reason (the worker sees it)"),
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, form_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if form_id:
            # The review page lists its rows inside the review <form>, and forms cannot nest:
            # each row's bonus inputs name the <form> they belong to instead.
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id


class PayoutForm(RequestKeyMixin):
    amount = AmountField(
        label=_("Amount"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to be paid everything available."),
    )


class DepositForm(forms.Form):
    requester = forms.EmailField(label=_("Requester email"))
    amount = AmountField(label=_("Amount"), max_length=20)
    external_reference = forms.CharField(label=_("External reference"), max_length=200)

    def clean_requester(self):
        email = self.cleaned_data["requester"].strip().lower()
        user = User.objects.filter(email__iexact=email, role=Role.REQUESTER).first()
        if user is None:
            raise forms.ValidationError(_("No requester has this email."))
        return user

    def clean_external_reference(self):
        reference = self.cleaned_data["external_reference"].strip()
        # services.deposit_record() would quietly return the first deposit (its idempotency key
        # is the reference); staff must hear that this payment was credited already.
        if Posting.objects.filter(idempotency_key=f"deposit:{reference}").exists():
            raise forms.ValidationError(_("A deposit with this reference was already recorded."))
        return reference


class PayoutSettleForm(forms.Form):
    # Any state: settling a payout twice the same way is a retry, answered by the service.
    payout = forms.ModelChoiceField(queryset=Payout.objects.all(), widget=forms.HiddenInput)
    external_reference = forms.CharField(
        label=_("External reference"), max_length=200, required=False
    )
    action = forms.ChoiceField(choices=[("paid", _("Mark paid")), ("cancel", _("Cancel"))])


class CardDepositForm(RequestKeyMixin):
    amount = AmountField(label=_("Amount"), max_length=20, help_text=_("For example 50.00"))


class PayoutMethodForm(forms.Form):
    """Where payouts go. The service validates the IBAN (schwifty) and the rest; the form
    checks the current password, since a change is what a stolen session would do first."""

    kind = forms.ChoiceField(
        label=_("Paid to"), choices=PayoutMethodKind.choices, widget=forms.RadioSelect
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        required=False,
        help_text=_("For example FR76 3000 6000 0112 3456 7890 189"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    holder = forms.CharField(
        label=_("Account holder"),
        max_length=70,
        required=False,
        help_text=_("Your name as your bank knows it."),
    )
    paypal_email = forms.EmailField(label=_("PayPal email"), required=False)
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."))
        return password
