"""Stripe events as Stripe sends them: JSON bodies, and a Stripe-Signature header made the way
Stripe makes it (t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>)."""

import hashlib
import hmac
import itertools
import json
import time

WEBHOOK_SECRET = "whsec_test_microwork"
API_KEY = "sk_test_microwork"

_ids = itertools.count(1)


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(type_: str, obj: dict, *, event_id: str | None = None, created: int | None = None):
    return {
        "id": event_id or f"evt_test_{next(_ids):06d}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": created if created is not None else int(time.time()),
        "livemode": False,
        "type": type_,
        "data": {"object": obj},
    }


def session_event(
    deposit,
    *,
    type_: str = "checkout.session.completed",
    payment_status: str = "paid",
    amount: int | None = None,
    currency: str | None = None,
    payment_intent: str | None = None,
    event_id: str | None = None,
    created: int | None = None,
):
    """An event about `deposit`'s Checkout Session (made by card_deposit_checkout)."""
    session = {
        "id": deposit.stripe_session_id or f"cs_test_{deposit.pk}",
        "object": "checkout.session",
        "amount_total": deposit.amount_cents if amount is None else amount,
        "currency": (currency or deposit.currency).lower(),
        "client_reference_id": str(deposit.pk),
        "metadata": {"requester_id": str(deposit.requester_id), "deposit_id": str(deposit.pk)},
        "mode": "payment",
        "payment_intent": payment_intent or f"pi_test_{deposit.pk}",
        "payment_status": payment_status,
        "status": "complete",
    }
    return event(type_, session, event_id=event_id, created=created)


def refund_event(payment_intent: str, amount_refunded: int, *, event_id=None, created=None):
    charge = {
        "id": f"ch_{payment_intent}",
        "object": "charge",
        "payment_intent": payment_intent,
        "amount_refunded": amount_refunded,
        "refunded": False,
    }
    return event("charge.refunded", charge, event_id=event_id, created=created)


def dispute_event(
    payment_intent: str, dispute_id: str, amount: int, *, type_="charge.dispute.created"
):
    dispute = {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "charge": f"ch_{payment_intent}",
        "payment_intent": payment_intent,
        "status": "needs_response",
    }
    return event(type_, dispute)


def body_of(evt: dict) -> bytes:
    return json.dumps(evt).encode()
