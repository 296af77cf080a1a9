import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from microwork.accounts import two_factor
from microwork.accounts.decorators import worker_required
from microwork.accounts.forms import EmailChangeForm, LoginForm, SignUpForm, WorkerSettingsForm
from microwork.accounts.models import User, WorkerProfile
from microwork.accounts.services import (
    EmailTaken,
    terms_latest_number,
    user_email_change,
    user_language_set,
    user_sign_up,
    worker_profile_update,
)
from microwork.notifications.services import (
    email_changed_notice_send,
    email_in_use_notice_send,
    email_verification_send,
)
from microwork.web.ratelimits import rate_limited


def language_cookie_set(response, language: str):
    """Set the language cookie as Django's set_language view does; "" removes it."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


class LoginView(auth_views.LoginView):
    """Django's login, which also brings back the language the user chose in their settings."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.is_enabled(user):
            # The password was right; the login is finished by the code page
            # (web/accounts/two_factor_views.py login_code), for this account only.
            self.request.session[two_factor.PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login-code")
        response = super().form_valid(form)
        language = user.language
        return language_cookie_set(response, language) if language else response


def home(request):
    """Send each role to its own start page; visitors see what microwork is."""
    if request.user.is_authenticated:
        if request.user.is_worker:
            return redirect("work:marketplace")
        if request.user.is_requester:
            return redirect("projects:project-list")
    return render(request, "home.html")


@require_http_methods(["GET", "POST"])
@rate_limited("signup")
def sign_up(request):
    """Make an account and mail its verification link. The answer is the same page whether
    or not the address already has an account (so the page cannot be asked who is a member):
    the owner of a taken address gets a mail saying someone tried, and nobody is logged in."""
    form = SignUpForm(request.POST or None, terms_number=terms_latest_number())
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            user = user_sign_up(
                email=email,
                password=form.cleaned_data["password"],
                role=form.cleaned_data["role"],
                display_name=form.cleaned_data["display_name"],
                terms_number=form.cleaned_data.get("terms_version"),
            )
        except ValidationError as error:
            # New terms were published while the page was open: it shows them, to accept anew.
            latest = terms_latest_number()
            data = request.POST.copy()
            data["terms_version"] = str(latest)
            data.pop("accept_terms", None)
            form = SignUpForm(data, terms_number=latest)
            form.full_clean()
            form.add_error(None, error.messages)
            return render(request, "accounts/signup.html", {"form": form}, status=400)
        except EmailTaken:
            # The password hash a new account costs, spent here too, so that the time the
            # answer takes does not tell either.
            make_password(form.cleaned_data["password"])
            owner = User.objects.filter(email__iexact=email).first()
            if owner is not None:
                email_in_use_notice_send(user=owner, attempt="signup")
        else:
            email_verification_send(user=user)
        return redirect("accounts:signup-done")
    return render(request, "accounts/signup.html", {"form": form})


def sign_up_done(request):
    return render(request, "accounts/signup_done.html")


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request):
    """Move the account to a new address, unverified until the link mailed there is followed;
    the old address is told. A taken address gets the same answer, and its owner a mail."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_email = request.user.email
        new_email = form.cleaned_data["email"]
        try:
            user = user_email_change(
                user=request.user, email=new_email, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        except EmailTaken:
            owner = User.objects.filter(email__iexact=new_email).first()
            if owner is not None and owner.pk != request.user.pk:
                email_in_use_notice_send(user=owner, attempt="change")
            return _email_change_sent(request, new_email)
        else:
            if user.email != old_email:
                email_verification_send(user=user)
                email_changed_notice_send(user=user, old_email=old_email)
            return _email_change_sent(request, new_email)
    return render(request, "accounts/email_change.html", {"form": form})


def _email_change_sent(request, email: str):
    messages.success(
        request,
        _("We sent a link to %(email)s: follow it to confirm the address.") % {"email": email},
    )
    return redirect("accounts:email-change")


@worker_required
@require_http_methods(["GET", "POST"])
def worker_settings(request):
    profile = WorkerProfile.objects.filter(user=request.user).first()
    initial = (
        {
            "country": profile.country,
            "subdivision": profile.subdivision,
            "is_adult": profile.is_adult,
        }
        if profile
        else {}
    )
    initial["language"] = request.user.language
    form = WorkerSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        language = fields.pop("language")
        # Only a changed choice touches the cookie, so saving the country keeps the language
        # picked in the page footer.
        language_changed = language != request.user.language
        try:
            worker_profile_update(worker=request.user, **fields)
            user_language_set(user=request.user, language=language)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            if language_changed and language:
                translation.activate(language)
            messages.success(request, _("Settings saved."))
            response = redirect("accounts:worker-settings")
            return language_cookie_set(response, language) if language_changed else response
    return render(request, "accounts/worker_settings.html", {"form": form, "profile": profile})
