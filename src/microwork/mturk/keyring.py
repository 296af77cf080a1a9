"""Encryption at rest of access key secrets (docs/adr/0010-mturk-api.md), by common/keyring.py.
Rotating its source invalidates every stored secret: requesters then create new keys."""

from microwork.common.keyring import Keyring

_KEYRING = Keyring(b"microwork.mturk.access-key-secret.v1")
encrypt = _KEYRING.encrypt
decrypt = _KEYRING.decrypt
