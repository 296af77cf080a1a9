"""The answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE, settings.py)."""

from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """429 with the wait in minutes, and Retry-After for programs."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request, "accounts/locked_out.html", {"cooloff_minutes": seconds // 60}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def login_name(request, credentials=None) -> str:
    """The account a login try names (AXES_USERNAME_CALLABLE): the email, lower-cased and
    stripped, as login compares it, so "A@x.org " and "a@x.org" count as one account."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if name is None and request is not None:
        name = getattr(request, "POST", {}).get("username")
    return str(name or "").strip().lower()
