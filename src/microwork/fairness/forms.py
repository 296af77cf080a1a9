from django import forms
from django.utils.translation import gettext_lazy as _

SCORES = [(n, str(n)) for n in range(1, 6)]


class AppealForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say why the decision was wrong. The requester answers within 7 days."),
    )


class AppealAnswerForm(forms.Form):
    """The requester's (or staff's) decision; a denial needs a reason."""

    decision = forms.ChoiceField(
        choices=[("grant", _("Grant")), ("deny", _("Deny"))], widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=_("Answer to the worker"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_required = reason_required

    def clean(self):
        cleaned = super().clean()
        needs_reason = self.reason_required or cleaned.get("decision") == "deny"
        if needs_reason and not (cleaned.get("answer") or "").strip():
            self.add_error("answer", _("Give the reason; the worker will read it."))
        return cleaned

    @property
    def is_grant(self) -> bool:
        return self.cleaned_data["decision"] == "grant"


class RatingForm(forms.Form):
    fair = forms.TypedChoiceField(label=_("Fair"), choices=SCORES, coerce=int)
    fast = forms.TypedChoiceField(label=_("Fast"), choices=SCORES, coerce=int)
    pay = forms.TypedChoiceField(label=_("Pay"), choices=SCORES, coerce=int)
    communication = forms.TypedChoiceField(label=_("Communication"), choices=SCORES, coerce=int)


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password
