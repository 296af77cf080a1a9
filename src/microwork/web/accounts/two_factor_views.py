"""Two-factor login pages (accounts/two_factor.py, docs/adr/0027): the code asked after the
password, and the settings page that sets up an authenticator (a QR code drawn on the server),
shows the backup codes once, and turns two-factor login off with the password and a code."""

import time

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from microwork.accounts import two_factor
from microwork.accounts.models import User
from microwork.web.accounts.views import language_cookie_set


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or a backup code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class DisableForm(CodeForm):
    password = forms.CharField(
        label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False
    )


def _two_factor_user(request):
    """The signed-in requester or staff member, else a login or a 403."""
    if not request.user.is_authenticated:
        return None
    if not two_factor.may_use(request.user):
        raise PermissionDenied
    return request.user


def _pending_user(request) -> tuple[User | None, dict]:
    """The account whose password was given on the login page, if still fresh."""
    pending = request.session.get(two_factor.PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > two_factor.PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step of a login: the code of the account whose password was right (kept in
    the session for five minutes), or, for a signed-in staff member whose session has not
    given one (logged in on the admin's page), that member's code."""
    if request.user.is_authenticated:
        user, pending = request.user, {}
        if request.user.is_verified():
            return redirect(_next(request, {}))
        if not two_factor.is_enabled(user):
            return redirect("accounts:two-factor")
    else:
        user, pending = _pending_user(request)
        if user is None:
            return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("Wrong or already used code."))
        else:
            target = _next(request, pending)
            if not request.user.is_authenticated:
                request.session.pop(two_factor.PENDING_KEY, None)
                login(request, user, backend=pending["backend"])
            django_otp.login(request, device)
            response = redirect(target)
            if user.language:
                response = language_cookie_set(response, user.language)
            return response
    return render(request, "accounts/login_code.html", {"form": form}, status=200)


def _next(request, pending: dict) -> str:
    target = pending.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


def two_factor_settings(request):
    user = _two_factor_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    device = two_factor.pending_device(user)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "is_enabled": two_factor.is_enabled(user),
            "is_required": two_factor.is_required(user),
            "codes_left": two_factor.backup_codes_left(user),
            "pending": device,
            "qr_code": two_factor.qr_code_data_uri(device) if device else "",
            "secret": two_factor.secret_for_typing(device) if device else "",
            "confirm_form": CodeForm(),
            "disable_form": DisableForm(),
        },
    )


@require_POST
def two_factor_start(request):
    user = _two_factor_user(request)
    if user is None:
        return redirect("accounts:login")
    two_factor.totp_device_start(user=user)
    return redirect("accounts:two-factor")


@require_POST
def two_factor_confirm(request):
    """Confirm the new authenticator with one of its codes; the answer shows the backup codes,
    this once (it is not a redirect, so that they are in no address or history)."""
    user = _two_factor_user(request)
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            device, codes = two_factor.totp_device_confirm(
                user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:two-factor")
        django_otp.login(request, device)
        return render(request, "accounts/two_factor_codes.html", {"codes": codes})
    messages.error(request, _("Type the code your app shows."))
    return redirect("accounts:two-factor")


@require_POST
def two_factor_disable(request):
    user = _two_factor_user(request)
    if user is None:
        return redirect("accounts:login")
    form = DisableForm(request.POST)
    if form.is_valid():
        try:
            two_factor.two_factor_disable(
                user=user, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Two-factor login is off."))
    else:
        messages.error(request, _("Give your password and a code."))
    return redirect("accounts:two-factor")
