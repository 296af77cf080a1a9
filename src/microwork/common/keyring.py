"""Secrets that must be read back, encrypted at rest: the MTurk access keys' (a signature check
needs the secret itself) and the webhooks' (signing needs it too), so they cannot be hashed.

Fernet (AES-128-CBC plus HMAC-SHA256) under a key derived with HKDF-SHA256 from
MICROWORK_API_KEY_ENCRYPTION_KEY when it is set, else from MICROWORK_SECRET_KEY; each use has a
key of its own (its HKDF `info`). Rotating the source makes every stored secret unreadable.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class Keyring:
    def __init__(self, info: bytes):
        self.info = info

    def _fernet(self) -> Fernet:
        source = settings.MICROWORK_API_KEY_ENCRYPTION_KEY or settings.SECRET_KEY
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=self.info).derive(
            source.encode("utf-8")
        )
        return Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        """The secret, or None if it was encrypted under another key (the source rotated)."""
        try:
            return self._fernet().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return None
