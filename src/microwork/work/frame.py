"""The sandboxed frame that shows a requester's template to a worker.

Requester HTML is untrusted. It runs in an <iframe sandbox="allow-forms allow-scripts"> without
allow-same-origin, and the frame's own response carries a CSP `sandbox` directive too, so even
opened on its own it gets an opaque origin: it cannot read the platform's cookies or storage,
and its requests carry no session (the cookies are SameSite=Lax, and an opaque origin is never
same-site). Its form posts the answer with a per-assignment token instead of a session.

The token is an HMAC of the assignment id under the server's secret key: it cannot be guessed,
it is the same on every reload of the work page, and it opens nothing once the assignment has
left the accepted state, so it cannot be used twice.
"""

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "microwork.work.frame-token"
SANDBOX = "allow-forms allow-scripts"


def frame_token(assignment_public_id: str) -> str:
    return salted_hmac(_SALT, assignment_public_id, algorithm="sha256").hexdigest()


def frame_token_is_valid(assignment_public_id: str, token: str) -> bool:
    return bool(token) and constant_time_compare(frame_token(assignment_public_id), token)


def frame_policy() -> str:
    """The CSP of a task frame: requester scripts may run inside, but may only talk to the
    platform's submit endpoint; no fetch, no foreign form target, no framing by others."""
    media = " ".join(["'self'", *settings.MICROWORK_FRAME_MEDIA_SOURCES])
    return "; ".join(
        [
            f"sandbox {SANDBOX}",
            "default-src 'none'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {media}",
            f"media-src {media}",
            "font-src 'self' data:",
            "connect-src 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
            "base-uri 'none'",
        ]
    )
