"""Staff read card deposits, Stripe's events, receipts and payout details in the admin, and
cannot change them there."""

import pytest
from django.urls import reverse

from tests.payments import stripe_events as se
from tests.payments.factories import card_deposit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["carddeposit", "stripeevent", "receipt", "payoutmethod"])
def test_staff_read_the_new_money_records_and_cannot_add_any(admin_client, requester, model):
    from microwork.payments import cards

    deposit = card_deposit(requester, 2500)
    cards.stripe_event_apply(se.session_event(deposit))

    listing = admin_client.get(reverse(f"admin:payments_{model}_changelist"))
    adding = admin_client.get(reverse(f"admin:payments_{model}_add"))

    assert listing.status_code == 200
    assert adding.status_code == 403
