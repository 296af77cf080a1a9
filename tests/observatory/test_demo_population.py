"""The demo's synthetic population: seeded once, balanced in the ledger, and published."""

import pytest
from django.db.models import Sum

from microwork.demo.observatory import WORKERS, observatory_seed
from microwork.observatory.models import Snapshot, SurveyResponse
from microwork.payments.enums import AccountKind
from microwork.payments.models import Account, LedgerEntry
from microwork.payments.services import balance

pytestmark = pytest.mark.django_db


def test_observatory_seed_publishes_months_of_a_varied_population_once():
    population = observatory_seed()

    assert population.created is True
    assert population.assignments > 2000
    assert Snapshot.objects.count() == 4
    latest = Snapshot.objects.order_by("-month").first()
    overview = {row["measure"]: row for row in latest.figures["overview"]}
    assert overview["workers_active"]["value"] > 50
    activity = {row["activity_class"]: row["workers"] for row in latest.figures["activity"]}
    assert all(
        activity[name] and activity[name] >= 10 for name in ("very_active", "regular", "occasional")
    )
    assert 150 < SurveyResponse.objects.count() < WORKERS
    # Every posting balances, and every escrow ends at zero, as a finished batch's does.
    assert LedgerEntry.objects.aggregate(total=Sum("amount_cents"))["total"] == 0
    assert {balance(a) for a in Account.objects.filter(kind=AccountKind.ESCROW)} == {0}

    again = observatory_seed()

    assert again.created is False
    assert Snapshot.objects.count() == 4
