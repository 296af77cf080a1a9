"""Card deposits through Stripe Checkout (docs/deposits.md, docs/adr/0024).

The requester's "Add funds" form makes a CardDeposit, then a Checkout Session for its amount
(card_deposit_checkout), and the browser goes to Stripe. Stripe's webhook events are the only
thing that moves money (stripe_event_apply), each after its signature was verified
(stripe_event_verify):

- checkout.session.completed, or checkout.session.async_payment_succeeded, with
  payment_status "paid" credits the deposit once, through services.deposit_record() (its
  idempotency key is the session, so two events announcing one payment credit it once) which
  issues the receipt;
- charge.refunded takes back what Stripe says was refunded so far (the charge's cumulative
  amount_refunded, so refund events in any order and repeated take it back once);
- charge.dispute.created and charge.dispute.funds_withdrawn take back the disputed amount once
  per dispute; charge.dispute.funds_reinstated (a dispute won) gives it back.

Taking back is a deposit_reversal posting from the requester's available funds; what they have
already spent (it sits in escrow for workers, or was paid to them) is not taken from workers:
it is recorded in the requester's debt account, repaid from their next deposits, and a publish
is refused while some is owed (services.debt_repay, subscribers.settle_ended_before_publishing).

Every event is recorded once under its id (StripeEvent): a replay or a duplicate delivery
changes nothing. An event about a payment not yet credited (a refund before its
checkout.session.completed) waits, and is applied right after that payment is credited.
"""

import hashlib
import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.accounts.services import EMAIL_NOT_VERIFIED
from microwork.common.money import format_money
from microwork.payments import events, services
from microwork.payments.enums import (
    CardDepositState,
    DepositChannel,
    PostingKind,
    StripeEventOutcome,
)
from microwork.payments.models import Account, CardDeposit, LedgerEntry, Posting, StripeEvent
from microwork.payments.services import Line, PaymentRefused

logger = logging.getLogger(__name__)

CHECKOUT_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
DISPUTE_TAKEN = ("charge.dispute.created", "charge.dispute.funds_withdrawn")
DISPUTE_REINSTATED = "charge.dispute.funds_reinstated"
CHARGE_EVENTS = ("charge.refunded", *DISPUTE_TAKEN, DISPUTE_REINSTATED)


class CardPaymentsDisabled(PaymentRefused):
    def __init__(self):
        super().__init__(_("The operator of this site has not enabled card payments."))


class EventInvalid(Exception):
    """A webhook request that is not a genuine, fresh Stripe event: nothing is recorded."""


def card_payments_enabled() -> bool:
    return bool(settings.MICROWORK_STRIPE_SECRET_KEY and settings.MICROWORK_STRIPE_WEBHOOK_SECRET)


# --- starting a payment ----------------------------------------------------------------------


@transaction.atomic
def card_deposit_create(*, requester: User, amount_cents: int, request_key: str) -> CardDeposit:
    """Record the requester's wish to pay `amount_cents` by card, before any call to Stripe.

    Idempotent on (requester, request_key): a double click makes one deposit. The amount is
    within MICROWORK_CARD_DEPOSIT_MIN_CENTS and _MAX_CENTS.
    """
    if not card_payments_enabled():
        raise CardPaymentsDisabled()
    if not requester.is_requester:
        raise PaymentRefused(_("Deposits go to requesters."))
    if not requester.is_email_verified:  # docs/adr/0027
        raise PaymentRefused(str(EMAIL_NOT_VERIFIED))
    if not request_key:
        raise PaymentRefused(_("A deposit needs a request id, so a retry cannot pay twice."))
    currency = settings.MICROWORK_CURRENCY
    low, high = settings.MICROWORK_CARD_DEPOSIT_MIN_CENTS, settings.MICROWORK_CARD_DEPOSIT_MAX_CENTS
    if not low <= amount_cents <= high:
        raise PaymentRefused(
            _("A card payment is between %(low)s and %(high)s.")
            % {"low": format_money(low, currency), "high": format_money(high, currency)}
        )
    deposit, _created = CardDeposit.objects.get_or_create(
        requester=requester,
        request_key=request_key,
        defaults={"amount_cents": amount_cents, "currency": currency},
    )
    if deposit.amount_cents != amount_cents:
        raise services.IdempotencyConflict(
            _("This form was already sent with another amount: reload the page.")
        )
    return deposit


def card_deposit_checkout(
    *, deposit: CardDeposit, success_url: str, cancel_url: str
) -> CardDeposit:
    """Create the deposit's Stripe Checkout Session (once) and keep its id and address.

    Stripe is called outside any transaction, with the deposit as its idempotency key: a retry
    after a timeout gets the same session back. PaymentRefused says Stripe could not be
    reached; nothing is charged then.
    """
    if deposit.checkout_url:
        return deposit
    if not card_payments_enabled():
        raise CardPaymentsDisabled()
    metadata = {"requester_id": str(deposit.requester_id), "deposit_id": str(deposit.pk)}
    try:
        session = stripe.checkout.Session.create(
            api_key=settings.MICROWORK_STRIPE_SECRET_KEY,
            idempotency_key=f"microwork-card-deposit-{deposit.pk}",
            mode="payment",
            line_items=[
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": deposit.currency.lower(),
                        # Stripe counts in the currency's minor unit, as the ledger does.
                        "unit_amount": deposit.amount_cents,
                        "product_data": {"name": _("Funds for your microwork balance")},
                    },
                }
            ],
            client_reference_id=str(deposit.pk),
            customer_email=deposit.requester.email,
            metadata=metadata,
            payment_intent_data={"metadata": metadata},
            success_url=success_url,
            cancel_url=cancel_url,
        )
    except stripe.StripeError as error:
        logger.warning("Stripe refused or did not answer a Checkout Session: %s", error)
        raise PaymentRefused(
            _("The card payment could not be started (Stripe did not answer). Try again.")
        ) from None
    CardDeposit.objects.filter(pk=deposit.pk, checkout_url="").update(
        stripe_session_id=session["id"], checkout_url=session["url"]
    )
    deposit.refresh_from_db()
    return deposit


# --- Stripe's events ---------------------------------------------------------------------------


def stripe_event_verify(payload: bytes, signature: str) -> dict:
    """The event `payload` carries, if `signature` (the Stripe-Signature header) is Stripe's
    over it with our endpoint's secret, made within the last five minutes; else EventInvalid."""
    if not card_payments_enabled():
        raise CardPaymentsDisabled()
    try:
        stripe.Webhook.construct_event(payload, signature, settings.MICROWORK_STRIPE_WEBHOOK_SECRET)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        raise EventInvalid(f"signature refused: {error.user_message or error}") from None
    except ValueError as error:
        raise EventInvalid(f"not a JSON event: {error}") from None
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise EventInvalid("not a Stripe event")
    return event


@transaction.atomic
def stripe_event_apply(event: dict) -> tuple[StripeEvent, bool]:
    """Apply a verified Stripe event once: (its record, whether this call applied it).

    The record is written first under the event's unique id: a duplicate delivery, even one
    running at the same moment, waits on that insert and then finds the event done.
    """
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                outcome=StripeEventOutcome.IGNORED,
                stripe_created=int(event.get("created") or 0),
            )
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False
    obj = (event.get("data") or {}).get("object") or {}
    if record.type in CHECKOUT_EVENTS:
        _checkout_event(record, obj)
    elif record.type in CHARGE_EVENTS:
        _charge_event(record, obj)
    else:
        record.note = "not an event microwork acts on"
    record.save()
    return record, True


def _lock_payment_intent(payment_intent: str) -> None:
    """Serialise, until commit, the events about one payment: a refund handled while its
    payment is being credited would otherwise wait unseen (neither transaction sees the
    other's rows). Taken before any row lock, in both paths, so they cannot deadlock. SQLite
    writes one transaction at a time already."""
    if not payment_intent or connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"stripe:{payment_intent}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def _accounts_ready(deposit: CardDeposit | None) -> None:
    """Create the accounts an event may move money between, before taking any lock.

    An account created inside a transaction holding row locks is a deadlock waiting to happen:
    a concurrent event creating the same account waits on the uncommitted insert while holding
    what the first one needs next. Created first, a second creator waits holding nothing.
    Created outside world first, then the requester's funds and debt, so their primary keys
    (the order post() locks them in) follow that order."""
    if deposit is None:
        return
    services.external(deposit.currency)
    services.requester_available(deposit.requester, deposit.currency)
    services.requester_debt(deposit.requester, deposit.currency)


def _checkout_event(record: StripeEvent, session: dict) -> None:
    metadata = session.get("metadata") or {}
    mine = CardDeposit.objects.filter(
        pk=_int(metadata.get("deposit_id")), requester_id=_int(metadata.get("requester_id"))
    )
    _accounts_ready(mine.select_related("requester").first())
    _lock_payment_intent(session.get("payment_intent") or "")
    deposit = mine.select_for_update().first()
    if deposit is None or deposit.stripe_session_id not in ("", session.get("id")):
        record.note = "no deposit of this site has this checkout session"
        return
    record.deposit = deposit
    record.payment_intent = session.get("payment_intent") or ""
    if record.payment_intent and not deposit.stripe_payment_intent:
        deposit.stripe_payment_intent = record.payment_intent
        deposit.stripe_session_id = session.get("id", "")
        deposit.save(update_fields=["stripe_payment_intent", "stripe_session_id"])
    if deposit.state == CardDepositState.PAID:
        record.note = "deposit already credited"
        return
    if record.type in ("checkout.session.async_payment_failed", "checkout.session.expired"):
        deposit.state = (
            CardDepositState.FAILED if record.type.endswith("failed") else CardDepositState.EXPIRED
        )
        deposit.save(update_fields=["state"])
        record.outcome = StripeEventOutcome.APPLIED
        return
    if session.get("payment_status") != "paid":
        # Paid later by a slower method: async_payment_succeeded or _failed says how it ends.
        deposit.state = CardDepositState.PROCESSING
        deposit.save(update_fields=["state"])
        record.outcome = StripeEventOutcome.APPLIED
        record.note = f"payment status {session.get('payment_status')!r}: nothing credited"
        return
    amount, currency = session.get("amount_total"), (session.get("currency") or "").upper()
    if amount != deposit.amount_cents or currency != deposit.currency:
        logger.error(
            "Stripe session %s paid %s %s for card deposit %s of %s %s: not credited",
            session.get("id"),
            amount,
            currency,
            deposit.pk,
            deposit.amount_cents,
            deposit.currency,
        )
        record.note = f"paid {amount} {currency}, not the deposit's amount: not credited"
        return
    deposit.posting = services.deposit_record(
        requester=deposit.requester,
        amount_cents=deposit.amount_cents,
        external_reference=f"stripe:{session['id']}",
        actor=None,
        channel=DepositChannel.CARD,
    )
    deposit.state = CardDepositState.PAID
    deposit.paid_at = timezone.now()
    deposit.stripe_session_id = session["id"]
    deposit.save(update_fields=["posting", "state", "paid_at", "stripe_session_id"])
    record.outcome = StripeEventOutcome.APPLIED
    if deposit.stripe_payment_intent:
        waiting = StripeEvent.objects.filter(
            payment_intent=deposit.stripe_payment_intent, outcome=StripeEventOutcome.WAITING
        ).order_by("stripe_created", "pk")
        for early in waiting:
            _charge_event_on(early, early.data, deposit)
            early.data = {}
            early.save()


def _charge_event(record: StripeEvent, obj: dict) -> None:
    record.payment_intent = obj.get("payment_intent") or ""
    if record.payment_intent:
        _accounts_ready(
            CardDeposit.objects.select_related("requester")
            .filter(stripe_payment_intent=record.payment_intent)
            .first()
        )
    _lock_payment_intent(record.payment_intent)
    deposit = (
        CardDeposit.objects.select_for_update()
        .filter(stripe_payment_intent=record.payment_intent)
        .first()
        if record.payment_intent
        else None
    )
    if deposit is None or deposit.state != CardDepositState.PAID:
        # Perhaps before its checkout.session.completed: it waits for it (see above).
        record.outcome = StripeEventOutcome.WAITING
        record.data = obj
        record.note = "its payment is not credited yet"
        return
    _charge_event_on(record, obj, deposit)


def _charge_event_on(record: StripeEvent, obj: dict, deposit: CardDeposit) -> None:
    """Apply a refund or dispute event to a credited deposit (locked by the caller)."""
    record.deposit = deposit
    record.outcome = StripeEventOutcome.APPLIED
    if record.type == "charge.refunded":
        refunded = min(int(obj.get("amount_refunded") or 0), deposit.amount_cents)
        amount = min(
            refunded - deposit.refunded_cents, deposit.amount_cents - deposit.reversed_cents
        )
        if amount <= 0:
            record.note = "refund already taken back"
            return
        _reverse(deposit, amount, key=f"card_refund:{deposit.pk}:{refunded}", memo=_("Refund"))
        deposit.refunded_cents += amount
        deposit.save(update_fields=["refunded_cents"])
    elif record.type in DISPUTE_TAKEN:
        key = f"card_dispute:{obj.get('id')}"
        if Posting.objects.filter(idempotency_key=key).exists():
            record.note = "dispute already taken back"
            return
        amount = min(int(obj.get("amount") or 0), deposit.amount_cents - deposit.reversed_cents)
        if amount <= 0:
            record.note = "nothing left to take back"
            return
        _reverse(deposit, amount, key=key, memo=_("Dispute"))
        deposit.disputed_cents += amount
        deposit.save(update_fields=["disputed_cents"])
    elif record.type == DISPUTE_REINSTATED:
        taken = _external_amount(f"card_dispute:{obj.get('id')}")
        key = f"card_dispute_won:{obj.get('id')}"
        if taken <= 0 or Posting.objects.filter(idempotency_key=key).exists():
            record.note = "nothing to give back"
            return
        requester, currency = deposit.requester, deposit.currency
        services.post(
            kind=PostingKind.DEPOSIT,
            key=key,
            lines=[
                Line(services.external(currency), -taken),
                Line(services.requester_available(requester, currency), taken),
            ],
            memo=_("Dispute won"),
        )
        services.debt_repay(requester=requester, currency=currency)
        deposit.disputed_cents -= taken
        deposit.save(update_fields=["disputed_cents"])


def _external_amount(key: str) -> int:
    """What the posting under `key` gave the outside world (0 if there is none)."""
    entry = LedgerEntry.objects.filter(
        posting__idempotency_key=key, account__kind="external"
    ).first()
    return entry.amount_cents if entry is not None else 0


def _reverse(deposit: CardDeposit, amount: int, *, key: str, memo: str) -> Posting:
    """Give `amount` of the deposit back to the outside world: from the requester's available
    funds as far as they reach, the rest recorded as owed (their debt account)."""
    requester, currency = deposit.requester, deposit.currency
    available = services.requester_available(requester, currency)
    debt = services.requester_debt(requester, currency)
    outside = services.external(currency)
    # Every account post() will lock, in its order (primary key), before reading a balance:
    # locking only some first would take the outside world's out of order, against deposits.
    list(
        Account.objects.select_for_update()
        .filter(pk__in=[available.pk, debt.pk, outside.pk])
        .order_by("pk")
    )
    taken = min(amount, max(services.balance(available), 0))
    posting = services.post(
        kind=PostingKind.DEPOSIT_REVERSAL,
        key=key,
        lines=[
            Line(available, -taken),
            Line(debt, -(amount - taken)),
            Line(outside, amount),
        ],
        memo=f"{memo}: {deposit.stripe_payment_intent}",
        terms={"deposit": deposit.pk, "amount": amount},
    )
    if posting.is_new:
        events.deposit_reversed.publish(
            events.DepositReversed(
                requester_id=requester.pk,
                amount_cents=amount,
                owed_cents=-services.balance(debt),
                currency=currency,
            )
        )
    return posting


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
