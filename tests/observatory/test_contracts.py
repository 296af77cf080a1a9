"""The fair-contracts figures, each checked against a value computed by hand.

Terms of service (made directly, with dates in the past):
- v1 published 1 September 2026 at noon, in force at once;
- v2 published 10 October, in force 15 November: 36 days of notice;
- v3 published 20 November, in force 10 December: 20 days of notice.
Workers: W1 to W4 accepted an assignment in November, W5 in October only, W6 never.
Acceptances: W1 v2 on 16 November; W2 v1 only; W3 v2 on 2 December (after November);
W4 v2 and v3 on 21 November; W5 v1 on 5 September and v2 on 12 October.
"""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from microwork.accounts.models import TermsAcceptance, TermsVersion
from microwork.observatory import contracts
from microwork.observatory.statistics import period
from tests.accounts.factories import WorkerFactory
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def at(month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, 12), timezone.get_default_timezone())


def _version(number: int, published, effective) -> TermsVersion:
    return TermsVersion.objects.create(
        number=number,
        published_at=published,
        effective_at=effective,
        text_en=f"Terms {number}",
        text_fr=f"Conditions {number}",
        summary_en="Changes",
        summary_fr="Changements",
    )


def _accept(worker, version, when) -> None:
    TermsAcceptance.objects.create(user=worker, version=version, accepted_at=when)


@pytest.fixture
def records():
    v1 = _version(1, at(9, 1), at(9, 1))
    v2 = _version(2, at(10, 10), at(11, 15))
    v3 = _version(3, at(11, 20), at(12, 10))
    w1, w2, w3, w4, w5, _w6 = (WorkerFactory() for _ in range(6))
    for day, worker in enumerate((w1, w2, w3, w4), start=2):
        AssignmentFactory(worker=worker, accepted_at=at(11, day))
    AssignmentFactory(worker=w1, accepted_at=at(11, 20))  # a second one: still one worker
    AssignmentFactory(worker=w5, accepted_at=at(10, 3))
    _accept(w1, v2, at(11, 16))
    _accept(w2, v1, at(9, 2))
    _accept(w3, v2, at(12, 2))
    _accept(w4, v2, at(11, 21))
    _accept(w4, v3, at(11, 21))
    _accept(w5, v1, at(9, 5))
    _accept(w5, v2, at(10, 12))


def _by_measure(month) -> dict:
    p = period(month)
    rows = contracts.fair_contracts_rows(start=p.start, end=p.end)
    assert {row["principle"] for row in rows} == {"fair_contracts"}
    return {
        row["measure"]: (row["value"], row["threshold"], row["met"], row["workers"]) for row in rows
    }


def test_fair_contracts_in_november(records):
    assert _by_measure(datetime(2026, 11, 1).date()) == {
        "terms_version_in_force": (2, None, "not_scored", 4),
        "terms_languages": (2, 2, "yes", 4),
        "terms_changes_published": (2, None, "not_scored", 4),  # v2 and v3
        "terms_change_notice_min_days": (20, 30, "no", 4),  # v3's 20 days
        "workers_accepted_terms_percent": (Decimal("50.0"), None, "not_scored", 4),  # W1, W4
    }


def test_fair_contracts_in_october(records):
    assert _by_measure(datetime(2026, 10, 1).date()) == {
        "terms_version_in_force": (1, None, "not_scored", 1),  # v2 comes on 15 November
        "terms_languages": (2, 2, "yes", 1),
        "terms_changes_published": (1, None, "not_scored", 1),  # v2, published on 10 October
        "terms_change_notice_min_days": (36, 30, "yes", 1),
        "workers_accepted_terms_percent": (Decimal("100.0"), None, "not_scored", 1),  # W5, v1
    }


def test_fair_contracts_in_september_before_any_change(records):
    assert _by_measure(datetime(2026, 9, 1).date()) == {
        "terms_version_in_force": (1, None, "not_scored", 0),
        "terms_languages": (2, 2, "yes", 0),
        "terms_changes_published": (0, None, "not_scored", 0),
        "terms_change_notice_min_days": (None, 30, "not_measured", 0),
        "workers_accepted_terms_percent": (None, None, "not_measured", 0),  # nobody worked
    }


def test_fair_contracts_without_terms_measure_nothing():
    AssignmentFactory(accepted_at=at(11, 2))

    assert _by_measure(datetime(2026, 11, 1).date()) == {
        "terms_version_in_force": (None, None, "not_measured", 1),
        "terms_languages": (None, 2, "not_measured", 1),
        "terms_changes_published": (None, None, "not_measured", 1),
        "terms_change_notice_min_days": (None, 30, "not_measured", 1),
        "workers_accepted_terms_percent": (None, None, "not_measured", 1),
    }


def test_fair_contracts_take_three_queries(records, django_assert_num_queries):
    p = period(datetime(2026, 11, 1).date())

    with django_assert_num_queries(3):
        contracts.fair_contracts_rows(start=p.start, end=p.end)


def test_fair_contracts_rows_have_a_label_for_each_measure(records):
    p = period(datetime(2026, 11, 1).date())

    measures = [row["measure"] for row in contracts.fair_contracts_rows(start=p.start, end=p.end)]

    assert measures == list(contracts.MEASURE_LABELS)
