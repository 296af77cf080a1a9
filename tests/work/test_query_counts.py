"""The worker's hot path in exact numbers of queries: accept next, the work page, submit.

docs/performance.md ("Where a pair's CPU goes"): at the target rate each query is a cost the
2 cores pay hundreds of times a second, so a query added to these steps must fail a test here
and be a decision, not an accident. Each step is counted through the test client, on a project
with no quality settings and on one with a rule, gold mixing with feedback and a requirement.
The connection's health check (one `SELECT 1` per request in production) is not seen here.
"""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microwork.quality import services as quality
from microwork.quality.enums import ActionsGuarded, RuleActionKind, RuleCondition
from microwork.quality.gold import gold_settings_save
from microwork.quality.models import RuleAction
from microwork.work import claim, services
from microwork.work.enums import AssignmentState
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory, make_tasks
from tests.quality.factories import (
    ProjectRequirementFactory,
    WorkerBlockFactory,
    WorkerQualificationFactory,
)
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

# On PostgreSQL the claim is one statement; on SQLite (the embedded default) it is an UPDATE
# that picks the task and an INSERT (work/claim.py). The submit's BEGIN and COMMIT are not
# recorded as queries.
CLAIM = 1 if connection.vendor == "postgresql" else 2
# the session with its user, the project, what could stop the worker + open assignment + gold
# rate, claim
PLAIN_ACCEPT = 3 + CLAIM
# the same, then the accept requirements and the worker's grants of their types
QUALITY_ACCEPT = 5 + CLAIM
# the session with its user, the assignment with its task, batch, project and requester
WORK_PAGE = 2
# the assignment locked by its public id, with its task, batch, project and whether the project
# has active rules; the UPDATE; the requester's active webhook endpoints (webhooks' subscriber,
# one prepared statement on an index: docs/adr/0021)
PLAIN_SUBMIT = 3
# the same, then the worker, the rules, their actions on the worker, the gold accuracy measure,
# and whether the project shows gold feedback
QUALITY_SUBMIT = 8
# the session with its user, the project, the facts (an open assignment: yes), the open
# assignment
RESUME_ACCEPT = 4
_SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _plain_project():
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    make_tasks(batch, 2)
    return batch.project


def _quality_project(worker):
    """A project with an active rule, gold mixing at 100% with feedback, and an accept
    requirement that `worker` meets."""
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    make_tasks(batch, 2)
    TaskFactory(batch=batch, gold={"answer": "positive"})
    project = batch.project
    gold_settings_save(
        project=project, mixing_rate_percent=100, shows_feedback=True, workers_per_gold_task=None
    )
    quality.rule_create(
        project=project,
        condition=RuleCondition.GOLD_ACCURACY_BELOW,
        threshold_percent=50,
        action=RuleActionKind.BLOCK,
    )
    requirement = ProjectRequirementFactory(project=project)
    WorkerQualificationFactory(qualification_type=requirement.qualification_type, worker=worker)
    return project


@pytest.fixture(autouse=True)
def _no_sweep_due(monkeypatch):
    """The claim's expiry sweep runs once per process every few seconds, not per accept: it is
    kept out of the counts, which are those of every other accept."""
    monkeypatch.setattr(services, "_last_sweep", time.monotonic())


def _counted(call):
    """The response and its queries, less the savepoints that exist only because the test runs
    in a transaction (in production an atomic block is BEGIN/COMMIT, which are not recorded)."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    queries = [q["sql"] for q in captured if not q["sql"].startswith(_SAVEPOINT_STATEMENTS)]
    return response, len(queries), "\n".join(queries)


def _pair(client, project, answer):
    """Accept next, open the work page, submit through the frame; the queries of each step."""
    counts = {}
    accept_url = reverse("work:project-accept", args=[project.public_id])
    response, counts["accept"], sql = _counted(lambda: client.post(accept_url))
    assert response.status_code == 302, sql
    assignment = Assignment.objects.get(public_id=response.url.rstrip("/").split("/")[-1])
    response, counts["work page"], sql = _counted(lambda: client.get(response.url))
    assert response.status_code == 200, sql
    data = {
        "assignmentId": assignment.public_id,
        "mw_token": frame_token(assignment.public_id),
        "answer": answer,
    }
    response, counts["submit"], sql = _counted(lambda: Client().post(reverse("work:submit"), data))
    assert response.status_code == 200, sql
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.answers == {"answer": answer}
    return assignment, response, counts


def test_pair_on_a_plain_project_takes_the_exact_queries():
    worker = WorkerFactory()
    client = Client()
    client.force_login(worker)

    assignment, response, counts = _pair(client, _plain_project(), "positive")

    assert counts == {"accept": PLAIN_ACCEPT, "work page": WORK_PAGE, "submit": PLAIN_SUBMIT}
    assert assignment.task.gold is None
    assert b"known answer" not in response.content


def test_pair_on_a_project_with_rules_gold_and_requirements_takes_the_exact_queries():
    worker = WorkerFactory()
    project = _quality_project(worker)
    client = Client()
    client.force_login(worker)

    assignment, response, counts = _pair(client, project, "negative")

    assert counts == {
        "accept": QUALITY_ACCEPT,
        "work page": WORK_PAGE,
        "submit": QUALITY_SUBMIT,
    }
    # Gold mixing at 100% handed out the gold task, and the wrong answer got its feedback.
    assert assignment.task.gold == {"answer": "positive"}
    assert b"The right answer: answer: positive." in response.content


def test_accept_resuming_an_open_assignment_takes_the_exact_queries():
    worker = WorkerFactory()
    project = _plain_project()
    client = Client()
    client.force_login(worker)
    url = reverse("work:project-accept", args=[project.public_id])
    first = client.post(url)

    again, count, sql = _counted(lambda: client.post(url))

    assert count == RESUME_ACCEPT, sql
    assert again.url == first.url
    assert Assignment.objects.filter(worker=worker).count() == 1


def _facts(worker, project):
    facts = claim.read_facts(worker=worker, project=project)
    return {
        name: value if name == "open_assignments" else bool(value)
        for name, value in facts.items()
        if name != "gold_mixing_rate"
    }


NOTHING = {
    "has_rule_block": False,
    "has_worker_block": False,
    "has_accept_requirements": False,
    "has_open_assignment": False,
    "open_assignments": 0,  # across the site: the cap on open assignments
}
STOPPED = {name: True for name in NOTHING if name.startswith("has_")}


def test_claim_facts_name_exactly_what_could_stop_the_worker_or_resume():
    """The one statement that spares a plain accept its quality queries must see every block,
    requirement and open assignment that the full checks would, and nothing else."""
    worker, other = WorkerFactory(), WorkerFactory()
    project, elsewhere = _plain_project(), _plain_project()
    rule = quality.rule_create(
        project=project,
        condition=RuleCondition.GOLD_ACCURACY_BELOW,
        threshold_percent=50,
        action=RuleActionKind.BLOCK,
    )
    assert _facts(worker, project) == NOTHING
    assert claim.read_facts(worker=worker, project=project)["gold_mixing_rate"] is None

    flag_rule = quality.rule_create(
        project=project,
        condition=RuleCondition.MEDIAN_TIME_BELOW,
        threshold_percent=50,
        action=RuleActionKind.FLAG,
    )

    def act(on, kind=RuleActionKind.BLOCK, **fields):
        return RuleAction.objects.create(
            rule=flag_rule if kind == RuleActionKind.FLAG else rule,
            project=project,
            worker=on,
            action=kind,
            reason="-",
            observed_percent=10,
            observations=10,
            **fields,
        )

    act(worker, RuleActionKind.FLAG)
    act(worker, lifted_at=timezone.now())
    act(other)
    WorkerBlockFactory(worker=worker)  # by another requester
    WorkerBlockFactory(worker=other, requester=project.requester)
    ProjectRequirementFactory(project=elsewhere)
    AssignmentFactory(worker=worker, task=elsewhere.batches.get().tasks.first())
    AssignmentFactory(
        worker=worker,
        task=project.batches.get().tasks.first(),
        accepted_at=timezone.now() - timedelta(hours=1),
        deadline=timezone.now() - timedelta(seconds=1),
    )
    assert _facts(worker, project) == {**NOTHING, "open_assignments": 1}  # elsewhere's

    act(worker)
    WorkerBlockFactory(worker=worker, requester=project.requester)
    ProjectRequirementFactory(
        project=project, actions_guarded=ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT
    )
    AssignmentFactory(worker=worker, task=project.batches.get().tasks.last())
    gold_settings_save(
        project=project, mixing_rate_percent=30, shows_feedback=False, workers_per_gold_task=None
    )

    assert _facts(worker, project) == {**STOPPED, "open_assignments": 2}
    assert claim.read_facts(worker=worker, project=project)["gold_mixing_rate"] == 30
    assert _facts(other, elsewhere) == {**NOTHING, "has_accept_requirements": True}
