"""Each statistic of the hand-made month (fixture.py) equals its hand-computed value, and small
cells are hidden, with a complementary one where a total would reveal them."""

from datetime import timedelta
from decimal import Decimal

import pytest

from microwork.observatory import services, statistics
from tests.accounts.factories import WorkerFactory
from tests.observatory.fixture import MONTH, at, november
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_k(settings):
    settings.MICROWORK_OBSERVATORY_K = 3
    settings.MICROWORK_OBSERVATORY_MINIMUM_WAGE_CENTS = 500
    settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR = 1202


def _by(rows, key):
    return {row[key]: row for row in rows}


def test_overview_sums_time_and_pay_as_computed_by_hand(small_k):
    november()

    overview = {row["measure"]: row["value"] for row in statistics.compute(MONTH)["overview"]}

    assert overview == {
        "workers_active": 5,
        "requesters_active": 2,
        "tasks_worked": 8,
        "assignments": 8,
        # 720 + 600 + 180 + 180 s paid; 600 rejected + 60 returned + 600 expired unpaid.
        "hours_paid": Decimal("0.5"),  # 1680 s = 0.467 h
        "hours_unpaid": Decimal("0.4"),  # 1260 s = 0.35 h, half up
        "hours_pending": Decimal("0.0"),
        "unpaid_share_percent": Decimal("42.9"),  # 1260 / 2940
        "earnings_cents": 400,
    }


def test_hourly_wage_includes_unpaid_time_and_compares_with_floor_and_minimum(small_k):
    november()

    summary = {row["measure"]: row["value"] for row in statistics.compute(MONTH)["wage_summary"]}

    # A 200*3600/720 = 1000, B 100*3600/1200 = 300, C 50*3600/240 = 750, D 0, E 1000.
    assert summary == {
        "workers_with_time": 5,
        "median_hourly_wage_cents": 750,  # rank ceil(5 * 5 / 10) = 3 of [0, 300, 750, 1000, 1000]
        "median_hourly_wage_paid_time_cents": 1000,  # [600, 1000, 1000, 1000], rank 2
        "pay_floor_cents": 1202,
        "minimum_wage_cents": 500,
        "share_under_pay_floor_percent": Decimal("100.0"),
        "share_under_minimum_wage_percent": Decimal("40.0"),  # D and B
        "share_under_pay_floor_paid_time_percent": Decimal("100.0"),
    }


def test_deciles_per_worker_follow_the_nearest_rank_rule(small_k):
    november()

    deciles = _by(statistics.compute(MONTH)["distributions"], "decile")

    assert deciles[1] == {
        "decile": 1,
        "workers": 5,
        "hourly_wage_cents": 0,
        "hourly_wage_paid_time_cents": 600,
        "earnings_cents": 0,
        "hours_worked": Decimal("0.1"),  # E's 180 s = 0.05 h, half up
        "suppressed": False,
    }
    assert deciles[5]["hourly_wage_cents"] == 750
    assert deciles[5]["earnings_cents"] == 50  # [0, 50, 50, 100, 200]
    assert deciles[9]["hourly_wage_cents"] == 1000
    assert deciles[9]["earnings_cents"] == 200
    assert deciles[9]["hours_worked"] == Decimal("0.3")  # B's 1200 s


def test_payment_delay_is_the_share_paid_within_each_delay(small_k):
    november()

    delay = _by(statistics.compute(MONTH)["payment_delay"], "within_hours")

    # Paid 1 h, 30 h, 100 h, 800 h and 2 h after submission.
    assert {hours: row["assignments"] for hours, row in delay.items()} == {
        1: 1,
        24: 2,
        72: 3,
        168: 4,
        720: 4,
    }
    assert delay[72]["share_percent"] == Decimal("60.0")
    assert delay[720]["share_percent"] == Decimal("80.0")


def test_outcomes_hide_each_cell_of_fewer_than_k_workers(small_k):
    november()

    outcomes = _by(statistics.compute(MONTH)["outcomes"], "outcome")

    assert outcomes["approved_by_requester"] == {
        "outcome": "approved_by_requester",
        "workers": 4,
        "assignments": 5,
        "suppressed": False,
    }
    for hidden in ("rejected", "returned", "expired"):  # one worker each
        assert outcomes[hidden] == {
            "outcome": hidden,
            "workers": None,
            "assignments": None,
            "suppressed": True,
        }
    assert outcomes["in_progress"] == {
        "outcome": "in_progress",
        "workers": 0,
        "assignments": 0,
        "suppressed": False,
    }


def test_one_small_task_type_hides_another_so_the_total_cannot_reveal_it(small_k):
    november()

    by_type = _by(statistics.compute(MONTH)["by_task_type"], "task_type")

    # custom_html: A and B (2 < k); image_classification: C, D, E (3) is hidden with it,
    # else the overview's totals minus its row would give custom_html's.
    assert by_type["custom_html"]["suppressed"] is True
    assert by_type["image_classification"] == {
        "task_type": "image_classification",
        "workers": None,
        "assignments": None,
        "hours_paid": None,
        "hours_unpaid": None,
        "earnings_cents": None,
        "hourly_wage_cents": None,
        "suppressed": True,
    }


def test_requester_size_groups_requesters_by_their_month(small_k):
    november()

    sizes = _by(statistics.compute(MONTH)["by_requester_size"], "requester_size")

    assert sizes["small"] == {
        "requester_size": "small",
        "workers": 5,
        "assignments": 8,
        "hours_paid": Decimal("0.5"),
        "hours_unpaid": Decimal("0.4"),
        "earnings_cents": 400,
        "hourly_wage_cents": 489,  # 400 * 3600 // 2940
        "requesters": 2,
        "suppressed": False,
    }
    assert sizes["large"]["workers"] == 0


def test_survey_breakdown_counts_consenting_workers_and_suppresses_complementarily(small_k):
    november()

    rows = statistics.compute(MONTH)["by_survey_answer"]
    cells = {(row["question"], row["answer"]): row for row in rows}

    assert cells[("all_respondents", "all")] == {
        "question": "all_respondents",
        "answer": "all",
        "workers": 4,  # E did not answer
        "median_hourly_wage_cents": 300,  # [0, 300, 750, 1000], rank 2
        "median_earnings_cents": 50,
        "median_hours_worked": Decimal("0.2"),  # 600 s
        "suppressed": False,
    }
    # One man (< k): hidden, and the women (3) with him, or 4 - 3 would give him away.
    assert cells[("gender", "man")]["suppressed"] is True
    assert cells[("gender", "woman")]["suppressed"] is True
    assert cells[("gender", "other")]["workers"] == 0
    assert cells[("age_band", "25_34")]["workers"] == 4
    assert cells[("reasons", "extra_income")]["workers"] == 4


def test_a_withdrawn_worker_is_in_no_later_statistic(small_k):
    month = november()
    before = {
        (r["question"], r["answer"]): r for r in statistics.compute(MONTH)["by_survey_answer"]
    }

    services.survey_withdraw(worker=month.workers["c"])

    after = {(r["question"], r["answer"]): r for r in statistics.compute(MONTH)["by_survey_answer"]}
    assert before[("age_band", "25_34")]["workers"] == 4
    assert after[("all_respondents", "all")]["workers"] == 3
    assert after[("age_band", "25_34")]["workers"] == 3
    assert after[("reasons", "extra_income")]["workers"] == 3


def test_a_month_of_fewer_than_k_workers_publishes_nothing(settings):
    settings.MICROWORK_OBSERVATORY_K = 6
    november()

    figures = statistics.compute(MONTH)

    for name, rows in figures.items():
        for row in rows:
            assert row["suppressed"] is True, name
            kept = set(statistics.KEYS[name]) | {"suppressed"}
            assert all(value is None for column, value in row.items() if column not in kept)


def test_activity_classes_follow_the_weeks_and_months_thresholds(settings):
    settings.MICROWORK_OBSERVATORY_VERY_ACTIVE_WEEKS = 4
    settings.MICROWORK_OBSERVATORY_REGULAR_MONTHS = 3
    settings.MICROWORK_OBSERVATORY_OCCASIONAL_MONTHS = 12
    very, regular, occasional, three_weeks = (WorkerFactory() for _ in range(4))
    end = statistics.period(MONTH).end
    for week in range(4):  # one in each 7-day week before the month's end
        AssignmentFactory(worker=very, accepted_at=end - timedelta(days=7 * week + 1))
    for month in (9, 10, 11):
        AssignmentFactory(worker=regular, accepted_at=at(5).replace(month=month))
    AssignmentFactory(worker=occasional, accepted_at=at(5).replace(year=2026, month=1))
    for week in range(3):
        AssignmentFactory(worker=three_weeks, accepted_at=end - timedelta(days=7 * week + 1))
    AssignmentFactory(worker=WorkerFactory(), accepted_at=at(5).replace(year=2025))  # too old

    classes = statistics.activity_classes(statistics.period(MONTH))

    assert classes == {
        very.pk: "very_active",
        regular.pk: "regular",
        occasional.pk: "occasional",
        three_weeks.pk: "occasional",  # November only: not regular either
    }


@pytest.mark.parametrize(
    "workers, hidden",
    [
        ([12, 4, 30], ["b", "a"]),  # one small cell: the smallest visible one goes with it
        ([12, 4, 2, 30], ["b", "c"]),  # two small cells hide each other
        ([12, 0, 30], []),  # an empty cell reveals no one
        ([4, 20, 12, 12], ["a", "c"]),  # ties: the first smallest
    ],
)
def test_suppress_adds_a_complementary_cell_only_when_one_is_hidden(settings, workers, hidden):
    settings.MICROWORK_OBSERVATORY_K = 10
    rows = [
        {"name": name, "workers": count, "hours": count * 2}
        for name, count in zip("abcd", workers, strict=False)
    ]
    rows[0], rows[1] = rows[1], rows[0]  # "b" first when [12, 4, ...]: order is kept

    published = statistics.suppress(rows, keys=("name",))

    assert [row["name"] for row in published if row["suppressed"]] == sorted(
        hidden, key=lambda name: [row["name"] for row in rows].index(name)
    )
    for row in published:
        if row["suppressed"]:
            assert row["workers"] is None and row["hours"] is None


def test_a_deleted_account_answers_count_no_more(small_k):
    from microwork.fairness.services import worker_account_delete

    month = november()

    worker_account_delete(worker=month.workers["d"])

    rows = statistics.compute(MONTH)["by_survey_answer"]
    assert rows[0]["workers"] == 3


def test_the_scorecard_scores_each_principle_from_the_records(small_k):
    """Fairwork's principles in order, each figure with its threshold. November has no terms of
    service and no appeal: those rows say so rather than score (test_contracts.py scores the
    terms on months that have them)."""
    november()

    card = [
        (row["principle"], row["measure"], row["value"], row["threshold"], row["met"])
        for row in statistics.compute(MONTH)["scorecard"]
    ]

    assert card == [
        # Median of [0, 300, 750, 1000, 1000] cents an hour, held to the minimum wage (500).
        ("fair_pay", "median_hourly_wage_cents", 750, 500, "yes"),
        # Paid within 168 h: 4 of 5 paid assignments (test_payment_delay_...).
        ("fair_pay", "paid_within_7_days_percent", Decimal("80.0"), 95, "no"),
        # 1260 s unpaid of 2940 s worked.
        ("fair_conditions", "unpaid_share_percent", Decimal("42.9"), 10, "no"),
        ("fair_contracts", "terms_version_in_force", None, None, "not_measured"),
        ("fair_contracts", "terms_languages", None, 2, "not_measured"),
        ("fair_contracts", "terms_changes_published", None, None, "not_measured"),
        ("fair_contracts", "terms_change_notice_min_days", None, 30, "not_measured"),
        ("fair_contracts", "workers_accepted_terms_percent", None, None, "not_measured"),
        ("fair_management", "appeals_granted_percent", None, None, "not_measured"),
        ("fair_management", "appeals_decided_within_7_days_percent", None, 90, "not_measured"),
    ]
