"""Money through the life of a batch: publish, approve, reject, overturn, cancel, expire."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from microwork.fairness.settlement import Settled, settle_due
from microwork.payments import selectors as payment_selectors
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry, Posting
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.web.guard import forbid_writes

pytestmark = pytest.mark.django_db

# reward 0.50, 3 assignments per task: fee 0.10, so each slot costs 0.60.
SLOT = 60


def _draft(tasks=2, redundancy=3, **project):
    batch = BatchFactory(project=ProjectFactory(assignments_per_task=redundancy, **project))
    for row in range(tasks):
        TaskFactory(
            batch=batch, row_number=row + 2, max_assignments=redundancy, open_slots=redundancy
        )
    batch.task_count = tasks
    batch.save()
    return batch


def _published(funds=10_000, **kwargs):
    batch = _draft(**kwargs)
    fund(batch.project.requester, funds)
    return projects.batch_publish(batch=batch)


def _submitted(batch, worker=None):
    worker = worker or WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    return work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)


def _funds(batch):
    return payments.balance(payments.requester_available(batch.project.requester))


def test_batch_publish_reserves_rewards_and_fees_in_escrow():
    batch = _published(funds=10_000)  # 2 tasks x 3 = 6 slots x 0.60

    assert payments.balance(payments.escrow(batch)) == 6 * SLOT
    assert _funds(batch) == 10_000 - 6 * SLOT
    assert payment_selectors.batch_cost(batch)["total_cents"] == 6 * SLOT
    assert ledger_problems() == []


def test_batch_publish_with_short_balance_is_refused_and_changes_nothing():
    batch = _draft()
    fund(batch.project.requester, 300)

    with pytest.raises(payments.InsufficientFunds) as refused:
        projects.batch_publish(batch=batch)

    assert refused.value.missing_cents == 6 * SLOT - 300
    assert "0.60 EUR" in refused.value.message
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert batch.published_at is None
    assert _funds(batch) == 300
    assert Posting.objects.filter(kind="escrow_reserve").count() == 0


def test_batch_publish_fee_is_40_percent_for_tasks_with_10_or_more_assignments():
    batch = _published(funds=100_000, tasks=1, redundancy=10)  # fee 0.20 per 0.50 reward

    assert payments.balance(payments.escrow(batch)) == 10 * 70


def test_approve_pays_worker_reward_and_platform_fee_once():
    batch = _published()
    assignment = _submitted(batch)
    owner = batch.project.requester

    work.assignment_approve(assignment=assignment, requester=owner)

    assert payments.balance(payments.worker_available(assignment.worker)) == 50
    assert payments.balance(payments.platform_fees()) == 10
    assert payments.balance(payments.escrow(batch)) == 5 * SLOT
    with pytest.raises(work.ReviewRefused):
        work.assignment_approve(assignment=assignment, requester=owner)
    assert payments.balance(payments.worker_available(assignment.worker)) == 50
    assert ledger_problems() == []


def test_reject_returns_reward_and_fee_to_requester():
    batch = _published(funds=10_000)
    assignment = _submitted(batch)

    work.assignment_reject(
        assignment=assignment, requester=batch.project.requester, reason="Off topic"
    )

    assert payments.balance(payments.worker_available(assignment.worker)) == 0
    assert _funds(batch) == 10_000 - 5 * SLOT
    assert payments.balance(payments.escrow(batch)) == 5 * SLOT
    assert ledger_problems() == []


def test_overturned_rejection_pays_the_worker_from_requester_funds():
    batch = _published(funds=10_000)
    assignment = _submitted(batch)
    owner = batch.project.requester
    work.assignment_reject(assignment=assignment, requester=owner, reason="Off topic")

    work.assignment_approve(assignment=assignment, requester=owner, feedback="My mistake")

    assert payments.balance(payments.worker_available(assignment.worker)) == 50
    assert _funds(batch) == 10_000 - 6 * SLOT
    assert ledger_problems() == []


def test_overturn_without_funds_is_refused_and_changes_nothing():
    batch = _published(funds=6 * SLOT)
    assignment = _submitted(batch)
    owner = batch.project.requester
    work.assignment_reject(assignment=assignment, requester=owner, reason="Off topic")
    payments.bonus_send(
        requester=owner, assignment=assignment, amount_cents=30, reason="sorry", request_key="drain"
    )  # leaves 0.60 - 0.36 = 0.24, short of one slot

    with pytest.raises(payments.InsufficientFunds):
        work.assignment_approve(assignment=assignment, requester=owner)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REJECTED
    assert payments.balance(payments.worker_available(assignment.worker)) == 30


def test_cancel_returns_unheld_slots_and_keeps_escrow_for_live_work():
    batch = _published(funds=10_000)
    accepted_worker = WorkerFactory()
    accepted = work.assignment_claim_next(worker=accepted_worker, project=batch.project)
    submitted = _submitted(batch)

    projects.batch_cancel(batch=batch)

    assert payments.balance(payments.escrow(batch)) == 2 * SLOT
    assert _funds(batch) == 10_000 - 2 * SLOT
    assert ledger_problems() == []

    work.assignment_return(assignment=accepted, worker=accepted_worker)
    work.assignment_approve(assignment=submitted, requester=batch.project.requester)

    assert payments.balance(payments.escrow(batch)) == 0
    assert _funds(batch) == 10_000 - SLOT
    assert ledger_problems() == []


def test_expired_assignment_of_cancelled_batch_returns_its_escrow_without_a_job():
    batch = _published(funds=10_000)
    worker = WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    projects.batch_cancel(batch=batch)
    Assignment.objects.filter(pk=assignment.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    work.assignments_expire_overdue()

    assert payments.balance(payments.escrow(batch)) == 0
    assert _funds(batch) == 10_000
    assert ledger_problems() == []


def test_batch_past_its_lifetime_gives_unused_escrow_back_on_next_settle():
    batch = _published(funds=10_000)
    submitted = _submitted(batch)
    batch.expires_at = timezone.now() - timedelta(seconds=1)
    batch.save(update_fields=["expires_at"])

    work.assignments_expire_overdue()
    assert payments.batches_release_ended(requester=batch.project.requester) == 1

    assert payments.balance(payments.escrow(batch)) == SLOT
    assert payments.batches_release_ended() == 0  # nothing more to give back
    work.assignment_approve(assignment=submitted, requester=batch.project.requester)
    assert payments.balance(payments.escrow(batch)) == 0
    assert ledger_problems() == []


def _ended_with_work(funds=10_000):
    """An expired batch of six slots (0.60 each held): one submission past its auto-approval
    time, one accepted assignment past its deadline, one accepted within it."""
    batch = _published(funds=funds)
    submitted = _submitted(batch)
    Assignment.objects.filter(pk=submitted.pk).update(
        auto_approval_due_at=timezone.now() - timedelta(seconds=1)
    )
    overdue = work.assignment_claim_next(worker=WorkerFactory(), project=batch.project)
    Assignment.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    live = work.assignment_claim_next(worker=WorkerFactory(), project=batch.project)
    Batch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    batch.refresh_from_db()
    return batch, submitted, overdue, live


def test_requester_money_reads_what_settling_would_move_without_writing():
    batch, _submitted_one, _overdue, _live = _ended_with_work()

    with forbid_writes():
        money = payment_selectors.requester_money(batch.project.requester)

    # Six slots held; still owed once settled: the live accepted one and the submission,
    # which is paid out of it. Back: four slots; due to the worker: one.
    assert {
        key: money[key]
        for key in (
            "available_cents",
            "escrow_cents",
            "escrow_back_cents",
            "ended_batches_due",
            "auto_approvals_due",
            "auto_approvals_cents",
            "available_settled_cents",
            "escrow_settled_cents",
        )
    } == {
        "available_cents": 10_000 - 6 * SLOT,
        "escrow_cents": 6 * SLOT,
        "escrow_back_cents": 4 * SLOT,
        "ended_batches_due": 1,
        "auto_approvals_due": 1,
        "auto_approvals_cents": SLOT,
        "available_settled_cents": 10_000 - 2 * SLOT,
        "escrow_settled_cents": SLOT,
    }
    assert payments.balance(payments.escrow(batch)) == 6 * SLOT


def test_settle_due_then_moves_exactly_what_the_balance_showed_once():
    batch, submitted, overdue, _live = _ended_with_work()
    requester = batch.project.requester
    shown = payment_selectors.requester_money(requester)

    # The expiry of the overdue assignment gives the ended batch's surplus back at once
    # (batch_escrow_due), so the last step finds nothing more to give back.
    assert settle_due() == Settled(expired=1, auto_approved=1, batches_settled=0)
    assert settle_due() == Settled()

    assert _funds(batch) == shown["available_settled_cents"] == 10_000 - 2 * SLOT
    assert payments.balance(payments.escrow(batch)) == shown["escrow_settled_cents"] == SLOT
    assert payments.balance(payments.worker_available(submitted.worker)) == 50
    after = payment_selectors.requester_money(requester)
    assert (after["escrow_back_cents"], after["auto_approvals_due"]) == (0, 0)
    assert ledger_problems() == []


def test_balance_page_shows_what_is_due_back_without_writing(client):
    batch, _submitted_one, _overdue, _live = _ended_with_work()
    client.force_login(batch.project.requester)

    with forbid_writes():
        response = client.get(reverse("payments:requester-balance"))

    text = response.content.decode()
    assert "<dt>Due back from ended batches</dt><dd>2.40 EUR</dd>" in text
    assert (
        "<dt>1 submission past its auto-approval time, due to its worker</dt><dd>0.60 EUR</dd>"
        in text
    )
    assert "<dt>Available once settled</dt><dd>98.80 EUR</dd>" in text
    assert "<dt>In escrow once settled</dt><dd>0.60 EUR</dd>" in text
    assert _funds(batch) == 10_000 - 6 * SLOT


def _another_draft(project, tasks=2):
    batch = BatchFactory(project=project)
    for row in range(tasks):
        TaskFactory(batch=batch, row_number=row + 2, max_assignments=3, open_slots=3)
    batch.task_count = tasks
    batch.save()
    return batch


def test_batch_publish_first_takes_back_the_escrow_of_ended_batches():
    ended = _published(funds=6 * SLOT)
    Batch.objects.filter(pk=ended.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    draft = _another_draft(ended.project)
    assert _funds(ended) == 0

    projects.batch_publish(batch=draft)

    assert payments.balance(payments.escrow(ended)) == 0
    assert payments.balance(payments.escrow(draft)) == 6 * SLOT
    assert _funds(ended) == 0
    assert ledger_problems() == []


def test_batch_publish_gives_back_only_its_requesters_escrow_and_expires_nothing():
    past = timezone.now() - timedelta(seconds=1)
    ended = _published(funds=6 * SLOT)
    overdue = work.assignment_claim_next(worker=WorkerFactory(), project=ended.project)
    Assignment.objects.filter(pk=overdue.pk).update(deadline=past)
    Batch.objects.filter(pk=ended.pk).update(expires_at=past)
    elsewhere = _published()  # another requester's, published after: it expires nothing
    theirs = work.assignment_claim_next(worker=WorkerFactory(), project=elsewhere.project)
    Assignment.objects.filter(pk=theirs.pk).update(deadline=past)
    draft = _another_draft(ended.project, tasks=1)  # three slots

    projects.batch_publish(batch=draft)

    states = dict(Assignment.objects.values_list("pk", "state"))
    assert states == {overdue.pk: AssignmentState.ACCEPTED, theirs.pk: AssignmentState.ACCEPTED}
    assert payments.balance(payments.escrow(ended)) == SLOT  # the overdue slot, until the sweep
    assert _funds(ended) == 5 * SLOT - 3 * SLOT
    assert settle_due().expired == 2
    assert payments.balance(payments.escrow(ended)) == 0
    assert _funds(ended) == 3 * SLOT
    assert ledger_problems() == []


def test_batch_publish_short_even_with_the_escrow_due_back_changes_nothing():
    ended = _published(funds=6 * SLOT)
    Batch.objects.filter(pk=ended.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    draft = _another_draft(ended.project, tasks=3)  # nine slots
    postings = Posting.objects.count()

    with pytest.raises(payments.InsufficientFunds) as refused:
        projects.batch_publish(batch=draft)

    assert refused.value.missing_cents == 3 * SLOT
    draft.refresh_from_db()
    assert draft.status == BatchStatus.DRAFT
    assert payments.balance(payments.escrow(ended)) == 6 * SLOT
    assert _funds(ended) == 0
    assert Posting.objects.count() == postings


def test_auto_approval_pays_due_submissions_with_their_original_due_time():
    batch = _published()
    assignment = _submitted(batch)
    due = assignment.auto_approval_due_at
    assert due == assignment.submitted_at + timedelta(
        seconds=batch.project.auto_approval_delay_seconds
    )

    assert work.assignments_auto_approve_due(now=due - timedelta(seconds=1)) == 0
    assert work.assignments_auto_approve_due(now=due + timedelta(days=3)) == 1

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.APPROVED
    assert assignment.is_auto_approved is True
    assert assignment.reviewed_at == due
    assert payments.balance(payments.worker_available(assignment.worker)) == 50
    assert work.assignments_auto_approve_due(now=due + timedelta(days=3)) == 0
    assert LedgerEntry.objects.filter(posting__kind="reward").count() == 3


def test_reject_after_auto_approval_time_is_refused_and_changes_nothing():
    batch = _published()
    assignment = _submitted(batch)
    Assignment.objects.filter(pk=assignment.pk).update(
        auto_approval_due_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(work.ReviewRefused, match="automatically"):
        work.assignment_reject(
            assignment=assignment, requester=batch.project.requester, reason="late"
        )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert payments.balance(payments.worker_available(assignment.worker)) == 0


def _due_submission(settings):
    """A submission of 0.50 past its auto-approval time, not yet approved; payouts from 0.50."""
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 50
    assignment = _submitted(_published())
    due = timezone.now() - timedelta(seconds=1)
    Assignment.objects.filter(pk=assignment.pk).update(auto_approval_due_at=due)
    return assignment, due


def test_earnings_page_shows_what_is_due_from_auto_approval_without_writing(client, settings):
    assignment, _due = _due_submission(settings)
    client.force_login(assignment.worker)

    with forbid_writes():
        response = client.get(reverse("payments:worker-earnings"))

    money = response.context["money"]
    assert (money["available_cents"], money["auto_approval_due_cents"]) == (0, 50)
    assert (money["awaiting_review_cents"], money["available_settled_cents"]) == (0, 50)
    assert "<dt>Due from auto-approval</dt><dd>0.50 EUR</dd>" in response.content.decode()
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.SUBMITTED


def test_payout_request_first_approves_the_workers_due_work(settings):
    assignment, due = _due_submission(settings)

    payout = payments.payout_request(worker=assignment.worker, request_key="first")

    assert payout.amount_cents == 50
    assignment.refresh_from_db()
    assert (assignment.state, assignment.is_auto_approved) == (AssignmentState.APPROVED, True)
    assert assignment.reviewed_at == due
    assert payments.balance(payments.worker_available(assignment.worker)) == 0
    again = payments.payout_request(worker=assignment.worker, request_key="first")
    assert again.pk == payout.pk
    assert payments.reward_received(assignment) == 50
    assert ledger_problems() == []


def test_payout_request_refused_leaves_the_due_work_to_the_sweep(settings):
    assignment, _due = _due_submission(settings)
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 51
    postings = Posting.objects.count()

    with pytest.raises(payments.PaymentRefused):
        payments.payout_request(worker=assignment.worker, request_key="first")

    assignment.refresh_from_db()
    assert (assignment.state, assignment.is_auto_approved) == (AssignmentState.SUBMITTED, False)
    assert Posting.objects.count() == postings
    assert settle_due().auto_approved == 1


def test_earnings_page_shows_what_is_due_in_french(client, settings):
    assignment, _due = _due_submission(settings)
    client.force_login(assignment.worker)

    text = client.get(reverse("payments:worker-earnings"), HTTP_ACCEPT_LANGUAGE="fr").content
    text = text.decode()

    assert "<dt>Dû par l’approbation automatique</dt>" in text
    assert "Le délai d’approbation automatique de 1 envoi est passé\xa0: il est" in text
