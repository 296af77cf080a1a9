"""Appeals against the actions of quality rules: opening, answers, automatic grants, staff."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from microwork.fairness import selectors, services, settlement
from microwork.fairness.enums import AppealDecider, AppealState, AppealSubject
from microwork.fairness.models import Appeal
from microwork.quality import rules
from microwork.quality import services as quality
from microwork.quality.enums import RuleActionKind
from microwork.quality.refusals import BlockedByRule
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.fairness.factories import REASON, rule_action

pytestmark = pytest.mark.django_db


def appeal_of(action, message="I checked every answer."):
    return services.appeal_rule_action_open(worker=action.worker, action=action, message=message)


def state(action):
    """What an appeal's decision may change: the action's end, and what it does to the worker."""
    action.refresh_from_db()
    return (
        action.lifted_at,
        rules.live_block(worker=action.worker, project=action.project),
        rules.answer_weight(worker=action.worker, project=action.project),
    )


def test_appeal_of_a_rule_action_goes_to_the_projects_requester_with_the_reason():
    action = rule_action()

    appeal = appeal_of(action)

    assert appeal.subject == AppealSubject.RULE_ACTION
    assert appeal.rule_action == action
    assert appeal.assignment is None
    assert appeal.requester == action.project.requester
    assert appeal.worker == action.worker
    assert appeal.appealed_reason == REASON
    assert appeal.appealed_at == action.created_at
    assert appeal.state == AppealState.OPEN
    assert appeal.answer_due_at == appeal.opened_at + timedelta(days=7)
    assert state(action)[0] is None


def test_appeal_of_another_workers_action_is_refused():
    action = rule_action()

    with pytest.raises(services.FairnessRefused):
        services.appeal_rule_action_open(worker=WorkerFactory(), action=action, message="Mine?")

    assert not Appeal.objects.exists()


def test_appeal_of_a_lifted_action_is_refused():
    action = rule_action()
    rules.rule_action_lift(action=action)

    with pytest.raises(services.FairnessRefused):
        appeal_of(action)

    assert not Appeal.objects.exists()


def test_appeal_after_7_days_is_refused_and_just_before_accepted():
    late = rule_action(created_at=timezone.now() - timedelta(days=7, seconds=1))
    in_time = rule_action(created_at=timezone.now() - timedelta(days=6, hours=23))

    with pytest.raises(services.FairnessRefused):
        appeal_of(late)
    appeal_of(in_time)

    assert list(Appeal.objects.values_list("rule_action", flat=True)) == [in_time.pk]


def test_an_action_is_appealed_once_even_after_a_denial():
    action = rule_action()
    appeal = appeal_of(action)
    services.appeal_answer(
        appeal=appeal, requester=appeal.requester, grant=False, answer="Gold is right."
    )

    with pytest.raises(services.FairnessRefused):
        appeal_of(action, message="Again")

    assert Appeal.objects.count() == 1


def test_a_message_is_required():
    action = rule_action()

    with pytest.raises(ValidationError):
        appeal_of(action, message="  ")

    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    "kind", [RuleActionKind.BLOCK, RuleActionKind.FLAG, RuleActionKind.LOWER_WEIGHT]
)
def test_requester_grant_lifts_the_action(kind):
    action = rule_action(kind=kind)
    appeal = appeal_of(action)

    services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=True)

    lifted_at, block, weight = state(action)
    assert lifted_at is not None
    assert (block, weight) == (None, 1.0)
    quality.ensure_can_accept(worker=action.worker, project=action.project)  # no raise
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decider) == (
        AppealState.GRANTED,
        AppealDecider.REQUESTER,
        action.project.requester,
    )


def test_requester_denial_needs_a_reason_and_changes_nothing():
    action = rule_action(kind=RuleActionKind.LOWER_WEIGHT)
    appeal = appeal_of(action)
    before = state(action)
    assert before == (None, None, 0.25)

    with pytest.raises(ValidationError):
        services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="")
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    services.appeal_answer(
        appeal=appeal, requester=appeal.requester, grant=False, answer="Gold is right."
    )

    assert state(action) == before
    appeal.refresh_from_db()
    assert (appeal.state, appeal.answer) == (AppealState.DENIED, "Gold is right.")


def test_a_denied_block_still_blocks():
    action = rule_action()
    appeal = appeal_of(action)

    services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="No.")

    with pytest.raises(BlockedByRule):
        quality.ensure_can_accept(worker=action.worker, project=action.project)


def test_another_requester_cannot_answer():
    action = rule_action()
    appeal = appeal_of(action)
    before = state(action)

    with pytest.raises(services.FairnessRefused):
        services.appeal_answer(appeal=appeal, requester=RequesterFactory(), grant=True)

    assert state(action) == before
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN


def test_unanswered_appeal_is_granted_after_7_days_and_lifts_the_action_once():
    action = rule_action()
    appeal = appeal_of(action)
    start = timezone.now()

    assert services.appeals_grant_overdue(now=start + timedelta(days=6)) == 0
    assert state(action)[0] is None
    assert services.appeals_grant_overdue(now=start + timedelta(days=7, seconds=1)) == 1
    lifted_at = state(action)[0]
    assert lifted_at is not None
    assert services.appeals_grant_overdue(now=start + timedelta(days=8)) == 0

    assert state(action) == (lifted_at, None, 1.0)
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decider) == (
        AppealState.GRANTED,
        AppealDecider.AUTOMATIC,
        None,
    )
    with pytest.raises(services.FairnessRefused):
        services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="No")
    assert state(action)[0] == lifted_at


def test_the_sweep_grants_an_overdue_appeal_once():
    action = rule_action()
    appeal = appeal_of(action)
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=timezone.now() - timedelta(seconds=1))

    assert settlement.settle_due().appeals_granted == 1
    lifted_at = state(action)[0]
    assert settlement.settle_due().appeals_granted == 0

    assert lifted_at is not None
    assert state(action)[0] == lifted_at


def test_an_action_the_requester_lifted_meanwhile_keeps_its_first_end():
    action = rule_action()
    appeal = appeal_of(action)
    lifted_at = rules.rule_action_lift(action=action).lifted_at

    services.appeals_grant_overdue(now=timezone.now() + timedelta(days=8))

    appeal.refresh_from_db()
    assert appeal.state == AppealState.GRANTED
    assert state(action)[0] == lifted_at


def test_staff_overrule_a_denial_and_lift_the_action():
    action = rule_action()
    appeal = appeal_of(action)
    services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=False, answer="No.")
    staff = UserFactory(role="requester", is_staff=True)

    with pytest.raises(services.FairnessRefused):
        services.appeal_arbitrate(appeal=appeal, staff=WorkerFactory(), grant=True, answer="x")
    assert state(action)[0] is None
    services.appeal_arbitrate(appeal=appeal, staff=staff, grant=True, answer="Gold was wrong.")

    assert state(action)[0] is not None
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decider) == (
        AppealState.GRANTED,
        AppealDecider.STAFF,
        staff,
    )


def test_the_database_ties_the_subject_to_the_action():
    action = rule_action()
    fields = {
        "worker": action.worker,
        "requester": action.project.requester,
        "appealed_at": action.created_at,
        "message": "x",
        "answer_due_at": timezone.now(),
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(subject=AppealSubject.RULE_ACTION, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(subject=AppealSubject.BLOCK, rule_action=action, **fields)
    Appeal.objects.create(subject=AppealSubject.RULE_ACTION, rule_action=action, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(subject=AppealSubject.RULE_ACTION, rule_action=action, **fields)

    assert Appeal.objects.count() == 1


def test_the_requesters_figures_count_rule_action_appeals():
    action = rule_action()
    appeal = appeal_of(action)
    services.appeal_answer(appeal=appeal, requester=appeal.requester, grant=True)

    reputation = selectors.requester_reputation(action.project.requester)

    assert (reputation.appeals, reputation.appeals_granted) == (1, 1)


def test_standing_rows_say_which_actions_can_be_appealed():
    worker = WorkerFactory()
    appealed = rule_action(worker=worker)
    appeal = appeal_of(appealed)
    lifted = rule_action(worker=worker, lifted_at=timezone.now())
    old = rule_action(worker=worker, created_at=timezone.now() - timedelta(days=8))
    live = rule_action(worker=worker)

    rows = selectors.rule_actions_with_appeals([appealed, lifted, old, live])

    assert rows == [
        (appealed, appeal, False),
        (lifted, None, False),
        (old, None, False),
        (live, None, True),
    ]


def _overdue(appeal):
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=timezone.now() - timedelta(seconds=1))


def test_a_claim_lifts_a_rule_block_whose_appeal_went_unanswered():
    action = rule_action()
    appeal = appeal_of(action)
    _overdue(appeal)

    assert quality.ensure_can_accept(worker=action.worker, project=action.project) is None

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.AUTOMATIC)
    assert state(action)[1] is None


def test_a_claim_within_the_appeal_window_stays_blocked_and_decides_nothing():
    action = rule_action()
    appeal = appeal_of(action)

    with pytest.raises(BlockedByRule):
        quality.ensure_can_accept(worker=action.worker, project=action.project)

    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    assert state(action)[0] is None
