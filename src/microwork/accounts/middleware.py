"""Django's AuthenticationMiddleware, with the request's user taken from the row its session was
read with (accounts/sessions/): one query for both instead of two; and the terms' gate."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import middleware
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from microwork.accounts import terms
from microwork.accounts.sessions import request_session


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))


def _get_user(request):
    """Django's get_user(request), while the request's session is lent to the backend."""
    lent = request_session.set(request.session)
    try:
        return middleware.get_user(request)
    finally:
        request_session.reset(lent)


# What a signed-in person who has not accepted the terms in force may still open (docs/terms.md):
# the terms themselves, logging out, what a refusal must leave within reach (their earnings and
# payouts, their data and the deletion of their account, email verification and unsubscribing),
# the site's fixed files, and the doors for programs (the admin, the REST API, the MTurk API),
# which keep working. Prefixes, by URL name and arguments.
_OPEN_PREFIXES = (
    ("terms:index", ()),
    ("accounts:logout", ()),
    ("set_language", ()),
    ("payments:worker-earnings", ()),
    ("fairness:my-data", ()),
    ("notifications:verify", ("-",)),
    ("notifications:unsubscribe", ("-",)),
    ("source-code", ()),
    ("security-txt", ()),
    ("favicon", ()),
    ("admin:index", ()),
    ("api-not-found", ()),
    ("mturk:endpoint", ()),
)


def _open_prefixes() -> tuple[str, ...]:
    found = []
    for name, args in _OPEN_PREFIXES:
        try:
            path = reverse(name, args=args)
        except NoReverseMatch:  # a door that is not installed
            continue
        found.append(path[: path.index("-/")] if args else path)
    return (*found, settings.STATIC_URL)


class TermsMiddleware:
    """Once a new version of the terms is in force, a signed-in person's next page is the page
    that asks them to accept it (accounts.terms; once: the acceptance is kept).

    Only pages asked with GET or HEAD are held: a form sent with POST (a task's answers sent at
    the moment the terms changed) goes through, and the page it leads to asks. The question is
    itself a page: accepting is a POST there, so no GET writes. Requests authenticated by an API
    token or an MTurk key carry no session user and are not concerned; the open addresses above
    never are. Knowing the version in force costs no query on most pages (accounts.terms)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def __call__(self, request):
        # The user first: an anonymous request (the API's schema, a public page) never reads
        # the versions, so it needs no database at all.
        if request.method in ("GET", "HEAD") and request.user.is_authenticated:
            if terms.needs_acceptance(request.user):
                if self._open is None:
                    self._open = _open_prefixes()
                if not request.path.startswith(self._open):
                    url = (
                        f"{reverse('terms:accept')}?{urlencode({'next': request.get_full_path()})}"
                    )
                    if request.headers.get("HX-Request"):
                        # htmx would put the page inside a fragment: it loads it whole instead.
                        response = HttpResponse(status=204)
                        response["HX-Redirect"] = url
                        return response
                    return redirect(url)
        return self.get_response(request)
