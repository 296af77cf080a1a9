"""Rate limits (docs/adr/0023): how many times an account, and a client address, may do one
kind of thing in a window, counted in Django's default cache by django-ratelimit.

With MICROWORK_CACHE_URL the cache is Redis and every app server adds to the same counts; without
it each process counts alone (one server: the embedded install). A door calls `rate_limit()`
before the act, so a refused act has changed nothing, and answers RateLimited in its own shape:
a 429 page, a 429 problem with Retry-After, MTurk's ThrottlingException.

settings.py reads the rates from the environment with `rates_from_environ()` (imported while the
settings are built: nothing here reads Django's settings at import).
"""

import ipaddress
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# scope: (per account, per address). None: not counted that way. A count per window of s, m, h
# or d ("30/m"); each window is fixed (django-ratelimit's), so a burst at a window's end and
# the next one's start may reach twice the rate, never more.
DEFAULT_RATES: dict[str, tuple[str | None, str | None]] = {
    "signup": (None, "10/h"),  # anonymous: per address only
    "accept": ("30/m", "300/m"),  # a worker's accept-next, on every door
    "return": ("30/m", "300/m"),
    "submit": ("30/m", "300/m"),  # answers, on every door (the frame, the REST API, MTurk's)
    "upload": ("20/h", "60/h"),  # batch files, on the page and the REST API
    "api": ("600/m", "1200/m"),  # every REST API request of an account (its token or session)
    "mturk": ("600/m", "1200/m"),  # every MTurk request of an access key
}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


class RateLimited(Exception):
    """Too many `scope` acts in the window; `retry_after` seconds until it ends."""

    def __init__(self, scope: str, retry_after: int):
        super().__init__(f"{scope}: too many, retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


def _rate(name: str, raw: str) -> str | None:
    value = raw.strip().lower()
    if value in {"", "0", "off", "none"}:
        return None
    if not _RATE.match(value) or int(value.split("/")[0]) < 1:
        raise ImproperlyConfigured(
            f"{name} must be a count per period like 30/m (s, m, h, d) or off, not {raw!r}"
        )
    return value


def rates_from_environ(environ: Mapping[str, str]) -> dict[str, tuple[str | None, str | None]]:
    """DEFAULT_RATES, each changed by MICROWORK_RATE_<SCOPE> (per account) and
    MICROWORK_RATE_<SCOPE>_ADDRESS (per address): "30/m", "5/10m", or "off"."""
    rates = {}
    for scope, (account, address) in DEFAULT_RATES.items():
        name = f"MICROWORK_RATE_{scope.upper()}"
        if name in environ:
            account = _rate(name, environ[name])
        if f"{name}_ADDRESS" in environ:
            address = _rate(f"{name}_ADDRESS", environ[f"{name}_ADDRESS"])
        rates[scope] = (account, address)
    return rates


def client_address(request) -> str:
    """The client's address, an IPv6 one cut to its /64 (one machine owns a whole /64).

    Behind MICROWORK_PROXY_COUNT trusted proxies, each of which appends the address it was
    reached from to X-Forwarded-For, the client is the entry that many places from the right:
    what the client wrote in the header itself sits further left and is never read. Without
    proxies, or with fewer entries than proxies, the connection's own address.
    """
    from django.conf import settings

    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.MICROWORK_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            address = hops[-proxies]
    if ":" not in address:
        return address
    try:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    except ValueError:
        return address


def rate_limit(request, scope: str, *, account: object = None) -> None:
    """Count one `scope` act of `account` (a user's id, an access key) and of the request's
    address; raise RateLimited if either count is past its rate in this window.

    The act is counted even when refused: a client that keeps trying stays refused until the
    window ends, no longer.
    """
    from django.conf import settings
    from django_ratelimit.core import get_usage

    if not settings.MICROWORK_RATE_LIMITS_ENABLED:
        return
    per_account, per_address = settings.MICROWORK_RATE_LIMITS[scope]
    waits = []
    for kind, rate, value in (
        ("account", per_account, None if account is None else str(account)),
        ("address", per_address, client_address(request)),
    ):
        if rate is None or value is None:
            continue
        usage = get_usage(
            request,
            group=f"{scope}:{kind}",
            key=lambda group, request, value=value: value,
            rate=rate,
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            waits.append(max(usage["time_left"], 1))
    if waits:
        raise RateLimited(scope, max(waits))
