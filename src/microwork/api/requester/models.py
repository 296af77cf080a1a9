from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """A money-moving POST made with an `Idempotency-Key` header, and the answer it got.

    Written in the same transaction as the act, so a request that failed leaves no record and
    may be retried; a retry of one that succeeded gets the stored answer and moves no money.
    `fingerprint` is the hash of the method, path and body: the same key with another request
    is refused (409 idempotency-conflict).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotent_request_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
