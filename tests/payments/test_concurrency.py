"""64 threads on PostgreSQL approving, sending bonuses and paying out the same assignments and
accounts at once, each action also retried with the same idempotency key."""

import pytest

from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Bonus, Payout, Posting
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.threads import run_in_threads
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 64
ASSIGNMENTS = 48  # 16 tasks x 3
BONUS_KEYS = 32
REWARD, FEE = 50, 10  # 0.50 with 3 assignments per task: 20% fee
BONUS, BONUS_FEE = 10, 2


def test_64_threads_approving_bonusing_and_paying_out_move_every_amount_exactly_once(settings):
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 10
    batch = PublishedBatchFactory(
        project=ProjectFactory(assignments_per_task=3, reward_cents=REWARD)
    )
    tasks = make_tasks(batch, 16)
    requester = batch.project.requester
    from tests.payments.factories import fund

    fund(requester, 10_000)
    assignments = [SubmittedAssignmentFactory(task=task) for task in tasks for _slot in range(3)]
    funds_before = payments.balance(payments.requester_available(requester))

    def approve_and_bonus(index):
        assignment = assignments[index % ASSIGNMENTS]
        try:
            work.assignment_approve(assignment=assignment, requester=requester)
        except work.ReviewRefused:
            pass  # the other thread on this assignment approved it first
        key = index % BONUS_KEYS
        payments.bonus_send(
            requester=requester,
            assignment=assignments[key],
            amount_cents=BONUS,
            reason="thanks",
            request_key=f"bonus-{key}",
        )

    assert run_in_threads(THREADS, approve_and_bonus) == []

    def pay_out(index):
        worker = assignments[index % BONUS_KEYS].worker
        payments.payout_request(worker=worker, request_key=f"payout-{worker.pk}")

    assert run_in_threads(THREADS, pay_out) == []

    assert ledger_problems() == []
    assert Assignment.objects.filter(state=AssignmentState.APPROVED).count() == ASSIGNMENTS
    assert Posting.objects.filter(kind="reward").count() == ASSIGNMENTS
    assert Bonus.objects.count() == BONUS_KEYS
    assert Payout.objects.count() == BONUS_KEYS
    for index, assignment in enumerate(assignments):
        earned = REWARD + (BONUS if index < BONUS_KEYS else 0)
        available = payments.balance(payments.worker_available(assignment.worker))
        paid_out = sum(
            Payout.objects.filter(worker=assignment.worker).values_list("amount_cents", flat=True)
        )
        assert (available, paid_out) == ((0, earned) if index < BONUS_KEYS else (earned, 0))
    assert payments.balance(payments.platform_fees()) == ASSIGNMENTS * FEE + BONUS_KEYS * BONUS_FEE
    assert payments.balance(
        payments.requester_available(requester)
    ) == funds_before - BONUS_KEYS * (BONUS + BONUS_FEE)
    assert payments.balance(payments.escrow(batch)) == 0
