"""Who is calling: a personal token (`Authorization: Bearer mwk_...`, accounts/tokens.py) or the
site's session with its CSRF token (`X-CSRFToken`), for the site's own pages.

Use as a router's or an operation's `auth=`: `auth.any_user`, `auth.worker`, `auth.requester`
(lists of ninja auth callables; `request.auth` is then the User, and `request.api_token` the
token when one was used). `worker_required`/`requester_required` do the role check as
decorators, for an operation under `auth.any_user`.

Refusals: no credential, or an unknown or revoked token: 401. A read-scoped token on a POST,
PUT, PATCH or DELETE, the wrong role, a session request without its CSRF token: 403. An address
that sent FAILURE_LIMIT bad tokens within FAILURE_WINDOW_SECONDS is answered 429 instead of
401 until the window ends (counted in Django's cache). Only a bad token touches the cache: a
good one costs nothing more, and is never refused for others' mistakes at the same address.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.accounts.tokens import api_token_authenticate
from microwork.api.limits import api_rate_limit
from microwork.api.problems import ApiProblem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FAILURE_LIMIT = 20
FAILURE_WINDOW_SECONDS = 300
_ROLE_NAMES = {Role.WORKER: "workers", Role.REQUESTER: "requesters"}


def _failure_key(request) -> str:
    return "api-auth-failures:" + request.META.get("REMOTE_ADDR", "")


def _count_failure(request) -> int:
    """Count one more bad token from the request's address; the count in this window."""
    key = _failure_key(request)
    # add() starts the window; incr() never extends it, so the count falls back to zero
    # FAILURE_WINDOW_SECONDS after the first failure.
    if cache.add(key, 1, FAILURE_WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, FAILURE_WINDOW_SECONDS)
        return 1


def check_role(user: User, role: Role | None) -> User:
    """`user`, if `role` is None or theirs; a 403 problem otherwise."""
    if role is not None and user.role != role:
        raise ApiProblem(403, "forbidden", f"This endpoint is for {_ROLE_NAMES[role]}.")
    return user


class TokenAuth(HttpBearer):
    """A personal token. No Authorization header: not this door (None); any other header that
    does not name an active token: 401, never a fall back to the session."""

    def __init__(self, role: Role | None = None):
        self.role = role
        super().__init__()

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer":
            raise ApiProblem(401, "unauthenticated", "Use `Authorization: Bearer <token>`.")
        return self.authenticate(request, secret.strip())

    def authenticate(self, request, token: str):
        found = api_token_authenticate(token)
        if found is None:
            if _count_failure(request) > FAILURE_LIMIT:
                raise ApiProblem(
                    429,
                    "too-many-requests",
                    "Too many requests with a bad token from this address; wait a few minutes.",
                    headers={"Retry-After": str(FAILURE_WINDOW_SECONDS)},
                )
            raise ApiProblem(
                401,
                "unauthenticated",
                "The token is unknown or revoked.",
                headers={"WWW-Authenticate": 'Bearer realm="microwork", error="invalid_token"'},
            )
        if request.method not in SAFE_METHODS and not found.can_write:
            raise ApiProblem(
                403,
                "insufficient-scope",
                "This token may only read; make a read-and-write token on the settings page.",
            )
        request.api_token = found
        api_rate_limit(request, "api", account=found.user_id)
        return check_role(found.user, self.role)


class SessionAuth(APIKeyCookie):
    """The site's session; a request that changes something also needs the CSRF token
    (`X-CSRFToken` header), as the site's own forms do."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, role: Role | None = None):
        self.role = role
        super().__init__(csrf=True)

    def __call__(self, request):
        # Checked after the user, unlike ninja's own: a caller with no session gets 401.
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise ApiProblem(403, "csrf-failed", "Send the CSRF token in the X-CSRFToken header.")
        request.api_token = None
        api_rate_limit(request, "api", account=request.user.pk)
        return check_role(request.user, self.role)

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


any_user = [TokenAuth(), SessionAuth()]
worker = [TokenAuth(Role.WORKER), SessionAuth(Role.WORKER)]
requester = [TokenAuth(Role.REQUESTER), SessionAuth(Role.REQUESTER)]


def _role_required(role: Role):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            check_role(request.auth, role)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


worker_required = _role_required(Role.WORKER)
requester_required = _role_required(Role.REQUESTER)
