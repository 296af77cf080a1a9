"""Fees of HITs made through the MTurk API: each HIT is priced by its own MaxAssignments
(payments.fees.tier_assignments), and CreateAdditionalAssignmentsForHIT cannot take a HIT
across the large-task tier, as on MTurk."""

from datetime import UTC, datetime

import pytest

from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry
from microwork.projects.models import Task
from microwork.work import services as work
from tests.accounts.factories import WorkerFactory
from tests.mturk.test_endpoint import HIT, _error


def _submit(task):
    worker = WorkerFactory()
    assignment = work.assignment_claim(worker=worker, task=task)
    work.assignment_submit(assignment=assignment, fields={"answer": ["ok"]}, worker=worker)
    return assignment


def _balances(mturk):
    balance = mturk.get_account_balance()
    return balance["AvailableBalance"], balance["OnHoldBalance"]


@pytest.mark.parametrize(
    ("max_assignments", "on_hold"),
    [
        (9, "5.40"),  # 9 x (0.50 + 20% = 0.10)
        (10, "7.00"),  # 10 x (0.50 + 40% = 0.20): MTurk's 10-or-more tier
    ],
)
def test_create_hit_reserves_the_fee_of_its_own_tier(mturk, funded, max_assignments, on_hold):
    mturk.create_hit(**{**HIT, "MaxAssignments": max_assignments})

    assert _balances(mturk)[1] == on_hold
    assert ledger_problems() == []


def test_hits_of_one_hit_type_are_priced_each_by_their_max_assignments(mturk, funded):
    hit_type = mturk.create_hit_type(
        **{k: HIT[k] for k in ("AssignmentDurationInSeconds", "Reward", "Title", "Description")}
    )["HITTypeId"]
    small = mturk.create_hit_with_hit_type(
        HITTypeId=hit_type, LifetimeInSeconds=600, MaxAssignments=2, Question=HIT["Question"]
    )["HIT"]
    large = mturk.create_hit_with_hit_type(
        HITTypeId=hit_type, LifetimeInSeconds=600, MaxAssignments=12, Question=HIT["Question"]
    )["HIT"]
    assert _balances(mturk) == ("990.40", "9.60")  # 2 x 0.60 + 12 x 0.70

    small_done = _submit(Task.objects.get(public_id=small["HITId"]))
    large_done = _submit(Task.objects.get(public_id=large["HITId"]))
    mturk.approve_assignment(AssignmentId=small_done.public_id)
    mturk.approve_assignment(AssignmentId=large_done.public_id)

    fees = payments.platform_fees()
    assert sorted(
        LedgerEntry.objects.filter(account=fees).values_list("amount_cents", flat=True)
    ) == [10, 20]
    assert payments.balance(payments.worker_available(large_done.worker)) == 50
    assert _balances(mturk) == ("990.40", "8.30")
    assert ledger_problems() == []


def test_a_large_hit_expired_and_deleted_gives_back_exactly_what_it_did_not_pay(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 10})["HIT"]
    task = Task.objects.get(public_id=hit["HITId"])
    approved, rejected = _submit(task), _submit(task)
    mturk.approve_assignment(AssignmentId=approved.public_id)
    mturk.reject_assignment(AssignmentId=rejected.public_id, RequesterFeedback="off topic")

    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))
    mturk.delete_hit(HITId=hit["HITId"])

    # Only the approved assignment cost anything: 0.50 + 0.20.
    assert _balances(mturk) == ("999.30", "0.00")
    assert payments.balance(payments.platform_fees()) == 20
    assert ledger_problems() == []


def test_additional_assignments_cannot_cross_into_the_large_tier(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 5})["HIT"]
    before = (_balances(mturk), LedgerEntry.objects.count())

    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        mturk.create_additional_assignments_for_hit(
            HITId=hit["HITId"], NumberOfAdditionalAssignments=5, UniqueRequestToken="more"
        )

    code, turk_code, message = _error(excinfo)
    assert (code, turk_code) == (
        "RequestError",
        "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease",
    )
    assert message.startswith(
        "HITs created with fewer than 10 assignments cannot be extended to have 10 or more "
        "assignments."
    )
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 5
    assert (_balances(mturk), LedgerEntry.objects.count()) == before
    # The refusal rolled its token back: a corrected retry may use it.
    mturk.create_additional_assignments_for_hit(
        HITId=hit["HITId"], NumberOfAdditionalAssignments=4, UniqueRequestToken="more"
    )
    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 9
    assert _balances(mturk)[1] == "5.40"
    assert ledger_problems() == []


def test_additional_assignments_on_a_large_hit_are_priced_in_its_tier(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 10})["HIT"]

    mturk.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=5)

    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 15
    assert _balances(mturk)[1] == "10.50"  # 15 x 0.70
    assert ledger_problems() == []


def test_additional_assignments_may_cross_when_large_tasks_cost_no_more(mturk, funded, settings):
    settings.MICROWORK_FEES = {**settings.MICROWORK_FEES, "large_task_rate_bp": 2000}
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 5})["HIT"]

    mturk.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=5)

    assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 10
    assert _balances(mturk)[1] == "6.00"  # 10 x 0.60
    assert ledger_problems() == []
