"""Quality rules: evaluated after each submission, every action recorded and shown."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from microwork.quality import rules, services
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import RuleAction
from microwork.quality.refusals import BlockedByRule
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

GOLD_REASON = (
    "Your accuracy on questions with known answers is 33 % over 3 answers, below this "
    "project's minimum of 70 %. You can no longer accept tasks of this project."
)


@pytest.fixture
def batch():
    return PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))


def gold_rule(project, **overrides):
    fields = {
        "condition": RuleCondition.GOLD_ACCURACY_BELOW,
        "threshold_percent": 70,
        "min_observations": 3,
        "action": RuleActionKind.BLOCK,
    }
    return services.rule_create(project=project, **(fields | overrides))


def submit(task, worker, label):
    assignment = AssignmentFactory(task=task, worker=worker)
    return work.assignment_submit(assignment=assignment, fields={"answer": [label]}, worker=worker)


def test_gold_rule_blocks_after_enough_gold_answers_and_records_why(batch, worker):
    gold_rule(batch.project)
    tasks = [TaskFactory(batch=batch, gold={"answer": "yes"}) for _ in range(3)]

    submit(tasks[0], worker, "yes")
    submit(tasks[1], worker, "no")
    assert not RuleAction.objects.exists()  # 2 gold answers: fewer than the minimum of 3

    submit(tasks[2], worker, "no")

    (action,) = RuleAction.objects.all()
    assert (action.worker, action.project, action.action) == (
        worker,
        batch.project,
        RuleActionKind.BLOCK,
    )
    assert (round(action.observed_percent, 2), action.observations) == (33.33, 3)
    assert action.reason == GOLD_REASON


def test_a_rule_block_stops_claims_in_that_project_only(batch, worker):
    gold_rule(batch.project)
    for label in ("no", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)
    open_task = TaskFactory(batch=batch)
    other_task = TaskFactory()

    with pytest.raises(BlockedByRule, match="below this project's minimum of 70 %"):
        work.assignment_claim(worker=worker, task=open_task)

    assert not open_task.assignments.exists()
    assert work.assignment_claim(worker=worker, task=other_task).worker == worker


def test_a_lifted_block_lets_the_worker_claim_again(batch, worker):
    gold_rule(batch.project)
    for label in ("no", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)
    (action,) = RuleAction.objects.all()

    rules.rule_action_lift(action=action)

    assert services.ensure_can_accept(worker=worker, project=batch.project) is None


def test_a_lifted_action_is_a_fresh_start_not_retaken_at_the_next_answer(batch, worker):
    gold_rule(batch.project)
    for label in ("no", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)
    (action,) = RuleAction.objects.all()
    rules.rule_action_lift(action=action)

    # The old figure (0 of 3) is still below 70 %, but only answers after the lift count now.
    submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, "no")
    submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, "yes")

    assert RuleAction.objects.filter(lifted_at__isnull=True).count() == 0
    assert services.ensure_can_accept(worker=worker, project=batch.project) is None


def test_after_a_lift_the_rule_acts_again_on_enough_new_answers(batch, worker):
    gold_rule(batch.project)
    for label in ("no", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)
    (first,) = RuleAction.objects.all()
    rules.rule_action_lift(action=first)

    for label in ("yes", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)

    second = RuleAction.objects.get(lifted_at__isnull=True)
    assert second.pk != first.pk
    assert (round(second.observed_percent, 2), second.observations) == (33.33, 3)
    assert RuleAction.objects.count() == 2


def test_a_rule_acts_once_per_worker(batch, worker):
    gold_rule(batch.project, action=RuleActionKind.FLAG)
    for label in ("no", "no", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)

    assert RuleAction.objects.count() == 1


def test_good_workers_and_inactive_rules_trigger_nothing(batch, worker):
    gold_rule(batch.project)
    inactive = gold_rule(batch.project, threshold_percent=100)
    inactive.is_active = False
    inactive.save()
    for _ in range(3):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, "Yes ")

    assert not RuleAction.objects.exists()


def test_speed_rule_flags_a_worker_far_faster_than_the_project(batch):
    services.rule_create(
        project=batch.project,
        condition=RuleCondition.MEDIAN_TIME_BELOW,
        threshold_percent=20,
        min_observations=2,
        action=RuleActionKind.FLAG,
    )
    careful, hasty = WorkerFactory(), WorkerFactory()
    for _ in range(4):
        SubmittedAssignmentFactory(task=TaskFactory(batch=batch), worker=careful, work_seconds=100)
    for _ in range(2):
        SubmittedAssignmentFactory(task=TaskFactory(batch=batch), worker=hasty, work_seconds=5)

    assert rules.rules_evaluate(worker=careful, project=batch.project) == []
    (action,) = rules.rules_evaluate(worker=hasty, project=batch.project)

    # Project median over 6 answers: 100 s; theirs: 5 s, 5 %.
    assert (action.action, action.observed_percent, action.observations) == ("flag", 5.0, 2)
    assert action.reason.startswith("Your median time per task is 5 % of this project's median")


def test_agreement_rule_lowers_the_weight_of_a_contrarian(batch):
    services.rule_create(
        project=batch.project,
        condition=RuleCondition.AGREEMENT_BELOW,
        threshold_percent=50,
        min_observations=2,
        action=RuleActionKind.LOWER_WEIGHT,
        weight_percent=25,
    )
    a, b, contrarian = WorkerFactory.create_batch(3)
    for _ in range(2):
        task = TaskFactory(batch=batch)
        SubmittedAssignmentFactory(task=task, worker=a, answers={"answer": "x"})
        SubmittedAssignmentFactory(task=task, worker=b, answers={"answer": "x"})
        SubmittedAssignmentFactory(task=task, worker=contrarian, answers={"answer": "y"})

    assert rules.rules_evaluate(worker=a, project=batch.project) == []
    (action,) = rules.rules_evaluate(worker=contrarian, project=batch.project)

    assert (action.observed_percent, action.observations) == (0.0, 2)
    assert rules.answer_weight(worker=contrarian, project=batch.project) == 0.25
    assert rules.answer_weight(worker=a, project=batch.project) == 1.0


def test_agreement_leaves_out_rejected_answers(batch):
    worker, other1, other2 = WorkerFactory.create_batch(3)
    task = TaskFactory(batch=batch)
    SubmittedAssignmentFactory(task=task, worker=worker, answers={"answer": "x"})
    SubmittedAssignmentFactory(task=task, worker=other1, answers={"answer": "y"})
    SubmittedAssignmentFactory(
        task=task,
        worker=other2,
        answers={"answer": "y"},
        state=AssignmentState.REJECTED,
        feedback="spam",
    )

    assert rules.majority_agreement(worker=worker, project=batch.project) == (None, 0)


def test_rule_create_refuses_bad_values(batch):
    with pytest.raises(ValidationError):
        gold_rule(batch.project, threshold_percent=101)
    with pytest.raises(ValidationError):
        gold_rule(batch.project, condition="luck")
    with pytest.raises(ValidationError):
        gold_rule(batch.project, min_observations=0)


def test_worker_standing_page_shows_rule_actions_with_reasons(client, batch, worker):
    gold_rule(batch.project)
    for label in ("no", "no", "no"):
        submit(TaskFactory(batch=batch, gold={"answer": "yes"}), worker, label)
    (action,) = RuleAction.objects.all()
    RuleAction.objects.filter(pk=action.pk).update(created_at=action.created_at - timedelta(days=1))
    client.force_login(worker)

    response = client.get(reverse("quality:worker-standing"))

    assert response.status_code == 200
    body = response.content.decode()
    assert batch.project.title in body
    assert "below this project&#x27;s minimum of 70 %" in body
