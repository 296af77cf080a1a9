"""The terms of service: public pages of every version, in English and French, and the page
that asks a signed-in person to accept the version in force (accounts.terms)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from microwork.accounts import terms
from microwork.accounts.forms import TermsAcceptForm
from microwork.accounts.models import TermsVersion


def _text_language(request) -> str:
    """The language of the text: ?language=fr or =en, else the page's."""
    return terms.language_of_text(request.GET.get("language") or get_language())


def _version_context(request, version: TermsVersion | None) -> dict:
    language = _text_language(request)
    return {
        "version": version,
        "language": language,
        "other_languages": [code for code in ("en", "fr") if code != language],
        "text": version.text(language) if version else "",
        "summary": version.summary(language) if version else "",
        "in_force": terms.terms_in_force(),
        "upcoming": terms.terms_upcoming(),
        "versions": TermsVersion.objects.order_by("-number"),
    }


@require_GET
def terms_index(request):
    """The version in force (or, before any, the first one to come), and every version."""
    context = _version_context(request, None)
    version = context["in_force"] or (context["upcoming"] or [None])[0]
    return render(request, "accounts/terms.html", _version_context(request, version))


@require_GET
def terms_detail(request, number: int):
    version = TermsVersion.objects.filter(number=number).first()
    if version is None:
        raise Http404
    return render(request, "accounts/terms.html", _version_context(request, version))


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def terms_accept(request):
    """Ask to accept the version in force and those published after it. A GET only shows
    them; accepting is the POST."""
    to_accept = terms.terms_to_accept(request.user)
    if not to_accept:
        return redirect(_next(request))
    latest = to_accept[-1]
    form = TermsAcceptForm(request.POST or None, initial={"version": latest.number})
    if request.method == "POST" and form.is_valid():
        try:
            terms.terms_accept(user=request.user, number=form.cleaned_data["version"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you: you accepted the terms of service."))
            return redirect(_next(request))
    language = _text_language(request)
    return render(
        request,
        "accounts/terms_accept.html",
        {
            "form": form,
            "versions": [
                {
                    "version": version,
                    "text": version.text(language),
                    "summary": version.summary(language),
                }
                for version in to_accept
            ],
            "next": _next(request),
            "language": language,
        },
        status=400 if form.errors else 200,
    )
