"""The pay floor: refused at publish, enforced on the measured median with exact top-ups."""

import pytest
from django.core.exceptions import ValidationError

from microwork.fairness import floor
from microwork.fairness.models import PayFloorNotice
from microwork.fairness.selectors import PayFloorDue, batch_pay_floor_due
from microwork.fairness.services import batch_pay_floor_enforce
from microwork.fairness.settlement import floor_settle_due
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Posting
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.web.guard import forbid_writes

pytestmark = pytest.mark.django_db


def _draft(*, reward, estimate, tasks=2, redundancy=3):
    batch = BatchFactory(
        project=ProjectFactory(
            reward_cents=reward, estimated_seconds=estimate, assignments_per_task=redundancy
        )
    )
    for row in range(tasks):
        TaskFactory(batch=batch, row_number=row + 2, max_assignments=redundancy)
    batch.task_count = tasks
    batch.save()
    return batch


def _funds(batch):
    return payments.balance(payments.requester_available(batch.project.requester))


def test_reward_meeting_floor_is_the_exact_ceiling():
    assert floor.reward_meeting_floor(3600) == 1202
    assert floor.reward_meeting_floor(60) == 21  # 1202 * 60 / 3600 = 20.03
    assert floor.reward_meeting_floor(1800) == 601
    assert floor.meets_floor(reward_cents=21, seconds=60)
    assert not floor.meets_floor(reward_cents=20, seconds=60)


def test_batch_publish_under_the_floor_for_its_estimate_holds_a_reserve():
    """0.20 for an estimated minute: published, each slot held at 0.21 (the floor over the
    estimate) and its fee, so the top-up on measured time is already there (adr 0011)."""
    batch = _draft(reward=20, estimate=60)
    fund(batch.project.requester, 10_000)

    batch = projects.batch_publish(batch=batch)

    assert batch.status == BatchStatus.PUBLISHED
    batch.refresh_from_db()
    assert batch.floor_reserve_cents == 21
    assert batch.reward_cents == 20  # paid at approval; raised only on measured time
    assert payments.balance(payments.escrow(batch)) == 6 * (21 + 4)
    assert _funds(batch) == 10_000 - 6 * 25
    assert ledger_problems() == []


def test_batch_publish_at_the_floor_is_allowed_without_reserve():
    batch = _draft(reward=21, estimate=60)
    fund(batch.project.requester, 10_000)

    batch = projects.batch_publish(batch=batch)

    assert batch.status == BatchStatus.PUBLISHED
    batch.refresh_from_db()
    assert batch.floor_reserve_cents is None
    assert payments.balance(payments.escrow(batch)) == 6 * (21 + 4)


def test_publish_under_the_floor_short_of_the_reserve_is_refused_with_nothing_written():
    batch = _draft(reward=20, estimate=60)
    fund(batch.project.requester, 6 * 24)  # the cost at 0.20, not the reserve at 0.21

    with pytest.raises(payments.InsufficientFunds):
        projects.batch_publish(batch=batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert batch.floor_reserve_cents is None
    assert _funds(batch) == 6 * 24
    assert not Posting.objects.filter(kind="escrow_reserve").exists()


def test_publish_view_publishes_under_the_floor_and_shows_the_reserve(client):
    batch = _draft(reward=20, estimate=60)
    fund(batch.project.requester, 10_000)
    client.force_login(batch.project.requester)

    response = client.post(f"/requester/batches/{batch.pk}/publish/", follow=True)

    assert "The escrow holds each assignment at 0.21 EUR" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED


def test_reserve_rule_for_a_hit_type_without_estimate():
    """The MTurk API's HIT types: the floor over the deadline, at most twice the reward."""

    def reserve(reward, allotted):
        project = ProjectFactory.build(
            reward_cents=reward, time_allotted_seconds=allotted, estimate_is_declared=False
        )
        return floor.reserve_reward_cents(project)

    assert reserve(11, 600) == 22  # the AWS sample: 0.11 for 10 minutes
    assert reserve(100, 360) == 121  # Dallinger: 1.00 for 0.1 hour
    assert reserve(100, 300) == 101  # psiTurk: 1.00 for 5 minutes
    assert reserve(50, 120) is None  # 0.50 pays the floor for the whole deadline


def test_reward_of_zero_is_refused_as_never_meeting_the_floor(requester):
    with pytest.raises(ValidationError) as refused:
        projects.project_create(
            requester=requester,
            title="T",
            description="D",
            reward_cents=0,
            assignments_per_task=1,
            time_allotted_seconds=600,
            lifetime_seconds=3600,
            auto_approval_delay_seconds=3600,
            estimated_seconds=60,
            template_kind="custom_html",
            template_html='<input name="a">',
        )

    assert "can never meet the pay floor" in str(refused.value)
    assert not requester.projects.exists()


def test_project_with_auto_approval_over_the_cap_is_refused(requester, settings):
    settings.MICROWORK_AUTO_APPROVAL_MAX_SECONDS = 7 * 24 * 3600  # an operator's shorter cap
    fields = dict(
        title="T",
        description="D",
        reward_cents=100,
        assignments_per_task=1,
        time_allotted_seconds=600,
        lifetime_seconds=3600,
        estimated_seconds=60,
        template_kind="custom_html",
        template_html='<input name="a">',
    )
    with pytest.raises(ValidationError) as refused:
        projects.project_create(
            requester=requester, auto_approval_delay_seconds=7 * 24 * 3600 + 1, **fields
        )

    assert "auto_approval_delay_seconds" in refused.value.message_dict
    assert not requester.projects.exists()
    project = projects.project_create(
        requester=requester, auto_approval_delay_seconds=7 * 24 * 3600, **fields
    )
    assert project.pk


# --- enforcement on the measured median -----------------------------------------------------


@pytest.fixture
def few_submissions(settings):
    settings.MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS = 3


def _submit(batch, seconds):
    worker = WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    assignment = work.assignment_submit(
        assignment=assignment, fields={"answer": ["yes"]}, worker=worker
    )
    Assignment.objects.filter(pk=assignment.pk).update(work_seconds=seconds)
    assignment.refresh_from_db()
    return assignment


def _slow_batch(funds):
    """Reward 0.10 for an estimated 20 s (18.00 / hour), but the work takes a minute.

    Six slots at 0.10 + 0.02 fee; three submissions, two approved."""
    batch = _draft(reward=10, estimate=20)
    fund(batch.project.requester, funds)
    batch = projects.batch_publish(batch=batch)
    first, second, third = (_submit(batch, seconds) for seconds in (50, 60, 70))
    requester = batch.project.requester
    work.assignment_approve(assignment=first, requester=requester)
    work.assignment_approve(assignment=second, requester=requester)
    return batch, [first, second, third]


def test_enforce_tops_up_approved_work_and_raises_the_reward(few_submissions):
    batch, (first, second, third) = _slow_batch(funds=1000)
    assert _funds(batch) == 1000 - 6 * 12

    notice = batch_pay_floor_enforce(batch=batch)

    # Median 60 s: 0.21 meets 12.02 / hour. Fee at 0.21 is 0.04, at 0.10 it was 0.02.
    assert notice.old_reward_cents == 10
    assert notice.new_reward_cents == 21
    assert notice.median_seconds == 60
    assert notice.topups_count == 2
    assert notice.topups_cents == 22
    assert notice.is_applied
    for assignment in (first, second):
        assert payments.reward_received(assignment) == 21
    batch.refresh_from_db()
    assert batch.reward_cents == 21
    # Four slots still owed, now at 0.25 each: the escrow holds exactly that.
    assert payments.balance(payments.escrow(batch)) == 4 * 25
    assert _funds(batch) == 1000 - 6 * 12 - 2 * (11 + 2) - (4 * 25 - 4 * 12)
    assert ledger_problems() == []

    # The rest is paid at the raised reward.
    work.assignment_approve(assignment=third, requester=batch.project.requester)
    assert payments.reward_received(third) == 21
    assert ledger_problems() == []


def test_enforce_twice_pays_nothing_twice(few_submissions):
    batch, _assignments = _slow_batch(funds=1000)
    batch_pay_floor_enforce(batch=batch)
    postings = Posting.objects.count()
    funds = _funds(batch)

    assert batch_pay_floor_enforce(batch=batch) is None

    assert Posting.objects.count() == postings
    assert _funds(batch) == funds
    assert PayFloorNotice.objects.count() == 1
    assert Posting.objects.filter(kind="topup").count() == 2


def test_topup_pay_is_idempotent_per_assignment_and_level(few_submissions):
    batch, (first, _second, _third) = _slow_batch(funds=1000)
    first.refresh_from_db()

    one = payments_topup(first, 21)
    again = payments_topup(first, 21)
    higher = payments_topup(first, 30)

    assert one.pk == again.pk
    assert payments.reward_received(first) == 30
    assert higher.entries.get(account__kind="worker_available").amount_cents == 9
    assert ledger_problems() == []


def payments_topup(assignment, level):
    from django.db import transaction

    with transaction.atomic():
        return payments.topup_pay(assignment=assignment, reward_cents=level)


def test_enforce_with_short_funds_pauses_until_they_are_there(few_submissions):
    batch, (first, _second, _third) = _slow_batch(funds=6 * 12)
    assert _funds(batch) == 0
    postings = Posting.objects.count()

    notice = batch_pay_floor_enforce(batch=batch)

    assert not notice.is_applied
    assert notice.missing_cents == 2 * 13 + (4 * 25 - 4 * 12)
    assert notice.paused_batch
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAUSED
    assert batch.reward_override_cents is None
    assert Posting.objects.count() == postings
    assert ledger_problems() == []

    fund(batch.project.requester, notice.missing_cents)
    notice = batch_pay_floor_enforce(batch=batch)

    assert notice.is_applied
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.reward_cents == 21
    assert payments.reward_received(first) == 21
    assert _funds(batch) == 0
    assert ledger_problems() == []


def test_enforce_waits_for_enough_submissions(settings):
    settings.MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS = 20
    batch, _assignments = _slow_batch(funds=1000)

    assert batch_pay_floor_enforce(batch=batch) is None
    assert not PayFloorNotice.objects.exists()


def test_batch_pay_floor_due_reads_what_the_next_check_does_exactly(few_submissions):
    batch, _assignments = _slow_batch(funds=1000)

    with forbid_writes():
        due = batch_pay_floor_due(batch)

    # As test_enforce_tops_up_approved_work_and_raises_the_reward: two top-ups of 0.11 with
    # 0.02 of fees each, and four slots still owed at 0.25 instead of 0.12.
    assert due == PayFloorDue(
        floor_cents_per_hour=1202,
        median_seconds=60,
        submissions=3,
        old_reward_cents=10,
        new_reward_cents=21,
        topups_count=2,
        topups_cents=22,
        cost_cents=2 * (11 + 2) + 4 * (25 - 12),
        missing_cents=0,
    )
    assert batch_pay_floor_due(_draft(reward=10, estimate=20)) is None
    batch_pay_floor_enforce(batch=batch)
    assert batch_pay_floor_due(batch) is None  # done: nothing more is due


def test_batch_pay_floor_due_names_the_funds_missing(few_submissions):
    batch, _assignments = _slow_batch(funds=6 * 12 + 30)

    due = batch_pay_floor_due(batch)

    assert (due.cost_cents, due.missing_cents) == (78, 78 - 30)


def test_batch_page_shows_the_raise_due_without_writing(client, few_submissions):
    batch, _assignments = _slow_batch(funds=1000)
    client.force_login(batch.project.requester)

    with forbid_writes():
        response = client.get(f"/requester/batches/{batch.pk}/")

    text = response.content.decode()
    assert "The reward will be raised to 0.21 EUR." in text
    assert "2 approved assignments are due a top-up (0.22 EUR, fees on top)." in text
    assert "The reward is raised to 0.21 EUR." not in text
    batch.refresh_from_db()
    assert batch.reward_cents == 10
    assert not PayFloorNotice.objects.exists()
    assert not Posting.objects.filter(kind="topup").exists()


def test_floor_check_then_raises_once_what_the_batch_page_showed_due(client, few_submissions):
    batch, _assignments = _slow_batch(funds=1000)

    assert floor_settle_due() == 1
    assert floor_settle_due() == 0  # the batch meets the floor now: nothing is paid twice

    assert Posting.objects.filter(kind="topup").count() == 2
    assert PayFloorNotice.objects.get().topups_cents == 22
    client.force_login(batch.project.requester)
    text = client.get(f"/requester/batches/{batch.pk}/").content.decode()
    assert "The reward is raised to 0.21 EUR." in text
    assert "2 approved assignments were topped up (0.22 EUR, fees on top)." in text
    assert "The reward will be raised" not in text
    assert Assignment.objects.filter(state=AssignmentState.APPROVED).count() == 2


def test_workers_see_the_raised_reward_before_accepting(client, few_submissions):
    from microwork.work.selectors import project_pay_facts

    batch, _assignments = _slow_batch(funds=1000)
    batch_pay_floor_enforce(batch=batch)

    assert project_pay_facts(batch.project)["raised_reward_cents"] == 21
    client.force_login(WorkerFactory())
    text = client.get("/work/").content.decode()
    assert "(raised to 0.21 EUR by the pay floor in some batches)" in text


def test_requester_spending_counts_top_ups(few_submissions):
    from microwork.payments.selectors import requester_money

    batch, _assignments = _slow_batch(funds=1000)
    before = requester_money(batch.project.requester)["rewards_cents"]
    batch_pay_floor_enforce(batch=batch)

    assert requester_money(batch.project.requester)["rewards_cents"] == before + 2 * 13


def test_enforce_catches_up_an_approval_paid_at_the_old_reward(few_submissions):
    """An approval racing the raise pays the old reward from escrow; the next run tops it up
    and gives back what the escrow then holds beyond what it owes."""
    batch, (_first, _second, third) = _slow_batch(funds=1000)
    batch_pay_floor_enforce(batch=batch)
    # As if the approval had read the batch before the raise committed.
    from django.db import transaction

    with transaction.atomic():
        stale = Assignment.objects.select_related("task__batch__project", "worker").get(pk=third.pk)
        stale.task.batch.reward_override_cents = None
        payments.reward_pay(assignment=stale)
        Assignment.objects.filter(pk=third.pk).update(state=AssignmentState.APPROVED)
    assert payments.reward_received(third) == 10

    assert batch_pay_floor_enforce(batch=batch) is None

    assert payments.reward_received(third) == 21
    assert ledger_problems() == []


def test_draft_batch_page_tells_of_the_reserve_publishing_holds(client):
    batch = _draft(reward=20, estimate=60)
    client.force_login(batch.project.requester)

    text = client.get(f"/requester/batches/{batch.pk}/").content.decode()

    assert "Publishing holds each assignment at 0.21 EUR in escrow" in text


# --- the reserve pays the top-ups -----------------------------------------------------------


def _reserved_batch(funds):
    """Reward 0.10 for an estimated minute: each of six slots held at 0.21 + 0.04. The work
    takes a minute (50, 60, 70 s); two of three submissions approved."""
    batch = _draft(reward=10, estimate=60)
    fund(batch.project.requester, funds)
    batch = projects.batch_publish(batch=batch)
    first, second, third = (_submit(batch, seconds) for seconds in (50, 60, 70))
    requester = batch.project.requester
    work.assignment_approve(assignment=first, requester=requester)
    work.assignment_approve(assignment=second, requester=requester)
    return batch, [first, second, third]


def test_the_reserve_pays_the_top_ups_without_pausing(few_submissions):
    # Exactly the reserved cost: nothing left in the requester's funds.
    batch, (first, second, third) = _reserved_batch(funds=6 * 25)
    assert _funds(batch) == 0
    assert ledger_problems() == []

    notice = batch_pay_floor_enforce(batch=batch)

    assert notice.is_applied
    assert (notice.old_reward_cents, notice.new_reward_cents) == (10, 21)
    assert not notice.paused_batch
    for assignment in (first, second):
        assert payments.reward_received(assignment) == 21
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.reward_cents == 21
    # Four slots still owed at 0.25; the reserve of the two approved ones paid their top-ups.
    assert payments.balance(payments.escrow(batch)) == 4 * 25
    assert _funds(batch) == 0
    assert ledger_problems() == []
    work.assignment_approve(assignment=third, requester=batch.project.requester)
    assert payments.reward_received(third) == 21
    assert ledger_problems() == []


def test_an_unused_reserve_comes_back_when_the_batch_ends(few_submissions):
    batch = _draft(reward=10, estimate=60)
    fund(batch.project.requester, 1000)
    batch = projects.batch_publish(batch=batch)
    fast = [_submit(batch, seconds) for seconds in (10, 12, 14)]
    for assignment in fast:
        work.assignment_approve(assignment=assignment, requester=batch.project.requester)

    assert batch_pay_floor_enforce(batch=batch) is None  # 0.10 for 12 s meets the floor
    projects.batch_cancel(batch=batch)

    assert payments.balance(payments.escrow(batch)) == 0
    assert _funds(batch) == 1000 - 3 * 12
    assert ledger_problems() == []
