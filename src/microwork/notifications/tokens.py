"""Signed links that work without logging in: unsubscribing (no expiry: an old email's link
still stops the emails) and verifying an address (a week). The signature is the authority, so
the pages behind them need no session; a GET only shows a confirmation form, its POST acts."""

from django.core import signing

UNSUBSCRIBE_SALT = "microwork.notifications.unsubscribe"
VERIFY_SALT = "microwork.notifications.verify"
VERIFY_MAX_AGE = 7 * 24 * 3600


def unsubscribe_token(user_id: int, kind: str | None) -> str:
    """`kind` None: every kind."""
    return signing.dumps({"u": user_id, "k": kind or ""}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str | None]:
    """(user id, kind or None); signing.BadSignature when forged or damaged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return int(data["u"]), data["k"] or None


def verify_token(user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=VERIFY_SALT, compress=True)


def verify_read(token: str) -> tuple[int, str]:
    """(user id, email); signing.BadSignature when forged, SignatureExpired after a week."""
    data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    return int(data["u"]), data["e"]
