"""Encryption at rest of webhook secrets, by common/keyring.py, under a key of its own. Rotating
its source makes every stored secret unreadable: deliveries then fail until the requester
rotates the endpoint's secret."""

from microwork.common.keyring import Keyring

_KEYRING = Keyring(b"microwork.webhooks.endpoint-secret.v1")
encrypt = _KEYRING.encrypt
decrypt = _KEYRING.decrypt
