"""Stripe's webhook, posted to the real endpoint with events signed as Stripe signs them: what
credits a requester (once), what takes money back, and what is refused with nothing changed."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from microwork.payments import services as payments
from microwork.payments.enums import CardDepositState, DepositChannel, PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import CardDeposit, LedgerEntry, Posting, Receipt, StripeEvent
from microwork.payments.subscribers import DebtOwed
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
from tests.accounts.factories import RequesterFactory
from tests.payments import stripe_events as se
from tests.payments.factories import card_deposit, fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks

pytestmark = pytest.mark.django_db

URL = "/payments/stripe/webhook/"


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    settings.MICROWORK_STRIPE_SECRET_KEY = se.API_KEY
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = se.WEBHOOK_SECRET


def deliver(evt: dict, *, secret: str = se.WEBHOOK_SECRET, timestamp: int | None = None):
    body = se.body_of(evt)
    return Client().post(
        URL,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=se.sign(body, secret=secret, timestamp=timestamp),
    )


def available(requester) -> int:
    return payments.balance(payments.requester_available(requester))


def owed(requester) -> int:
    return -payments.balance(payments.requester_debt(requester))


def snapshot():
    return (
        Posting.objects.count(),
        LedgerEntry.objects.count(),
        StripeEvent.objects.count(),
        Receipt.objects.count(),
        list(CardDeposit.objects.order_by("pk").values_list("state", "posting", "refunded_cents")),
    )


def test_the_url_is_the_documented_one():
    assert reverse("payments:stripe-webhook") == URL


def test_a_paid_checkout_session_credits_the_requester_once_with_a_receipt(requester):
    deposit = card_deposit(requester, 2500)

    response = deliver(se.session_event(deposit))

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "applied", "duplicate": False}
    deposit.refresh_from_db()
    assert deposit.state == CardDepositState.PAID
    assert deposit.stripe_payment_intent == f"pi_test_{deposit.pk}"
    assert deposit.posting.kind == PostingKind.DEPOSIT
    assert deposit.posting.idempotency_key == f"deposit:stripe:{deposit.stripe_session_id}"
    assert deposit.posting.actor is None
    assert available(requester) == 2500
    receipt = Receipt.objects.get()
    assert (receipt.posting, receipt.requester, receipt.amount_cents) == (
        deposit.posting,
        requester,
        2500,
    )
    assert receipt.channel == DepositChannel.CARD
    assert ledger_problems() == []


def test_a_replayed_event_is_answered_and_changes_nothing(requester):
    deposit = card_deposit(requester, 2500)
    evt = se.session_event(deposit)
    assert deliver(evt).status_code == 200
    before = snapshot()

    response = deliver(evt)  # the very same event, delivered again (Stripe retries)

    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert snapshot() == before
    assert available(requester) == 2500


def test_two_events_announcing_one_payment_credit_it_once(requester):
    deposit = card_deposit(requester, 2500)
    assert deliver(se.session_event(deposit)).status_code == 200

    response = deliver(se.session_event(deposit, type_="checkout.session.async_payment_succeeded"))

    assert response.status_code == 200
    assert response.json()["duplicate"] is False  # a new event, recorded...
    assert available(requester) == 2500  # ...but the payment was credited already
    assert Posting.objects.filter(kind=PostingKind.DEPOSIT).count() == 1
    assert Receipt.objects.count() == 1


def test_a_wrong_signature_is_refused_with_nothing_changed(requester):
    deposit = card_deposit(requester, 2500)
    before = snapshot()

    response = deliver(se.session_event(deposit), secret="whsec_someone_else")

    assert response.status_code == 400
    assert b"signature" in response.content
    assert snapshot() == before
    assert available(requester) == 0


def test_a_body_changed_after_signing_is_refused(requester):
    deposit = card_deposit(requester, 2500)
    body = se.body_of(se.session_event(deposit))
    header = se.sign(body)
    before = snapshot()

    response = Client().post(
        URL,
        body.replace(b"2500", b"9999"),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    assert response.status_code == 400
    assert snapshot() == before


def test_a_stale_timestamp_is_refused_with_nothing_changed(requester):
    deposit = card_deposit(requester, 2500)
    before = snapshot()

    # Rightly signed, ten minutes ago: Stripe's tolerance is five.
    response = deliver(se.session_event(deposit), timestamp=int(time.time()) - 600)

    assert response.status_code == 400
    assert snapshot() == before


def test_no_signature_and_no_json_are_refused(requester):
    deposit = card_deposit(requester, 2500)
    before = snapshot()

    unsigned = Client().post(URL, se.body_of(se.session_event(deposit)), "application/json")
    not_json = Client().post(
        URL, b"not json", "application/json", HTTP_STRIPE_SIGNATURE=se.sign(b"not json")
    )

    assert (unsigned.status_code, not_json.status_code) == (400, 400)
    assert snapshot() == before


def test_the_webhook_takes_only_post():
    response = Client().get(URL)

    assert response.status_code == 405


def test_without_keys_the_webhook_says_card_payments_are_off(settings, requester):
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = ""
    deposit = card_deposit(requester, 2500)
    before = snapshot()

    response = deliver(se.session_event(deposit))

    assert response.status_code == 503
    assert b"not enabled" in response.content
    assert snapshot() == before


def test_an_unpaid_session_credits_nothing_until_its_payment_succeeds(requester):
    deposit = card_deposit(requester, 2500)

    response = deliver(se.session_event(deposit, payment_status="unpaid"))

    assert response.status_code == 200
    deposit.refresh_from_db()
    assert (deposit.state, deposit.posting) == (CardDepositState.PROCESSING, None)
    assert available(requester) == 0
    assert Receipt.objects.count() == 0

    deliver(se.session_event(deposit, type_="checkout.session.async_payment_succeeded"))

    deposit.refresh_from_db()
    assert deposit.state == CardDepositState.PAID
    assert available(requester) == 2500


def test_a_failed_or_expired_session_credits_nothing(requester):
    failed, expired = card_deposit(requester, 2500), card_deposit(requester, 1000)

    deliver(
        se.session_event(
            failed, type_="checkout.session.async_payment_failed", payment_status="unpaid"
        )
    )
    deliver(se.session_event(expired, type_="checkout.session.expired", payment_status="unpaid"))

    failed.refresh_from_db()
    expired.refresh_from_db()
    assert (failed.state, expired.state) == (CardDepositState.FAILED, CardDepositState.EXPIRED)
    assert available(requester) == 0
    assert Posting.objects.count() == 0


def test_a_session_paying_another_amount_is_not_credited(requester):
    deposit = card_deposit(requester, 2500)

    response = deliver(se.session_event(deposit, amount=100))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    deposit.refresh_from_db()
    assert (deposit.state, deposit.posting) == (CardDepositState.CREATED, None)
    assert available(requester) == 0


def test_a_session_of_another_requester_or_unknown_deposit_is_ignored(requester):
    deposit = card_deposit(requester, 2500)
    evt = se.session_event(deposit)
    evt["data"]["object"]["metadata"]["requester_id"] = str(RequesterFactory().pk)
    unknown = se.session_event(deposit)
    unknown["data"]["object"]["metadata"]["deposit_id"] = "999999"

    assert deliver(evt).json()["outcome"] == "ignored"
    assert deliver(unknown).json()["outcome"] == "ignored"
    assert Posting.objects.count() == 0


def test_a_refund_takes_the_money_back_once(requester):
    deposit = card_deposit(requester, 2500)
    deliver(se.session_event(deposit))
    refund = se.refund_event(f"pi_test_{deposit.pk}", 1000)

    assert deliver(refund).json()["outcome"] == "applied"
    assert deliver(refund).json()["duplicate"] is True

    deposit.refresh_from_db()
    assert deposit.refunded_cents == 1000
    assert available(requester) == 1500
    assert Posting.objects.filter(kind=PostingKind.DEPOSIT_REVERSAL).count() == 1
    assert ledger_problems() == []


def test_refunds_count_as_stripe_counts_them_whatever_their_order(requester):
    deposit = card_deposit(requester, 2500)
    deliver(se.session_event(deposit))
    pi = f"pi_test_{deposit.pk}"
    first = se.refund_event(pi, 500, created=100)
    second = se.refund_event(pi, 1500, created=200)  # a second refund: 1500 in all

    deliver(second)
    deliver(first)  # the older event, late: 500 of the 1500 already taken back

    deposit.refresh_from_db()
    assert deposit.refunded_cents == 1500
    assert available(requester) == 1000


def test_a_refund_before_its_payment_waits_and_is_applied_after_it(requester):
    deposit = card_deposit(requester, 2500)

    early = deliver(se.refund_event(f"pi_test_{deposit.pk}", 2500))

    assert early.status_code == 200
    assert early.json()["outcome"] == "waiting"
    assert available(requester) == 0
    assert Posting.objects.count() == 0

    deliver(se.session_event(deposit))

    deposit.refresh_from_db()
    assert deposit.state == CardDepositState.PAID
    assert deposit.refunded_cents == 2500
    assert available(requester) == 0  # credited, then taken back
    assert list(Posting.objects.values_list("kind", flat=True)) == [
        PostingKind.DEPOSIT,
        PostingKind.DEPOSIT_REVERSAL,
    ]
    waiting = StripeEvent.objects.get(type="charge.refunded")
    assert (waiting.outcome, waiting.data, waiting.deposit) == ("applied", {}, deposit)
    assert ledger_problems() == []


def _published(requester):
    """A batch of one task with three slots at 5.00 (6.00 each with the fee): 18.00 in escrow."""
    project = ProjectFactory(requester=requester, reward_cents=500, assignments_per_task=3)
    batch = BatchFactory(project=project)
    make_tasks(batch, 1)
    return projects.batch_publish(batch=batch)


def test_a_refund_of_money_already_spent_becomes_a_debt_paid_by_the_next_deposit(requester):
    deposit = card_deposit(requester, 2000)
    deliver(se.session_event(deposit))
    batch = _published(requester)
    assert available(requester) == 200
    escrow_before = payments.balance(payments.escrow(batch))

    deliver(se.refund_event(f"pi_test_{deposit.pk}", 2000))

    assert available(requester) == 0  # what was left is taken...
    assert owed(requester) == 1800  # ...and the rest is owed; workers' escrow is untouched
    assert payments.balance(payments.escrow(batch)) == escrow_before
    assert ledger_problems() == []

    fund(requester, 1000)  # staff record a transfer: it pays the debt first

    assert (available(requester), owed(requester)) == (0, 800)
    fund(requester, 1000, reference="second")
    assert (available(requester), owed(requester)) == (200, 0)
    assert Posting.objects.filter(kind=PostingKind.DEBT_REPAYMENT).count() == 2
    assert ledger_problems() == []


def test_a_publish_is_refused_while_money_is_owed(requester):
    deposit = card_deposit(requester, 2000)
    deliver(se.session_event(deposit))
    _published(requester)
    deliver(se.refund_event(f"pi_test_{deposit.pk}", 2000))
    project = ProjectFactory(requester=requester, reward_cents=1, assignments_per_task=1)
    batch = BatchFactory(project=project)
    make_tasks(batch, 1)

    with pytest.raises(DebtOwed) as refused:
        projects.batch_publish(batch=batch)

    assert "1800" not in refused.value.message
    assert "18.00 EUR" in refused.value.message
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.DRAFT
    assert owed(requester) == 1800


def test_a_dispute_takes_the_money_back_once_and_a_won_dispute_gives_it_back(requester):
    deposit = card_deposit(requester, 2500)
    deliver(se.session_event(deposit))
    pi = f"pi_test_{deposit.pk}"

    deliver(se.dispute_event(pi, "dp_1", 2500))
    deliver(se.dispute_event(pi, "dp_1", 2500, type_="charge.dispute.funds_withdrawn"))

    deposit.refresh_from_db()
    assert (deposit.disputed_cents, available(requester)) == (2500, 0)
    assert Posting.objects.filter(kind=PostingKind.DEPOSIT_REVERSAL).count() == 1

    deliver(se.dispute_event(pi, "dp_1", 2500, type_="charge.dispute.funds_reinstated"))
    deliver(se.dispute_event(pi, "dp_1", 2500, type_="charge.dispute.funds_reinstated"))

    deposit.refresh_from_db()
    assert (deposit.disputed_cents, available(requester)) == (0, 2500)
    assert ledger_problems() == []


def test_a_refund_and_a_dispute_never_take_back_more_than_was_paid(requester):
    deposit = card_deposit(requester, 2500)
    deliver(se.session_event(deposit))
    pi = f"pi_test_{deposit.pk}"

    deliver(se.refund_event(pi, 2000))
    deliver(se.dispute_event(pi, "dp_2", 2500))

    deposit.refresh_from_db()
    assert (deposit.refunded_cents, deposit.disputed_cents) == (2000, 500)
    assert available(requester) == 0
    assert owed(requester) == 0


def test_an_event_microwork_does_not_act_on_is_recorded_and_ignored():
    response = deliver(se.event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert Posting.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_credit_once(settings):
    from tests.threads import run_in_threads

    settings.MICROWORK_STRIPE_SECRET_KEY = se.API_KEY
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = se.WEBHOOK_SECRET
    requester = RequesterFactory()
    deposit = card_deposit(requester, 2500)
    same = se.session_event(deposit)
    other = se.session_event(deposit, type_="checkout.session.async_payment_succeeded")
    answers = []

    errors = run_in_threads(
        8, lambda index: answers.append(deliver(same if index % 2 else other).status_code)
    )

    assert errors == []
    assert answers == [200] * 8
    assert available(requester) == 2500
    assert StripeEvent.objects.count() == 2
    assert Posting.objects.filter(kind=PostingKind.DEPOSIT).count() == 1
    assert Receipt.objects.count() == 1
    assert ledger_problems() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refund_arriving_while_its_payment_is_credited_is_never_left_waiting(settings):
    from tests.threads import run_in_threads

    settings.MICROWORK_STRIPE_SECRET_KEY = se.API_KEY
    settings.MICROWORK_STRIPE_WEBHOOK_SECRET = se.WEBHOOK_SECRET
    requester = RequesterFactory()
    deposits = [card_deposit(requester, 1000 + index) for index in range(6)]
    # For each payment, its completed event and its full refund, delivered at the same time.
    events = [
        evt
        for deposit in deposits
        for evt in (
            se.session_event(deposit),
            se.refund_event(f"pi_test_{deposit.pk}", deposit.amount_cents),
        )
    ]
    answers = []

    errors = run_in_threads(len(events), lambda index: answers.append(deliver(events[index])))

    assert errors == []
    assert [answer.status_code for answer in answers] == [200] * len(events)
    assert not StripeEvent.objects.filter(outcome="waiting").exists()
    for deposit in deposits:
        deposit.refresh_from_db()
        assert (deposit.state, deposit.refunded_cents) == ("paid", deposit.amount_cents)
    assert available(requester) == 0
    assert ledger_problems() == []


def test_the_requester_is_told_once_when_money_is_taken_back(requester):
    from django.utils import translation

    from microwork.common.money import format_money
    from microwork.notifications import messages
    from microwork.notifications.models import Notification

    deposit = card_deposit(requester, 2000)
    deliver(se.session_event(deposit))
    _published(requester)  # 18.00 in escrow, 2.00 left
    refund = se.refund_event(f"pi_test_{deposit.pk}", 2000)

    deliver(refund)
    deliver(refund)

    [notice] = Notification.objects.filter(recipient=requester, kind="deposit_reversed")
    assert notice.params == {"amount_cents": 2000, "owed_cents": 1800, "currency": "EUR"}
    with translation.override("fr"):
        text = messages.render(notice.kind, notice.params).text
        taken, owed = format_money(2000, "EUR"), format_money(1800, "EUR")
    assert f"{taken} a été repris" in text
    assert f"vous devez {owed}" in text
