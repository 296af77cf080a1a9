"""The same claims give the same assignments on SQLite and on PostgreSQL.

One scripted sequence (four workers, two batches, redundancy 2, gold mixing with fixed draws, a
resume, a submit, a return, an expiry, claims of given tasks, a full task, an exhausted worker)
is held against one table written out below. CI runs the suite once on each database, so both
meet the same table; on PostgreSQL the sequence also runs with SQLite's shape of the claim
(Shape.STEPS: the portable join instead of the LATERAL walk), so the two statements PostgreSQL
could run are held against each other on one database.
"""

import pytest
from django.db import connection
from django.utils import timezone

from microwork.projects.models import Task
from microwork.quality.gold import gold_settings_save
from microwork.work import claim, services
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

pytestmark = pytest.mark.django_db

GOLD_DRAW, ORDINARY_DRAW = 0.0, 0.99  # against a mixing rate of 50%
TASKS = ("g1", "a1", "a2", "b1")  # batch A: g1 (gold), a1, a2; batch B (a later one): b1

NONE_LEFT = "NoTaskAvailable: There is no task left for you in this project."
# (step, what came of it, open slots of g1 a1 a2 b1 after it)
EXPECTED_STEPS = [
    ("w1 next, ordinary draw", "w1 a1", (2, 1, 2, 2)),
    ("w2 next, gold draw", "w2 g1", (1, 1, 2, 2)),
    ("w1 next again: resumes", "w1 a1", (1, 1, 2, 2)),
    ("w1 submits", "w1 a1 submitted", (1, 1, 2, 2)),
    ("w1 next, gold draw", "w1 g1", (0, 1, 2, 2)),
    ("w3 next, gold draw: no gold left", "w3 a1", (0, 0, 2, 2)),
    ("w3 returns", "w3 a1 returned", (0, 1, 2, 2)),
    ("w4 next, ordinary draw: the freed slot", "w4 a1", (0, 0, 2, 2)),
    ("w3 next: never a1 again", "w3 a2", (0, 0, 1, 2)),
    ("w4's deadline passes: expiry", "1 expired", (0, 1, 1, 2)),
    ("w2 submits", "w2 g1 submitted", (0, 1, 1, 2)),
    ("w2 takes b1", "w2 b1", (0, 1, 1, 1)),
    ("w1 takes a1", "NoTaskAvailable: You have already worked on this task.", (0, 1, 1, 1)),
    ("w1 takes a2", "w1 a2", (0, 1, 0, 1)),
    ("w4 takes a2", "TaskFull: This task has all the workers it needs.", (0, 1, 0, 1)),
    ("w4 next: a1 was theirs, a2 full", "w4 b1", (0, 1, 0, 0)),
    ("w4 submits", "w4 b1 submitted", (0, 1, 0, 0)),
    ("w4 next, gold draw", NONE_LEFT, (0, 1, 0, 0)),
]
# Every assignment at the end, in the order they were made: (worker, task, state).
EXPECTED_ASSIGNMENTS = [
    ("w1", "a1", "submitted"),
    ("w2", "g1", "submitted"),
    ("w1", "g1", "accepted"),
    ("w3", "a1", "returned"),
    ("w4", "a1", "expired"),
    ("w3", "a2", "accepted"),
    ("w2", "b1", "accepted"),
    ("w1", "a2", "accepted"),
    ("w4", "b1", "submitted"),
]


class Script:
    """The sequence's world, and what each step did."""

    def __init__(self):
        self.project = ProjectFactory(assignments_per_task=2)
        gold_settings_save(
            project=self.project,
            mixing_rate_percent=50,
            shows_feedback=False,
            workers_per_gold_task=None,
        )
        first = PublishedBatchFactory(project=self.project)
        second = PublishedBatchFactory(project=self.project)
        # b1 is made before a1 and a2: "next" goes by batch, then task, not by task alone.
        self.tasks = {"g1": TaskFactory(batch=first, gold={"answer": "positive"})}
        self.tasks["b1"] = TaskFactory(batch=second)
        self.tasks["a1"] = TaskFactory(batch=first)
        self.tasks["a2"] = TaskFactory(batch=first)
        self.workers = {f"w{n}": WorkerFactory() for n in range(1, 5)}
        self.task_names = {task.pk: name for name, task in self.tasks.items()}
        self.worker_names = {worker.pk: name for name, worker in self.workers.items()}
        self.open = {}  # worker name -> their last assignment
        self.steps = []

    def _named(self, assignment: Assignment) -> str:
        return f"{self.worker_names[assignment.worker_id]} {self.task_names[assignment.task_id]}"

    def _record(self, step: str, act) -> None:
        try:
            outcome = act()
        except services.NoTaskAvailable as refused:
            outcome = f"{type(refused).__name__}: {refused.message}"
        slots = dict(Task.objects.filter(pk__in=self.task_names).values_list("pk", "open_slots"))
        self.steps.append((step, outcome, tuple(slots[self.tasks[name].pk] for name in TASKS)))

    def next(self, step: str, worker: str, draw: float = ORDINARY_DRAW) -> None:
        def act():
            assignment = services.assignment_claim_next(
                worker=self.workers[worker], project=self.project, draw=lambda: draw
            )
            self.open[worker] = assignment
            return self._named(assignment)

        self._record(step, act)

    def take(self, step: str, worker: str, task: str) -> None:
        def act():
            assignment = services.assignment_claim(
                worker=self.workers[worker], task=self.tasks[task]
            )
            self.open[worker] = assignment
            return self._named(assignment)

        self._record(step, act)

    def submit(self, step: str, worker: str) -> None:
        def act():
            submitted = services.assignment_submit(
                assignment=self.open[worker],
                fields={"answer": ["positive"]},
                worker=self.workers[worker],
            )
            return f"{self._named(submitted)} {submitted.state}"

        self._record(step, act)

    def give_back(self, step: str, worker: str) -> None:
        def act():
            returned = services.assignment_return(
                assignment=self.open[worker], worker=self.workers[worker]
            )
            return f"{self._named(returned)} {returned.state}"

        self._record(step, act)

    def let_expire(self, step: str, worker: str) -> None:
        def act():
            Assignment.objects.filter(pk=self.open[worker].pk).update(deadline=timezone.now())
            return f"{services.assignments_expire_overdue()} expired"

        self._record(step, act)

    def assignments(self) -> list[tuple[str, str, str]]:
        return [
            (self.worker_names[worker], self.task_names[task], state)
            for worker, task, state in Assignment.objects.order_by("pk").values_list(
                "worker_id", "task_id", "state"
            )
        ]


def _run() -> Script:
    script = Script()
    script.next("w1 next, ordinary draw", "w1")
    script.next("w2 next, gold draw", "w2", GOLD_DRAW)
    script.next("w1 next again: resumes", "w1")
    script.submit("w1 submits", "w1")
    script.next("w1 next, gold draw", "w1", GOLD_DRAW)
    script.next("w3 next, gold draw: no gold left", "w3", GOLD_DRAW)
    script.give_back("w3 returns", "w3")
    script.next("w4 next, ordinary draw: the freed slot", "w4")
    script.next("w3 next: never a1 again", "w3")
    script.let_expire("w4's deadline passes: expiry", "w4")
    script.submit("w2 submits", "w2")
    script.take("w2 takes b1", "w2", "b1")
    script.take("w1 takes a1", "w1", "a1")
    script.take("w1 takes a2", "w1", "a2")
    script.take("w4 takes a2", "w4", "a2")
    script.next("w4 next: a1 was theirs, a2 full", "w4")
    script.submit("w4 submits", "w4")
    script.next("w4 next, gold draw", "w4", GOLD_DRAW)
    return script


@pytest.fixture(autouse=True)
def _no_periodic_sweep(monkeypatch):
    """Only the sweeps the script asks for, and the one a claim runs before refusing."""
    monkeypatch.setattr(services, "SWEEP_EVERY_SECONDS", float("inf"))


def test_the_scripted_claims_give_the_expected_assignments():
    script = _run()

    assert script.steps == EXPECTED_STEPS
    assert script.assignments() == EXPECTED_ASSIGNMENTS


@pytest.mark.postgres
def test_on_postgresql_the_portable_shape_gives_the_same_assignments(monkeypatch):
    monkeypatch.setattr(claim, "shape_for", lambda database: claim.Shape.STEPS)

    script = _run()

    assert connection.vendor == "postgresql"
    assert script.steps == EXPECTED_STEPS
    assert script.assignments() == EXPECTED_ASSIGNMENTS
