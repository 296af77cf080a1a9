"""A worker asking for more than they earned is told in a worker's words (issue 16, bug 9)."""

import pytest
from django.urls import reverse
from django.utils import translation

from microwork.payments.models import Payout
from tests.payments.test_views import _earned, _earnings, _messages

pytestmark = pytest.mark.django_db


def test_a_payout_larger_than_the_earnings_says_how_much_can_be_paid(client, worker):
    """It said "Not enough funds: 4.00 EUR more is needed.", a requester's wording."""
    _earned(worker, 6_00)
    client.force_login(worker)

    response = client.post(
        reverse("payments:payout-request"), {"request_key": "k1", "amount": "10.00"}
    )

    assert _messages(response) == [
        "You asked for more than you have earned: at most 6.00 EUR can be paid out now."
    ]
    assert not Payout.objects.exists()
    assert _earnings(worker) == 6_00


def test_the_payout_refusal_is_in_french(client, worker):
    _earned(worker, 6_00)
    client.force_login(worker)
    client.cookies["django_language"] = "fr"

    with translation.override("fr"):
        response = client.post(
            reverse("payments:payout-request"), {"request_key": "k1", "amount": "10.00"}
        )

    assert _messages(response) == [
        "Vous demandez plus que ce que vous avez gagné\u00a0: 6,00\u00a0€ au plus peuvent être "
        "versés maintenant."
    ]
    assert not Payout.objects.exists()
