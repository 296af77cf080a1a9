"""Encryption at rest of webhook secrets.

Signing a delivery needs the secret itself, so it cannot be hashed: it is stored encrypted with
Fernet (AES-128-CBC plus HMAC-SHA256) under a key derived with HKDF-SHA256 from
MICROWORK_API_KEY_ENCRYPTION_KEY when it is set, else from MICROWORK_SECRET_KEY, as the MTurk
access keys are (docs/adr/0010), with a key of its own (another HKDF `info`). Rotating the
source makes every stored secret unreadable: deliveries then fail until the requester rotates
the endpoint's secret.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"microwork.webhooks.endpoint-secret.v1"


def _fernet() -> Fernet:
    source = settings.MICROWORK_API_KEY_ENCRYPTION_KEY or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        source.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str | None:
    """The secret, or None if it was encrypted under another key (the source was rotated)."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return None
