"""Notification pages: the list (mark one or all read), the preferences, and the two pages
reached from an email without logging in (unsubscribe, verify an address), whose signed token
is their authority: a GET shows what a POST would do, only the POST does it.

Every lookup is scoped to its owner: another person's notification is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.models import User
from microwork.notifications import selectors, services, tokens
from microwork.notifications.enums import NotificationKind
from microwork.notifications.forms import PreferencesForm
from microwork.notifications.models import Notification

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "items": selectors.shown(page.object_list)},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark it read, then go where it points (`next`, a path on this site) or back to the list."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(notification=notification, user=request.user)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    kinds = selectors.kinds_for(request.user)
    current = selectors.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, kinds=kinds, initial_deliveries=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_set(user=request.user, deliveries=form.cleaned_data)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "is_verified": services.is_email_verified(request.user)},
    )


@login_required
@require_POST
def verification_send(request):
    services.email_verification_send(user=request.user)
    messages.success(
        request,
        _("We sent a link to %(email)s: open it to confirm the address.")
        % {"email": request.user.email},
    )
    return redirect("notifications:preferences")


def _unsubscribe_target(token: str) -> tuple[User, str | None]:
    try:
        user_id, kind = tokens.unsubscribe_read(token)
    except signing.BadSignature:
        raise Http404 from None
    if kind is not None and kind not in NotificationKind.values:
        raise Http404
    return get_object_or_404(User, pk=user_id, is_active=True), kind


# The token is the authority, not a session: a mail client's one-click POST (RFC 8058) carries
# no CSRF token, and a forged request can only unsubscribe the person the signed token names.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    user, kind = _unsubscribe_target(token)
    kind_label = NotificationKind(kind).label if kind else None
    if request.method == "POST":
        services.unsubscribe(user=user, kind=kind)
        return render(
            request, "notifications/unsubscribe.html", {"done": True, "kind_label": kind_label}
        )
    return render(
        request,
        "notifications/unsubscribe.html",
        {"done": False, "kind_label": kind_label, "email": user.email},
    )


@require_http_methods(["GET", "POST"])
def verify(request, token: str):
    try:
        user_id, email = tokens.verify_read(token)
    except signing.SignatureExpired:
        return render(request, "notifications/verify.html", {"expired": True}, status=410)
    except signing.BadSignature:
        raise Http404 from None
    user = get_object_or_404(User, pk=user_id, is_active=True)
    if request.method == "POST":
        try:
            services.email_verify(user=user, email=email)
        except ValidationError as error:
            return render(
                request, "notifications/verify.html", {"error": error.messages[0]}, status=409
            )
        return render(request, "notifications/verify.html", {"done": True, "email": email})
    return render(request, "notifications/verify.html", {"email": email})
