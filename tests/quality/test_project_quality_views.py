"""The requester's pages of a project's gold questions, rules, rule actions and workers."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microwork.quality import services
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import GoldSettings, Rule, RuleAction
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

REASON = "Your accuracy on questions with known answers is 50 % over 10 answers."


def _rule(project, **overrides):
    fields = {
        "condition": RuleCondition.GOLD_ACCURACY_BELOW,
        "threshold_percent": 70,
        "action": RuleActionKind.BLOCK,
        "min_observations": 10,
    }
    return services.rule_create(project=project, **(fields | overrides))


def _action(rule, worker):
    return RuleAction.objects.create(
        rule=rule,
        project=rule.project,
        worker=worker,
        action=rule.action,
        reason=REASON,
        observed_percent=50,
        observations=10,
    )


@pytest.fixture
def setup():
    project = ProjectFactory()
    rule = _rule(project)
    worker = WorkerFactory()
    action = _action(rule, worker)
    return {"project": project, "rule": rule, "action": action, "worker": worker}


# (url name, method, the url's arguments from the setup)
VIEWS = [
    ("quality:project-quality", "get", lambda s: [s["project"].pk]),
    ("quality:project-workers", "get", lambda s: [s["project"].pk]),
    ("quality:project-gold", "post", lambda s: [s["project"].pk]),
    ("quality:rule-create", "post", lambda s: [s["project"].pk]),
    ("quality:rule-disable", "post", lambda s: [s["project"].pk, s["rule"].pk]),
    ("quality:rule-action-lift", "post", lambda s: [s["project"].pk, s["action"].pk]),
]
GOLD_POST = {"mixing_rate_percent": "20", "workers_per_gold_task": "10", "shows_feedback": "on"}
RULE_POST = {
    "condition": RuleCondition.AGREEMENT_BELOW,
    "threshold_percent": "60",
    "min_observations": "5",
    "action": RuleActionKind.LOWER_WEIGHT,
    "weight_percent": "25",
}


def _post_data(name):
    return {"quality:project-gold": GOLD_POST, "quality:rule-create": RULE_POST}.get(name, {})


def _unchanged(setup):
    setup["rule"].refresh_from_db()
    setup["action"].refresh_from_db()
    return (
        setup["rule"].is_active,
        setup["action"].lifted_at,
        Rule.objects.count(),
        GoldSettings.objects.count(),
    ) == (True, None, 1, 0)


@pytest.mark.parametrize(("name", "method", "args"), VIEWS)
def test_project_quality_views_send_anonymous_visitors_to_login(setup, name, method, args):
    url = reverse(name, args=args(setup))

    response = getattr(Client(), method)(url, _post_data(name))

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"
    assert _unchanged(setup)


@pytest.mark.parametrize(("name", "method", "args"), VIEWS)
def test_project_quality_views_refuse_workers(setup, name, method, args):
    client = Client()
    client.force_login(setup["worker"])

    response = getattr(client, method)(reverse(name, args=args(setup)), _post_data(name))

    assert response.status_code == 403
    assert _unchanged(setup)


@pytest.mark.parametrize(("name", "method", "args"), VIEWS)
def test_project_quality_views_hide_another_requesters_project(setup, name, method, args):
    client = Client()
    client.force_login(RequesterFactory())

    response = getattr(client, method)(reverse(name, args=args(setup)), _post_data(name))

    assert response.status_code == 404
    assert _unchanged(setup)


def test_rule_urls_of_another_project_are_404_under_ones_own(setup):
    own = ProjectFactory()
    client = Client()
    client.force_login(own.requester)

    disable = client.post(reverse("quality:rule-disable", args=[own.pk, setup["rule"].pk]))
    lift = client.post(reverse("quality:rule-action-lift", args=[own.pk, setup["action"].pk]))

    assert (disable.status_code, lift.status_code) == (404, 404)
    assert _unchanged(setup)


def _owner_client(setup):
    client = Client()
    client.force_login(setup["project"].requester)
    return client


def test_project_quality_page_lists_rules_and_their_actions_with_reasons(setup):
    response = _owner_client(setup).get(
        reverse("quality:project-quality", args=[setup["project"].pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "accuracy on gold below (%)" in html
    assert REASON in html
    assert setup["worker"].worker_id in html
    assert "1 (1)" in html  # actions taken (live)


def test_project_gold_saves_the_settings(setup):
    project = setup["project"]

    response = _owner_client(setup).post(
        reverse("quality:project-gold", args=[project.pk]), GOLD_POST
    )

    assert response.status_code == 302
    settings = GoldSettings.objects.get(project=project)
    assert (
        settings.mixing_rate_percent,
        settings.workers_per_gold_task,
        settings.shows_feedback,
    ) == (20, 10, True)


def test_project_gold_refuses_a_rate_over_100_and_saves_nothing(setup):
    project = setup["project"]

    response = _owner_client(setup).post(
        reverse("quality:project-gold", args=[project.pk]), {"mixing_rate_percent": "150"}
    )

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert not GoldSettings.objects.exists()


def test_rule_create_adds_the_rule(setup):
    project = setup["project"]

    response = _owner_client(setup).post(
        reverse("quality:rule-create", args=[project.pk]), RULE_POST
    )

    assert response.status_code == 302
    rule = Rule.objects.exclude(pk=setup["rule"].pk).get()
    assert (
        rule.project,
        rule.condition,
        rule.threshold_percent,
        rule.min_observations,
        rule.action,
        rule.weight_percent,
        rule.is_active,
    ) == (project, RuleCondition.AGREEMENT_BELOW, 60, 5, RuleActionKind.LOWER_WEIGHT, 25, True)


def test_rule_create_refuses_a_missing_threshold_and_adds_nothing(setup):
    data = RULE_POST | {"threshold_percent": ""}

    response = _owner_client(setup).post(
        reverse("quality:rule-create", args=[setup["project"].pk]), data
    )

    assert response.status_code == 400
    assert Rule.objects.count() == 1


def test_rule_disable_stops_the_rule_and_keeps_its_actions(setup):
    response = _owner_client(setup).post(
        reverse("quality:rule-disable", args=[setup["project"].pk, setup["rule"].pk])
    )

    assert response.status_code == 302
    setup["rule"].refresh_from_db()
    setup["action"].refresh_from_db()
    assert setup["rule"].is_active is False
    assert setup["action"].lifted_at is None


def test_rule_action_lift_ends_the_action_and_the_worker_sees_when(setup):
    response = _owner_client(setup).post(
        reverse("quality:rule-action-lift", args=[setup["project"].pk, setup["action"].pk])
    )

    assert response.status_code == 302
    setup["action"].refresh_from_db()
    assert setup["action"].lifted_at is not None
    worker = Client()
    worker.force_login(setup["worker"])
    standing = worker.get(reverse("quality:worker-standing")).content.decode()
    assert REASON in standing
    assert "lifted on" in standing


def test_a_rules_action_shows_on_the_workers_standing_page_with_its_reason(setup):
    client = Client()
    client.force_login(setup["worker"])

    html = client.get(reverse("quality:worker-standing")).content.decode()

    assert REASON in html
    assert setup["project"].title in html


def test_project_workers_page_shows_each_figure_with_its_observations():
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    project = batch.project
    good, poor = WorkerFactory.create_batch(2)
    gold = [TaskFactory(batch=batch, gold={"answer": "yes"}) for _ in range(2)]
    for task in gold:
        SubmittedAssignmentFactory(
            task=task, worker=good, answers={"answer": "yes"}, work_seconds=30
        )
    SubmittedAssignmentFactory(task=gold[0], worker=poor, answers={"answer": "no"}, work_seconds=10)
    SubmittedAssignmentFactory(
        task=gold[1],
        worker=poor,
        answers={"answer": "yes"},
        work_seconds=10,
        state=AssignmentState.REJECTED,
        feedback="Guessed",
        reviewed_at=timezone.now(),
    )
    rule = _rule(project, action=RuleActionKind.LOWER_WEIGHT, weight_percent=40)
    _action(rule, poor)
    client = Client()
    client.force_login(project.requester)

    response = client.get(reverse("quality:project-workers", args=[project.pk]))

    assert response.status_code == 200
    figures = {row.stats.worker_id: row for row in response.context["workers"]}
    assert response.context["project_median_seconds"] == 20
    good_row, poor_row = figures[good.worker_id], figures[poor.worker_id]
    assert (good_row.stats.gold_accuracy.hits, good_row.stats.gold_accuracy.n) == (2, 2)
    assert (poor_row.stats.gold_accuracy.hits, poor_row.stats.gold_accuracy.n) == (1, 2)
    assert (poor_row.stats.rejection_rate.hits, poor_row.stats.rejection_rate.n) == (1, 1)
    assert (good_row.speed_percent, poor_row.speed_percent) == (150.0, 50.0)
    assert (good_row.weight, poor_row.weight) == (1.0, 0.4)
    assert [a.action for a in poor_row.live_actions] == [RuleActionKind.LOWER_WEIGHT]
    html = response.content.decode()
    assert '50.0 % <span class="muted">(n=2)</span>' in html
    assert "40 %" in html
