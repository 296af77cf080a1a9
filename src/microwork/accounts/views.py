from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from microwork.accounts.forms import SignUpForm
from microwork.accounts.services import EmailTaken, user_sign_up


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
