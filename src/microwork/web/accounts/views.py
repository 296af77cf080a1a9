from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from microwork.accounts.decorators import worker_required
from microwork.accounts.forms import LoginForm, SignUpForm, WorkerSettingsForm
from microwork.accounts.models import WorkerProfile
from microwork.accounts.services import (
    EmailTaken,
    user_language_set,
    user_sign_up,
    worker_profile_update,
)
from microwork.notifications.services import email_verification_send


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
        response = super().form_valid(form)
        language = form.get_user().language
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
def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                role=form.cleaned_data["role"],
                display_name=form.cleaned_data["display_name"],
            )
        except EmailTaken:
            form.add_error("email", _("An account with this email already exists."))
        else:
            email_verification_send(user=user)
            login(request, user, backend="microwork.accounts.backends.UserBackend")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


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
