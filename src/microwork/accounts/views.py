from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from microwork.accounts.decorators import worker_required
from microwork.accounts.forms import SignUpForm, WorkerSettingsForm
from microwork.accounts.models import WorkerProfile
from microwork.accounts.services import EmailTaken, user_sign_up, worker_profile_update


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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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
    form = WorkerSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            worker_profile_update(worker=request.user, **form.cleaned_data)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:worker-settings")
    return render(request, "accounts/worker_settings.html", {"form": form, "profile": profile})
