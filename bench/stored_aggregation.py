"""What a large batch's stored aggregation costs (quality/stored.py, docs/quality-aggregation.md).

    PYTHONPATH=. .venv/bin/python bench/stored_aggregation.py --tasks 200000 --answers 1000000

Setup, not measured: a throwaway SQLite data directory in /tmp (or, with DATABASE_URL, a
database <name>_bench, created and dropped), one batch of --tasks tasks and --answers submitted
answers (bulk_create) by --workers workers of varied reliability, 5 classes. Then, timed
(wall and CPU): the fingerprint a page reads on each view, the background job's work (by
the default method, the report, the gzipped file), the stored file's size, reading it back,
and the CSV download from the stored result beside the synchronous one (checked identical).
A harness that prints figures, not a test.
"""

import argparse
import random
import time
from contextlib import contextmanager
from datetime import timedelta

from scratch import scratch_database


@contextmanager
def timed(label: str, figures: list):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    figures.append((label, time.perf_counter() - wall, time.process_time() - cpu))
    print(f"{label:<44} {figures[-1][1]:8.2f} s wall {figures[-1][2]:8.2f} s CPU", flush=True)


def add_build_arguments(parser: argparse.ArgumentParser, *, workers: int) -> None:
    """build()'s parameters as options, for the scripts that build their batch with it."""
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--seed", type=int, default=1)


def build(*, tasks: int, answers: int, workers: int, seed: int):
    from django.db import transaction
    from django.utils import timezone

    from microwork.accounts.enums import Role
    from microwork.accounts.models import User
    from microwork.common.ids import new_entity_id, new_worker_id
    from microwork.projects.models import Task
    from microwork.work.enums import AssignmentState
    from microwork.work.models import Assignment
    from tests.projects.factories import ProjectFactory, PublishedBatchFactory

    rng = random.Random(seed)
    per_task = -(-answers // tasks)
    project = ProjectFactory(assignments_per_task=per_task)
    batch = PublishedBatchFactory(project=project, columns=["text"])
    classes = ["a", "b", "c", "d", "e"]
    truth = [rng.randrange(5) for _ in range(tasks)]
    with transaction.atomic():
        Task.objects.bulk_create(
            (
                Task(
                    public_id=new_entity_id(),
                    batch=batch,
                    row_number=n + 2,
                    input={"text": f"sentence {n}"},
                    max_assignments=per_task,
                    open_slots=0,
                )
                for n in range(tasks)
            ),
            batch_size=5000,
        )
        people = User.objects.bulk_create(
            User(
                email=f"bench-{n}@bench.microwork.test",
                role=Role.WORKER,
                worker_id=new_worker_id(),
                password="!",
            )
            for n in range(workers)
        )
        # Reliability: most workers good, some mediocre, a tenth spammers (uniform answers).
        skill = [rng.choice([0.9, 0.8, 0.7, 0.6, 0.2]) for _ in people]
        task_ids = list(
            Task.objects.filter(batch=batch).order_by("row_number").values_list("pk", flat=True)
        )
        now = timezone.now()
        chunk = []
        for n in range(answers):
            task_index = n % tasks
            # The workers of one task are per_task distinct ones (task_index spreads them).
            worker_index = (task_index * 7 + (n // tasks) * 997) % workers
            right = rng.random() < skill[worker_index]
            label = truth[task_index] if right else rng.randrange(5)
            accepted = now - timedelta(seconds=3600)
            chunk.append(
                Assignment(
                    public_id=new_entity_id(),
                    task_id=task_ids[task_index],
                    worker_id=people[worker_index].pk,
                    state=AssignmentState.SUBMITTED,
                    accepted_at=accepted,
                    deadline=accepted + timedelta(hours=1),
                    submitted_at=accepted + timedelta(seconds=30),
                    work_seconds=30,
                    answers={"answer": classes[label]},
                )
            )
            if len(chunk) == 5000:
                Assignment.objects.bulk_create(chunk)
                chunk.clear()
        Assignment.objects.bulk_create(chunk)
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_build_arguments(parser, workers=5000)
    args = parser.parse_args()

    with scratch_database("mw-bench-agg-"):
        from django.conf import settings
        from django.core.files.storage import storages
        from django.db import connection

        from microwork.quality.aggregation import DEFAULT_METHOD
        from microwork.quality.exports import export_csv
        from microwork.quality.models import BatchAggregation
        from microwork.quality.stored import (
            batch_aggregation_compute,
            batch_fingerprint,
            stored_result,
        )

        settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
        figures: list = []
        print(f"{connection.vendor}: {args.tasks:,} tasks, {args.answers:,} answers", flush=True)
        started = time.perf_counter()
        batch = build(tasks=args.tasks, answers=args.answers, workers=args.workers, seed=args.seed)
        print(f"setup {time.perf_counter() - started:.0f} s", flush=True)

        with timed("fingerprint (each page view)", figures):
            fingerprint, n_answers = batch_fingerprint(batch, DEFAULT_METHOD)
        # The row a request would insert, without queueing a job (no queue in the bench).
        queued = BatchAggregation.objects.create(
            batch=batch, method=DEFAULT_METHOD, fingerprint=fingerprint, n_answers=n_answers
        )
        with timed("job: aggregate, report, write the file", figures):
            row = batch_aggregation_compute(aggregation_id=queued.pk)
        assert row.state == "done", row.error
        size = storages["private"].size(row.result_name)
        print(f"{'stored file (gzipped JSON Lines)':<44} {size / 1024 / 1024:8.1f} MiB")
        with timed("read the stored result back", figures):
            result = stored_result(row)
        with timed("CSV download from the stored result", figures):
            from_store = "".join(export_csv(batch, aggregated=result.aggregated))
        with timed("CSV download computed in the request", figures):
            synchronous = "".join(export_csv(batch))
        print("identical:", from_store == synchronous)


if __name__ == "__main__":
    main()
