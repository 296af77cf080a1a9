"""Secrets encrypted at rest (common/keyring.py): read back by their own use only, and no
longer once the source key is rotated."""

from microwork.mturk import keyring as mturk_keyring
from microwork.webhooks import keyring as webhook_keyring


def test_a_secret_is_read_back_by_its_own_use_only(settings):
    token = mturk_keyring.encrypt("s3cret")

    assert "s3cret" not in token
    assert mturk_keyring.decrypt(token) == "s3cret"
    assert webhook_keyring.decrypt(token) is None


def test_rotating_the_source_makes_stored_secrets_unreadable(settings):
    settings.MICROWORK_API_KEY_ENCRYPTION_KEY = "first source " * 4
    token = webhook_keyring.encrypt("whsec_abc")

    settings.MICROWORK_API_KEY_ENCRYPTION_KEY = "second source " * 4

    assert webhook_keyring.decrypt(token) is None
