"""Worker weights: a LOWER_WEIGHT rule action really lowers a worker's say in aggregation."""

import numpy as np
import pytest
from django.utils import timezone

from microwork.quality import rules
from microwork.quality.aggregation.batch import batch_aggregate, worker_skills
from microwork.quality.aggregation.categorical import WEIGHTED_METHODS, aggregate
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import Rule, RuleAction
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import SubmittedAssignmentFactory

TWO_AGAINST_ONE = [("a", "t1", "cat"), ("b", "t1", "cat"), ("c", "t1", "dog")]


def test_ds_mace_honours_weights_in_its_dawid_skene_half():
    answers = _crowd()

    weighted = aggregate(answers, method="ds_mace", worker_weights={"s": 0.0})
    plain = aggregate(answers, method="ds_mace")

    assert weighted.tasks == plain.tasks
    assert not np.allclose(weighted.posteriors, plain.posteriors)


def test_majority_vote_and_wawa_weigh_each_workers_votes():
    for method in ("majority_vote", "wawa"):
        plain = aggregate(TWO_AGAINST_ONE, method=method)
        lowered = aggregate(TWO_AGAINST_ONE, method=method, worker_weights={"a": 0.2, "b": 0.2})

        assert plain.labels == {"t1": "cat"}
        assert lowered.labels == {"t1": "dog"}


def test_majority_vote_confidence_is_the_weighted_share():
    result = aggregate(TWO_AGAINST_ONE, method="majority_vote", worker_weights={"c": 0.5})

    assert result.confidence == {"t1": pytest.approx(2 / 2.5)}


def test_majority_vote_falls_back_to_plain_votes_when_every_weight_is_zero():
    answers = [("a", "t1", "cat"), ("b", "t1", "cat"), ("c", "t1", "dog")]

    result = aggregate(answers, method="majority_vote", worker_weights={"a": 0, "b": 0, "c": 0})

    assert result.labels == {"t1": "cat"}


def _crowd(seed=7):
    """40 tasks of 3 classes, 5 decent workers and a spammer "s" who answers on every task."""
    rng = np.random.default_rng(seed)
    truth = {f"t{i}": int(rng.integers(3)) for i in range(40)}
    answers = []
    for task, label in truth.items():
        for worker in ("w1", "w2", "w3", "w4", "w5"):
            right = rng.random() < 0.75
            answers.append((worker, task, label if right else int((label + 1) % 3)))
        answers.append(("s", task, int(rng.integers(3))))
    return answers


def test_dawid_skene_with_weight_zero_is_dawid_skene_without_that_worker():
    answers = _crowd()
    without = [answer for answer in answers if answer[0] != "s"]

    weighted = aggregate(answers, method="dawid_skene", worker_weights={"s": 0.0})
    removed = aggregate(without, method="dawid_skene")

    assert weighted.labels == removed.labels
    for task in removed.tasks:
        assert weighted.probabilities(task) == pytest.approx(removed.probabilities(task), abs=1e-6)


@pytest.mark.parametrize("method", ["dawid_skene", "ds_mace"])
def test_weights_of_one_change_nothing(method):
    answers = _crowd()

    weighted = aggregate(answers, method=method, worker_weights={"w1": 1.0, "s": 1.0})
    plain = aggregate(answers, method=method)

    assert weighted.labels == plain.labels
    assert np.allclose(weighted.posteriors, plain.posteriors)


@pytest.mark.parametrize("method", ["one_coin_ds", "glad", "mace"])
def test_methods_without_weight_support_ignore_weights(method):
    answers = _crowd()

    assert method not in WEIGHTED_METHODS
    weighted = aggregate(answers, method=method, worker_weights={"w1": 0.1, "w2": 0.1})
    plain = aggregate(answers, method=method)

    assert weighted.labels == plain.labels
    assert np.allclose(weighted.posteriors, plain.posteriors)


# --- from the database: rule actions ------------------------------------------------------


def _lower(project, worker, percent):
    rule = Rule.objects.create(
        project=project,
        condition=RuleCondition.AGREEMENT_BELOW,
        threshold_percent=50,
        action=RuleActionKind.LOWER_WEIGHT,
        weight_percent=percent,
    )
    return RuleAction.objects.create(
        rule=rule,
        project=project,
        worker=worker,
        action=RuleActionKind.LOWER_WEIGHT,
        reason="Your answers agree with the other workers' 20 % of the time.",
        observed_percent=20,
        observations=10,
    )


@pytest.mark.django_db
def test_batch_aggregate_lowers_the_weight_of_workers_a_rule_acted_on():
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    task = TaskFactory(batch=batch, row_number=2)
    cat_a, cat_b, dog = WorkerFactory.create_batch(3)
    for worker, label in ((cat_a, "cat"), (cat_b, "cat"), (dog, "dog")):
        SubmittedAssignmentFactory(task=task, worker=worker, answers={"animal": label})
    assert [row.label for row in batch_aggregate(batch, field="animal")] == ["cat"]

    actions = [_lower(batch.project, cat_a, 20), _lower(batch.project, cat_b, 30)]

    for method in WEIGHTED_METHODS:
        (row,) = batch_aggregate(batch, field="animal", method=method)
        assert row.label == "dog", method
    assert rules.answer_weights(project=batch.project) == {
        cat_a.worker_id: 0.2,
        cat_b.worker_id: 0.3,
    }

    RuleAction.objects.filter(pk__in=[a.pk for a in actions]).update(lifted_at=timezone.now())

    assert [row.label for row in batch_aggregate(batch, field="animal")] == ["cat"]
    assert rules.answer_weights(project=batch.project) == {}
    assert set(worker_skills(batch, field="animal")) == {
        cat_a.worker_id,
        cat_b.worker_id,
        dog.worker_id,
    }


@pytest.mark.django_db
def test_answer_weights_take_the_lowest_live_action_of_a_project_only():
    project = ProjectFactory()
    worker = WorkerFactory()
    _lower(project, worker, 60)
    _lower(project, worker, 40)
    _lower(ProjectFactory(), worker, 10)  # another project: no effect here

    assert rules.answer_weights(project=project) == {worker.worker_id: 0.4}
    assert rules.answer_weight(worker=worker, project=project) == 0.4
