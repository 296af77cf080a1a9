"""The pay floor through the MTurk API (docs/adr/0011): AssignmentDurationInSeconds is a deadline,
so ordinary HITs are accepted, their escrow holds a reserve by the documented rule, and the HIT
type's measured time tops every HIT's workers up to the floor. Only a reward that can never meet
the floor (0) is refused, at CreateHITType, before anything exists."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from microwork.fairness.models import PayFloorNotice
from microwork.fairness.settlement import floor_settle_due
from microwork.mturk.models import HitTypeSignature
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Posting
from microwork.projects.models import Batch, Project, Task
from microwork.work import services as work
from microwork.work.models import Assignment
from microwork.work.selectors import project_pay_facts
from tests.accounts.factories import WorkerFactory
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import QUESTION

# (Reward, AssignmentDurationInSeconds) of real client code, refused before issue 18, and the
# reward per slot the escrow holds for them: the floor over the deadline, at most twice the
# reward (fairness.floor.reserve_reward_cents), and its fee.
CONFIGURATIONS = {
    "aws-samples": ("0.11", 600, 22 + 4),
    "dallinger": ("1.00", 360, 121 + 24),
    "psiturk": ("1.00", 300, 101 + 20),
}


def _hit_type(mturk, reward, duration, **extra):
    return mturk.create_hit_type(
        Reward=reward,
        AssignmentDurationInSeconds=duration,
        Title="Answer a question",
        Description="One short question",
        AutoApprovalDelayInSeconds=3600,
        **extra,
    )["HITTypeId"]


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_ordinary_hit_configurations_are_accepted_with_a_reserve(mturk, funded, name):
    reward, duration, held = CONFIGURATIONS[name]

    hit_type_id = _hit_type(mturk, reward, duration)
    hit = mturk.create_hit_with_hit_type(
        HITTypeId=hit_type_id, MaxAssignments=3, LifetimeInSeconds=3600, Question=QUESTION
    )["HIT"]

    assert hit["Reward"] == reward
    assert hit["AssignmentDurationInSeconds"] == duration
    batch = Batch.objects.get(tasks__public_id=hit["HITId"])
    assert payments.balance(payments.escrow(batch)) == 3 * held
    balance = mturk.get_account_balance()
    assert balance["AvailableBalance"] == f"{(100_000 - 3 * held) / 100:.2f}"
    assert ledger_problems() == []


def test_a_reward_of_zero_is_refused_at_create_hit_type_with_nothing_created(mturk, funded):
    with pytest.raises(mturk.exceptions.RequestError) as excinfo:
        _hit_type(mturk, "0.00", 600)

    error = excinfo.value.response
    assert error.get("TurkErrorCode") == "AWS.ParameterOutOfRange"
    assert "Reward" in error["Error"]["Message"]
    assert "never meets the pay floor" in error["Error"]["Message"]
    assert not Project.objects.exists()
    assert not HitTypeSignature.objects.exists()
    assert mturk.get_account_balance()["AvailableBalance"] == "1000.00"


def _do(hit_id, seconds):
    worker = WorkerFactory()
    assignment = work.assignment_claim(worker=worker, task=Task.objects.get(public_id=hit_id))
    work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)
    Assignment.objects.filter(pk=assignment.pk).update(work_seconds=seconds)
    return assignment


def test_the_hit_types_measured_time_tops_up_every_hit(access_key, funded, settings):
    """Three HITs of the AWS sample's type (0.11, 10 minutes allotted), one assignment each:
    no HIT measures itself, their HIT type does. A minute's work is worth 0.21 at the floor.

    In-process only: the floor's round runs here, once, after every approval (over HTTP each
    approval's commit would run it for its own HIT, tests/fairness covers that)."""
    settings.MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS = 3
    mturk = make_client(access_key[0].access_key_id, access_key[1], django=Client())
    hit_type_id = _hit_type(mturk, "0.11", 600)
    hits = [
        mturk.create_hit_with_hit_type(
            HITTypeId=hit_type_id, MaxAssignments=1, LifetimeInSeconds=3600, Question=QUESTION
        )["HIT"]["HITId"]
        for _ in range(3)
    ]
    project = Project.objects.get(public_id=hit_type_id)
    facts = project_pay_facts(project)
    # Before any measure, a worker is told the floor, not the deadline's rate (0.66 / hour).
    assert (facts["hourly_cents"], facts["hourly_is_floor"]) == (1202, True)
    assert facts["estimated_seconds"] is None

    assignments = [_do(hit_id, seconds) for hit_id, seconds in zip(hits, (60, 62, 64), strict=True)]
    for assignment in assignments:
        assignment.refresh_from_db()
        mturk.approve_assignment(AssignmentId=assignment.public_id)
    # The last HIT has ended by the time its HIT type is measured.
    mturk.update_expiration_for_hit(HITId=hits[2], ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))
    funds = payments.balance(payments.requester_available(project.requester))

    assert floor_settle_due() == 3

    # The median of 62 s is worth 0.21 at 12.02 / hour: each worker topped up by 0.10.
    for assignment in assignments:
        assert payments.reward_received(assignment) == 21
    assert PayFloorNotice.objects.filter(new_reward_cents=21).count() == 3
    assert Posting.objects.filter(kind="topup").count() == 3
    # A top-up costs 0.10 and 0.02 of fees (0.04 at 0.21 against 0.02 at 0.11). The live HITs'
    # reserves (0.22 + 0.04 held, 0.11 + 0.02 paid) paid theirs and still hold 0.01 each; the
    # ended HIT had given its reserve back, so its top-up comes from the requester's funds.
    assert payments.balance(payments.requester_available(project.requester)) == funds - 12
    live = Batch.objects.filter(tasks__public_id__in=hits[:2])
    assert [payments.balance(payments.escrow(batch)) for batch in live] == [1, 1]
    assert floor_settle_due() == 0
    assert Posting.objects.filter(kind="topup").count() == 3
    assert ledger_problems() == []


def test_workers_see_the_floors_rate_and_no_estimate_for_a_hit_type(mturk, funded, client):
    hit_type_id = _hit_type(mturk, "0.11", 600)
    mturk.create_hit_with_hit_type(
        HITTypeId=hit_type_id, MaxAssignments=1, LifetimeInSeconds=3600, Question=QUESTION
    )
    client.force_login(WorkerFactory())

    text = client.get(f"/work/projects/{hit_type_id}/").content.decode()

    assert "12.02 EUR / hour" in text
    assert "at least the platform’s pay floor" in text
    assert "none given (the time allotted is a deadline)" in text
    assert "0.66 EUR" not in text  # 0.11 over the 600 s deadline is no one's rate
    client.cookies["django_language"] = "fr"
    text = client.get(f"/work/projects/{hit_type_id}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "au moins le plancher de rémunération de la plateforme" in text
