"""The requester's pages of a project's gold questions, rules, rule actions and workers."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microwork.quality import selectors, services
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import BatchAggregation, GoldSettings, Rule, RuleAction
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


# --- the workers page, a page at a time ----------------------------------------------------


def _workers_answering(batch, counts: list[int]) -> list:
    """A worker per entry of `counts`, each answering that many of the batch's tasks (the
    first one gold), with its seconds; the tasks are made as needed."""
    tasks = list(batch.tasks.order_by("row_number"))
    tasks += [TaskFactory(batch=batch) for _ in range(max(counts) - len(tasks))]
    workers = WorkerFactory.create_batch(len(counts))
    for index, (worker, count) in enumerate(zip(workers, counts, strict=True)):
        for task in tasks[:count]:
            SubmittedAssignmentFactory(
                task=task, worker=worker, answers={"answer": "yes"}, work_seconds=10 + index
            )
    return workers


def _ordered(workers, counts) -> list[str]:
    """The workers page's order: most answers first, then by worker id."""
    pairs = sorted((-count, w.worker_id) for w, count in zip(workers, counts, strict=True))
    return [worker_id for _count, worker_id in pairs]


@pytest.fixture
def paged(monkeypatch):
    """A project whose five workers answered 3, 1, 2, 2 and 1 tasks, two workers a page."""
    monkeypatch.setattr("microwork.web.quality.views.WORKERS_PER_PAGE", 2)
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=5))
    TaskFactory(batch=batch, gold={"answer": "yes"})
    counts = [3, 1, 2, 2, 1]
    workers = _workers_answering(batch, counts)
    client = Client()
    client.force_login(batch.project.requester)
    return {"project": batch.project, "client": client, "order": _ordered(workers, counts)}


def _page(paged, query=""):
    url = reverse("quality:project-workers", args=[paged["project"].pk])
    return paged["client"].get(f"{url}?{query}")


def _shown(response) -> list[str]:
    return [row.stats.worker_id for row in response.context["workers"]]


def test_project_workers_page_shows_most_answers_first_a_page_at_a_time(paged):
    first, second, third = (_page(paged, f"page={number}") for number in (1, 2, 3))

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert _shown(first) == paged["order"][:2]
    assert _shown(second) == paged["order"][2:4]
    assert _shown(third) == paged["order"][4:]
    assert [row.stats.timed for row in first.context["workers"]] == [3, 2]
    assert first.context["page"].paginator.num_pages == 3


def test_project_workers_page_figures_match_those_of_every_worker(paged):
    everyone = selectors.project_worker_figures(project=paged["project"])

    second = _page(paged, "page=2")

    assert second.context["workers"] == everyone["workers"][2:4]
    # 9 answers: 10, 10, 10, 11, 12, 12, 13, 13 and 14 seconds.
    assert second.context["project_median_seconds"] == everyone["project_median_seconds"] == 12


def test_project_workers_page_past_the_end_shows_the_last_and_a_bad_number_the_first(paged):
    past, bad = _page(paged, "page=99"), _page(paged, "page=two")

    assert (past.status_code, bad.status_code) == (200, 200)
    assert (past.context["page"].number, bad.context["page"].number) == (3, 1)
    assert _shown(past) == paged["order"][4:]
    assert _shown(bad) == paged["order"][:2]


def test_project_workers_page_links_keep_the_chosen_method(paged):
    html = _page(paged, "method=majority_vote&page=2").content.decode()

    assert 'href="?method=majority_vote&amp;page=1"' in html
    assert 'href="?method=majority_vote&amp;page=3"' in html
    assert "Page 2 of 3" in html


def test_project_workers_page_of_another_requester_is_404_and_a_workers_403(paged):
    url = reverse("quality:project-workers", args=[paged["project"].pk]) + "?page=2"
    other, worker = Client(), Client()
    other.force_login(RequesterFactory())
    worker.force_login(WorkerFactory())

    assert other.get(url).status_code == 404
    assert worker.get(url).status_code == 403
    assert not BatchAggregation.objects.exists()


def _workers_page_queries(count: int) -> int:
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=count))
    TaskFactory(batch=batch, gold={"answer": "yes"})
    workers = _workers_answering(batch, [2] * count)
    rule = _rule(batch.project, action=RuleActionKind.LOWER_WEIGHT, weight_percent=40)
    for worker in workers:
        _action(rule, worker)
    client = Client()
    client.force_login(batch.project.requester)
    url = reverse("quality:project-workers", args=[batch.project.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(response.context["workers"]) == count
    assert all(len(row.live_actions) == 1 for row in response.context["workers"])
    return len(queries)


def test_project_workers_page_queries_do_not_grow_with_its_workers():
    assert _workers_page_queries(3) == _workers_page_queries(30)


def test_project_median_time_is_the_middle_answers_or_the_mean_of_the_two():
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=5))
    task = TaskFactory(batch=batch)
    for seconds in (100, 3, 8, 5):
        SubmittedAssignmentFactory(task=task, work_seconds=seconds)
    even = selectors.project_worker_figures(project=batch.project)["project_median_seconds"]
    SubmittedAssignmentFactory(task=task, work_seconds=1)

    odd = selectors.project_worker_figures(project=batch.project)["project_median_seconds"]

    assert (even, odd) == (6.5, 5)
    assert isinstance(odd, int)  # shown "5 s", as statistics.median gives it, not "5.0 s"
