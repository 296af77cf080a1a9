"""Sending a delivery: one attempt (`delivery_attempt`), the retries' schedule, the job that
runs an attempt and the sweep that queues again what a lost job left due (docs/adr/0021).

A delivery is sent by the job queue (huey, docs/adr/0009), never in a request: the rows are
written in the transaction of the act (services.deliveries_create) and their jobs queued after
its commit. Each attempt POSTs the payload with the Standard Webhooks headers (webhook-id,
webhook-timestamp, webhook-signature), signed with the endpoint's secret, and with its
previous secret too during the overlap after a rotation. A 2xx answer succeeds; any other
answer, a timeout or a refused connection is retried after BACKOFF; after MAX_ATTEMPTS the
delivery fails. An address that may not be reached (destinations.py) fails at once.

An attempt is taken by a conditional UPDATE (pending, due), which also moves its due time past
the attempt's longest duration (LEASE): a job queued twice, or the sweep's copy of a job that
is only late, sends nothing, and an attempt whose worker died is retried once the lease ends.
Nothing is sent inside a database transaction, so a slow receiver holds no lock.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import db_task
from standardwebhooks.webhooks import Webhook

from microwork.webhooks import destinations, keyring
from microwork.webhooks.enums import TEST_EVENT, DeliveryState
from microwork.webhooks.models import RESPONSE_BODY_KEPT, Delivery, WebhookEndpoint
from microwork.webhooks.payloads import payload_bytes

logger = logging.getLogger(__name__)

# The wait after each failed attempt: the first retry 5 s after the first attempt, the last
# about 31 hours after it. MAX_ATTEMPTS attempts in all, then the delivery fails.
BACKOFF = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10.0
# Longer than any attempt (connect, send, read the answer): see the module's docstring.
LEASE = timedelta(seconds=60)
# The sweep queues again a pending delivery this late: its job was lost (a worker restarted
# with its queue in memory, the queue unreachable at the commit).
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 500
# A finished delivery is kept this long in the endpoint's log, then deleted (the daily purge).
KEPT_FOR = timedelta(days=30)
PURGE_BATCH = 5000
READ_BYTES = 4 * RESPONSE_BODY_KEPT
USER_AGENT = "microwork-webhooks/1"


def endpoint_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign at `now`: the current one, then the previous one while the
    overlap after a rotation lasts. A secret that cannot be decrypted is left out."""
    encrypted = [endpoint.secret_encrypted]
    if endpoint.previous_secret_until is not None and now < endpoint.previous_secret_until:
        encrypted.append(endpoint.previous_secret_encrypted)
    secrets = [keyring.decrypt(token) for token in encrypted if token]
    return [secret for secret in secrets if secret]


def signature_header(*, secrets: list[str], message_id: str, sent_at: datetime, body: bytes) -> str:
    """The webhook-signature header: one `v1,<base64>` per secret, space-separated, as the
    Standard Webhooks scheme allows for rotations."""
    return " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=sent_at, data=body) for secret in secrets
    )


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    response_ms: int | None = None
    response_body: str = ""
    error: str = ""
    # No retry can help (the address is refused, the secret unreadable).
    is_final: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _read_some(response: httpx.Response, started: float) -> bytes:
    """At most READ_BYTES of the answer, and no longer than the timeout in all: a receiver
    that trickles an endless answer cannot hold the worker."""
    kept = bytearray()
    for chunk in response.iter_raw():
        kept += chunk
        if len(kept) >= READ_BYTES or time.monotonic() - started > TIMEOUT_SECONDS:
            break
    return bytes(kept[:READ_BYTES])


def _post(delivery: Delivery, *, now: datetime) -> Outcome:
    endpoint = delivery.endpoint
    secrets = endpoint_secrets(endpoint, now=now)
    if not secrets:
        return Outcome(
            error="The endpoint's secret cannot be read (the server's key changed): "
            "rotate the secret.",
            is_final=True,
        )
    try:
        target = destinations.destination_resolve(endpoint.url)
    except destinations.AddressRefused as refused:
        return Outcome(error=refused.message[:300], is_final=True)
    except OSError as error:
        return Outcome(error=f"The host name could not be resolved: {error}"[:300])
    body = payload_bytes(delivery.payload)
    # The signed timestamp is the clock's, not `now`: a receiver checks it against its own.
    sent_at = datetime.now(UTC)
    headers = {
        **target.headers,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature_header(
            secrets=secrets, message_id=delivery.message_id, sent_at=sent_at, body=body
        ),
    }
    started = time.monotonic()
    try:
        # No proxy from the environment (it would undo the address check), no redirects.
        with httpx.Client(
            timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
        ) as client:
            request = client.build_request(
                "POST", target.url, content=body, headers=headers, extensions=target.extensions
            )
            response = client.send(request, stream=True)
            try:
                raw = _read_some(response, started)
            finally:
                response.close()
    except httpx.TimeoutException:
        return Outcome(
            response_ms=round((time.monotonic() - started) * 1000),
            error=f"No answer within {TIMEOUT_SECONDS:g} seconds.",
        )
    except httpx.HTTPError as error:
        return Outcome(
            response_ms=round((time.monotonic() - started) * 1000),
            error=f"The request failed: {type(error).__name__}: {error}"[:300],
        )
    return Outcome(
        status_code=response.status_code,
        response_ms=round((time.monotonic() - started) * 1000),
        response_body=raw.decode("utf-8", errors="replace")[:RESPONSE_BODY_KEPT],
    )


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Send the delivery if it is pending and due at `now`, and record the outcome: succeeded,
    pending until the next retry, or failed. Return the delivery, or None when it was not
    pending and due (finished, not yet due, or another attempt is under way)."""
    now = now or timezone.now()
    taken = Delivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, last_attempt_at=now, attempt_count=F("attempt_count") + 1)
    if not taken:
        return None
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # deleted with its endpoint since
        return None
    if not delivery.endpoint.is_active and delivery.event_type != TEST_EVENT:
        outcome = Outcome(error="The endpoint is disabled.", is_final=True)
    else:
        outcome = _post(delivery, now=now)
    if outcome.succeeded:
        state, next_attempt_at = DeliveryState.SUCCEEDED, None
    elif outcome.is_final or delivery.attempt_count >= MAX_ATTEMPTS:
        state, next_attempt_at = DeliveryState.FAILED, None
    else:
        state, next_attempt_at = DeliveryState.PENDING, now + BACKOFF[delivery.attempt_count - 1]
    fields = {
        "state": state,
        "next_attempt_at": next_attempt_at,
        "status_code": outcome.status_code,
        "response_ms": outcome.response_ms,
        "response_body": outcome.response_body,
        "error": outcome.error,
    }
    # An UPDATE, not save(): the endpoint may have been deleted, with its log, meanwhile.
    if not Delivery.objects.filter(pk=delivery_id).update(**fields):
        return None
    for name, value in fields.items():
        setattr(delivery, name, value)
    if next_attempt_at is not None:
        _queue(delivery.pk, eta=next_attempt_at)
    return delivery


# --- the queue -------------------------------------------------------------------------------


@db_task()
def delivery_job(delivery_id: int) -> str | None:
    """The job (webhooks/jobs.py names it for `microwork worker`): one attempt of a delivery,
    when it is still pending and due."""
    delivery = delivery_attempt(delivery_id=delivery_id)
    return None if delivery is None else delivery.state


def _queue(delivery_id: int, *, eta: datetime | None = None) -> None:
    try:
        if eta is None:
            delivery_job(delivery_id)
        else:
            delivery_job.schedule(args=(delivery_id,), eta=eta)
    except Exception:
        # The queue unreachable: the row stays pending and due, and the sweep queues it again.
        logger.exception("could not queue webhook delivery %s", delivery_id)


def _queue_all(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        _queue(delivery_id)


def deliveries_queue_after_commit(delivery_ids: list[int]) -> None:
    """Queue the deliveries' first attempts once the current transaction commits: nothing is
    sent for an act that rolls back."""
    if delivery_ids:
        transaction.on_commit(partial(_queue_all, list(delivery_ids)))


def deliveries_requeue_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Queue again the pending deliveries due for longer than SWEEP_GRACE, oldest first; return
    how many. A job that does run meanwhile makes the copy a no-op (the attempt's UPDATE)."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _queue_all(due)
    return len(due)


def deliveries_purge_finished(*, now: datetime | None = None, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` deliveries that finished (succeeded or failed) and were created
    more than KEPT_FOR ago; return how many. Pending ones are kept, however old."""
    now = now or timezone.now()
    old = list(
        Delivery.objects.filter(created_at__lt=now - KEPT_FOR)
        .exclude(state=DeliveryState.PENDING)
        .values_list("pk", flat=True)[:limit]
    )
    Delivery.objects.filter(pk__in=old).delete()
    return len(old)
