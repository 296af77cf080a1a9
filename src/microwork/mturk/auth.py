"""AWS Signature Version 4 checks for the MTurk endpoint (reference §1.7).

boto3 signs with the service name `mturk-requester` and whatever region the client was given;
we accept any region and recompute the signature over exactly the headers the client listed
in SignedHeaders, the request's own path and Host, and the SHA-256 of the body. The secret
comes from the requester's access key (decrypted, mturk/keyring.py); comparison is constant
time. A request dated more than 15 minutes from our clock is refused; inside that window, a
request that changes something is taken once (`signature_once`), so a captured one cannot be
replayed.
"""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.utils import timezone

from microwork.mturk import keyring
from microwork.mturk.errors import AuthError
from microwork.mturk.models import RequesterAccessKey, SeenSignature

SERVICE = "mturk-requester"
MAX_SKEW = timedelta(minutes=15)
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/\s]+)/(?P<date>\d{8})/(?P<region>[^/\s]+)/"
    r"(?P<service>[^/\s]+)/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9;\-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
# Mark last_used_at at most this often, so a busy key does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _header_value(request, name: str) -> str | None:
    if name == "host":
        return request.META.get("HTTP_HOST")
    if name == "content-type":
        return request.META.get("CONTENT_TYPE")
    if name == "content-length":
        return request.META.get("CONTENT_LENGTH")
    return request.META.get("HTTP_" + name.upper().replace("-", "_"))


def canonical_request(request, signed_headers: list[str]) -> str:
    lines = []
    for name in signed_headers:
        value = _header_value(request, name)
        if value is None:
            raise AuthError("IncompleteSignatureException", f"The signed header {name} is missing.")
        lines.append(f"{name}:{' '.join(value.split())}\n")
    query = "&".join(
        sorted(
            f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}"
            for key, values in request.GET.lists()
            for value in values
        )
    )
    return "\n".join(
        [
            request.method,
            quote(request.path, safe="/-_.~"),
            query,
            "".join(lines),
            ";".join(signed_headers),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )


def signature(*, secret: str, date: str, region: str, string_to_sign: str) -> str:
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, SERVICE)
    key = _hmac(key, "aws4_request")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authenticate(request, *, now: datetime | None = None) -> RequesterAccessKey:
    """The active access key that signed `request`, or AuthError in the shape boto3 parses."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise AuthError("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = AUTHORIZATION.match(header.strip())
    if not match:
        raise AuthError(
            "IncompleteSignatureException",
            "Authorization header requires AWS4-HMAC-SHA256 Credential, SignedHeaders and "
            "Signature.",
        )
    if match["service"] != SERVICE:
        raise AuthError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{SERVICE}'.",
        )
    signed = match["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed or signed != sorted(signed):
        raise AuthError(
            "IncompleteSignatureException",
            "SignedHeaders must be sorted and include host and x-amz-date.",
        )
    amz_date = request.META.get("HTTP_X_AMZ_DATE", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AuthError(
            "IncompleteSignatureException", "X-Amz-Date must be YYYYMMDD'T'HHMMSS'Z'."
        ) from None
    if amz_date[:8] != match["date"]:
        raise AuthError("InvalidSignatureException", "Credential should be scoped to a valid date.")
    now = now or timezone.now()
    if abs(now - signed_at) > MAX_SKEW:
        raise AuthError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} or later than "
            f"{(now + MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')}.",
        )
    content_hash = request.META.get("HTTP_X_AMZ_CONTENT_SHA256")
    if content_hash and content_hash != hashlib.sha256(request.body).hexdigest():
        raise AuthError("InvalidSignatureException", "The body does not match its hash.")
    key = (
        RequesterAccessKey.objects.select_related("requester")
        .filter(access_key_id=match["key"], revoked_at__isnull=True)
        .first()
    )
    secret = keyring.decrypt(key.secret_encrypted) if key is not None else None
    if key is None or secret is None or not key.requester.is_active:
        raise AuthError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    scope = f"{match['date']}/{match['region']}/{SERVICE}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request(request, signed).encode("utf-8")).hexdigest(),
        ]
    )
    expected = signature(
        secret=secret, date=match["date"], region=match["region"], string_to_sign=string_to_sign
    )
    if not hmac.compare_digest(expected, match["signature"]):
        raise AuthError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        RequesterAccessKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def signature_once(request, *, now: datetime | None = None) -> None:
    """Record the signature of `request`, already authenticated, or refuse it as a replay.

    Call it inside the operation's transaction, after the operation: a refused or failed
    operation rolls its record back, so a client's retry of a request that changed nothing is
    still taken. On PostgreSQL a concurrent copy waits on the unique index for the first one's
    commit, then is refused.

    The refusal is MTurk's ThrottlingException, which botocore retries, signing again: boto3
    signs over the second, not over its invocation id, so a client that really sends the same
    call twice within one second (two identical HITs in a loop) gets its second call through
    on the retry, while a captured request, which nobody can sign again, never does.
    """
    signature = AUTHORIZATION.match(request.META["HTTP_AUTHORIZATION"].strip())["signature"]
    try:
        with transaction.atomic():
            SeenSignature.objects.create(signature=signature, seen_at=now or timezone.now())
    except IntegrityError:
        raise AuthError(
            "ThrottlingException",
            "Rate exceeded: this signed request was already received; a request that changes "
            "something is taken once. Sign it again to repeat it.",
        ) from None


def seen_signatures_forget(*, now: datetime | None = None) -> int:
    """Forget signatures whose requests would now be refused as expired anyway."""
    cutoff = (now or timezone.now()) - 2 * MAX_SKEW
    return SeenSignature.objects.filter(seen_at__lt=cutoff).delete()[0]
