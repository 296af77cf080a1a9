from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from microwork.accounts.countries import country_choices
from microwork.accounts.enums import ApiTokenScope, Role
from microwork.accounts.models import User


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Requesters: shown to workers. Workers are only ever shown by worker id."),
    )
    role = forms.ChoiceField(
        label=_("I want to"),
        choices=[
            (Role.WORKER, _("work on tasks (worker)")),
            (Role.REQUESTER, _("publish tasks (requester)")),
        ],
        widget=forms.RadioSelect,
        initial=Role.WORKER,
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    # Once terms are published: the latest version's number, shown with a link, and the box.
    terms_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    accept_terms = forms.BooleanField(label=_("I accept the terms of service"), required=True)

    def __init__(self, *args, terms_number: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if terms_number:
            self.fields["terms_version"].initial = terms_number
            self.fields["accept_terms"].help_text = format_lazy(
                _('Version {number}: <a href="{url}">read them</a>.'),
                number=terms_number,
                url=reverse_lazy("terms:detail", args=[terms_number]),
            )
        else:
            del self.fields["terms_version"], self.fields["accept_terms"]

    def clean_email(self):
        # No "this address has an account" here: the page answers the same for a taken address
        # (web/accounts/views.py sign_up, docs/adr/0027), and the owner is told by email.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New email address"))
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True})
    )


class AdminUserCreationForm(forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["email", "role"]

    def clean_password2(self):
        if self.cleaned_data.get("password1") != self.cleaned_data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return self.cleaned_data["password2"]

    def save(self, commit=True):
        from microwork.common.ids import new_worker_id

        user = super().save(commit=False)
        user.email = user.email.lower()
        user.set_password(self.cleaned_data["password1"])
        if user.role == Role.WORKER and not user.worker_id:
            user.worker_id = new_worker_id()
        if commit:
            user.save()
        return user


class WorkerSettingsForm(forms.Form):
    """The worker's own facts that requesters may require: where they live and their age."""

    country = forms.ChoiceField(
        label=_("Country"),
        # A callable, so each request lists the countries in its own language and order.
        choices=lambda: [("", _("Not given")), *country_choices()],
        required=False,
        help_text=_("Projects limited to some countries are shown only once you give yours."),
    )
    subdivision = forms.CharField(
        label=_("State or region (optional)"),
        max_length=6,
        required=False,
        help_text=_("Its ISO 3166-2 code, e.g. WA for Washington (US-WA)."),
    )
    is_adult = forms.BooleanField(label=_("I am 18 or older"), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        # Each language by its own name, as in the switcher at the foot of every page.
        choices=[("", _("The browser's language"))]
        + [
            (code, get_language_info(code)["name_local"].capitalize())
            for code, _name in settings.LANGUAGES
        ],
        required=False,
        help_text=_("Applied now and each time you log in, on any device."),
    )


class ApiTokenCreateForm(forms.Form):
    """A personal API token's name and scope (accounts/tokens.py checks them again)."""

    name = forms.CharField(label=_("Name (what uses the token)"), max_length=100)
    scope = forms.ChoiceField(
        label=_("Scope"), choices=ApiTokenScope.choices, initial=ApiTokenScope.READ
    )


class TermsAcceptForm(forms.Form):
    """Accept the versions shown, up to `version` (accounts.terms.terms_accept checks it)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    accept = forms.BooleanField(label=_("I accept these terms of service"), required=True)
