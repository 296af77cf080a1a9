"""What payments tells the apps above it (common/events.py says how). Payloads carry ids and
amounts only: a subscriber reads what else it needs, and a payload can be sent as it is.

- bonus_sent: a requester sent a worker a bonus (once per bonus; a retried request publishes
  nothing);
- payout_paid: staff recorded that a payout left the platform;
- balance_low: an escrow reservation or top-up took a requester's available funds from
  MICROWORK_BALANCE_LOW_CENTS or more to below it (once per crossing);
- escrow_returned: a batch that ended gave its unused escrow back to its requester.
- payout_method_changed: a worker set or changed where their payouts go (payout_methods.py);
  payouts wait 24 hours after it;
- deposit_reversed: a card payment was refunded or disputed and its money taken back from the
  requester (cards.py), once per refund or dispute.

docs/architecture.md lists their subscribers.
"""

from dataclasses import dataclass

from microwork.common.events import Event


@dataclass(frozen=True)
class BonusSent:
    bonus_id: int
    assignment_id: int
    worker_id: int
    requester_id: int
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class PayoutPaid:
    payout_id: int
    worker_id: int
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class BalanceLow:
    requester_id: int
    currency: str
    available_cents: int


@dataclass(frozen=True)
class EscrowReturned:
    batch_id: int
    requester_id: int
    amount_cents: int
    currency: str


bonus_sent = Event("bonus_sent", BonusSent)
payout_paid = Event("payout_paid", PayoutPaid)
balance_low = Event("balance_low", BalanceLow)
escrow_returned = Event("escrow_returned", EscrowReturned)


@dataclass(frozen=True)
class PayoutMethodChanged:
    worker_id: int
    kind: str  # "iban" or "paypal"
    # The end of the new destination only ("…3000", "j…@example.org"), for the worker to
    # recognise it in the notice without the notice carrying the whole account.
    destination: str
    payouts_from: str  # ISO 8601: when payouts are possible again


payout_method_changed = Event("payout_method_changed", PayoutMethodChanged)


@dataclass(frozen=True)
class DepositReversed:
    requester_id: int
    amount_cents: int  # taken back by this refund or dispute
    owed_cents: int  # what the requester owes in all after it (0: their funds covered it)
    currency: str


deposit_reversed = Event("deposit_reversed", DepositReversed)
