"""`Idempotency-Key` on the money-moving POSTs (approve, reject, review, bonus).

The key is recorded (models.IdempotentRequest) in the act's own transaction, before the act:
a concurrent request with the same key waits on the record's unique index, then replays the
first one's answer once it commits. The same key with another method, path or body is a 409
idempotency-conflict. A request that fails leaves no record, so it can be retried.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from microwork.api.problems import ApiProblem
from microwork.api.requester.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 200
# A key answers its first answer for this long (jobs.py forgets older ones). The money stays
# safe after that: an approval is paid once whatever the key, and a bonus's posting keeps the
# key's hash for ever (payments' own idempotency).
KEEP_FOR = timedelta(hours=24)


class _Taken(Exception):
    """The key was recorded by a concurrent request that committed first."""


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise ApiProblem(
            422,
            "validation-error",
            f"An {HEADER} is 1 to {MAX_KEY_CHARS} printable characters.",
            errors=[{"field": HEADER, "message": "1 to 200 printable characters"}],
        )
    return key


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotentRequest, fingerprint: str) -> tuple[int, dict]:
    if record.fingerprint != fingerprint:
        raise ApiProblem(
            409,
            "idempotency-conflict",
            f"This {HEADER} was already used for a different request.",
        )
    return record.status, record.body


def idempotent(request, act: Callable[[str | None], tuple[int, dict]]) -> tuple[int, dict]:
    """Run `act(key)` once per Idempotency-Key of the caller and answer what it answered;
    without the header, just run it (`key` None). `act` returns (status, JSON body)."""
    key = _key(request)
    if key is None:
        return act(None)
    fingerprint = _fingerprint(request)
    user = request.auth
    try:
        with transaction.atomic():
            found = IdempotentRequest.objects.filter(user=user, key=key).first()
            if found is not None:
                return _replay(found, fingerprint)
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        user=user, key=key, fingerprint=fingerprint, status=0, body={}
                    )
            except IntegrityError:
                raise _Taken from None
            status, body = act(key)
            record.status, record.body = status, body
            record.save(update_fields=["status", "body"])
            return status, body
    except _Taken:
        return _replay(IdempotentRequest.objects.get(user=user, key=key), fingerprint)


def keys_forget(*, now=None) -> int:
    """Delete the records of keys older than KEEP_FOR; returns how many."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
