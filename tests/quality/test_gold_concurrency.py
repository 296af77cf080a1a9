"""Real threads against PostgreSQL: claims that mix in gold tasks keep the claim's invariants.

Skipped on SQLite (one writer at a time, nothing to race); .ci/run runs the suite on both.
"""

import random
from collections import Counter

import pytest
from django.db import connection

from microwork.quality.models import GoldSettings
from microwork.work import services
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


def test_threads_claiming_with_gold_mixing_never_over_assign_or_duplicate():
    assert connection.vendor == "postgresql"
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    GoldSettings.objects.create(
        project=batch.project, mixing_rate_percent=40, workers_per_gold_task=10
    )
    ordinary = [TaskFactory(batch=batch) for _ in range(16)]  # 48 ordinary slots
    gold = [
        TaskFactory(batch=batch, gold={"answer": "yes"}, max_assignments=10, open_slots=10)
        for _ in range(4)
    ]  # 40 gold slots, fewer than the 24 workers x 4 gold tasks they could take
    workers = WorkerFactory.create_batch(THREADS)
    claimed = Counter()

    def claim_until_empty(index: int) -> None:
        worker = workers[index]
        draw = random.Random(index).random  # each thread its own seeded source
        for _attempt in range(len(ordinary) + len(gold) + 1):
            try:
                assignment = services.assignment_claim_next(
                    worker=worker, project=batch.project, draw=draw
                )
            except services.NoTaskAvailable:
                return
            claimed[index] += 1
            services.assignment_submit(
                assignment=assignment, fields={"answer": ["yes"]}, worker=worker
            )

    errors = run_in_threads(THREADS, claim_until_empty)

    assert errors == []
    assignments = Assignment.objects.filter(task__batch=batch)
    pairs = list(assignments.values_list("task_id", "worker_id"))
    assert len(pairs) == len(set(pairs))
    per_task = Counter(task_id for task_id, _worker in pairs)
    # A worker stops at the first ordinary claim that finds nothing, so every ordinary slot was
    # taken; gold is handed out only when drawn, so some gold slots may be left.
    assert {task.pk: per_task[task.pk] for task in ordinary} == {task.pk: 3 for task in ordinary}
    assert all(1 <= per_task[task.pk] <= 10 for task in gold)
    assert sum(claimed.values()) == len(pairs)
    for task in batch.tasks.all():
        assert task.open_slots == task.max_assignments - per_task[task.pk]
