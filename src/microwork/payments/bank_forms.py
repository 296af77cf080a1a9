"""Staff forms of bank transfers and payout files (payments/banking.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.payments import bank_files, sepa


class StatementUploadForm(forms.Form):
    statement = forms.FileField(
        label=_("Bank statement"),
        help_text=_("CAMT.053 or CAMT.054 XML from your bank, or a CSV (docs/payouts.md)."),
    )

    def clean_statement(self):
        upload = self.cleaned_data["statement"]
        if upload.size > bank_files.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class LineAssignForm(forms.Form):
    requester = forms.EmailField(label=_("Requester email"))

    def clean_requester(self):
        email = self.cleaned_data["requester"].strip()
        user = User.objects.filter(email__iexact=email, role=Role.REQUESTER).first()
        if user is None:
            raise forms.ValidationError(_("No requester has this email."))
        return user


class LineDismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class PayoutFileForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("sepa", _("SEPA credit transfer")),
            ("csv-paypal", _("CSV of PayPal payouts")),
            ("csv-all", _("CSV of every payout")),
        ]
    )
    version = forms.ChoiceField(
        label=_("SEPA version"),
        choices=[(value, value) for value in sepa.VERSIONS.values()],
        initial=sepa.DEFAULT_VERSION,
        required=False,
    )


class SentPayoutForm(forms.Form):
    action = forms.ChoiceField(choices=[("paid", _("Mark paid")), ("failed", _("Mark failed"))])
    note = forms.CharField(label=_("Reference or reason"), max_length=200)
