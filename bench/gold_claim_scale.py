"""Does a claim with gold mixing cost the same in a batch of 10,000 tasks as in one of 1,000,000?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_gold \\
        .venv/bin/python bench/gold_claim_scale.py --claims 200

Builds, with bulk SQL, in Django's test database `test_<name>` (created and dropped;
PostgreSQL only), for a "small" (--small tasks) and a "large" (--large tasks) project: one
published batch where every 20th task is gold (10 slots each) and the other tasks have
redundancy 3, of which the first 90 % are already full. So the ordinary walk must not step over
the open gold tasks among the full ones, and the gold walk must not step over ordinary tasks.
Then times `assignment_claim_next()` --claims times per project and kind (a fresh worker each,
the draw forced to ordinary or gold), prints p50/p95, and EXPLAIN ANALYZE of both claim
statements. Nothing here asserts a timing: it prints figures (docs/quality-aggregation.md).
"""

import argparse
import os
import statistics
import sys
import time

# The claim scale harness beside this file (python puts bench/ first on the path).
from claim_scale import create_project, explain, other_columns, percentile

GOLD_EVERY = 20
BUILT_COLUMNS = {
    "public_id",
    "batch_id",
    "row_number",
    "input",
    "gold",
    "max_assignments",
    "open_slots",
    "created_at",
}


def build(cursor, *, requester_id: int, sizes: dict[str, int]) -> dict[str, int]:
    from microwork.projects.models import Task
    from microwork.quality.models import GoldSettings

    projects = {}
    for name, count in sizes.items():
        project = create_project(requester_id=requester_id, title=f"gold claim scale {name}")
        GoldSettings.objects.create(project=project, mixing_rate_percent=50)
        projects[name] = project.pk
        cursor.execute(
            """INSERT INTO projects_batch (project_id, name, status, columns, task_count,
                    created_at, published_at, expires_at)
               VALUES (%s, 'b', 'published', '["text"]', %s, now(), now(),
                       now() + interval '7 days') RETURNING id""",
            [project.pk, count],
        )
        (batch,) = cursor.fetchone()
        full_below = int(count * 0.9)
        task_columns, task_values, task_defaults = other_columns(Task, BUILT_COLUMNS)
        cursor.execute(
            f"""INSERT INTO projects_task (public_id, batch_id, row_number, input, gold,
                    max_assignments, open_slots, created_at{task_columns})
                SELECT 'T' || %(batch)s || '-' || n, %(batch)s, n,
                       jsonb_build_object('text', 'row ' || n),
                       CASE WHEN n %% {GOLD_EVERY} = 0 THEN '{{"answer": "yes"}}'::jsonb END,
                       CASE WHEN n %% {GOLD_EVERY} = 0 THEN 10 ELSE 3 END,
                       CASE WHEN n %% {GOLD_EVERY} = 0 THEN 10
                            WHEN n <= %(full_below)s THEN 0 ELSE 3 END,
                       now(){task_values}
                FROM generate_series(1, %(count)s) AS n""",
            {"batch": batch, "count": count, "full_below": full_below, **task_defaults},
        )
    cursor.execute("ANALYZE")
    return projects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200, help="timed claims per scenario")
    parser.add_argument("--large", type=int, default=1_000_000, help="tasks in the large batch")
    parser.add_argument("--small", type=int, default=10_000, help="tasks in the small batch")
    parser.add_argument("--plans", action="store_true", help="print the whole plans")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    os.environ["MICROWORK_DEBUG"] = "0"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("gold_claim_scale.py measures PostgreSQL: set DATABASE_URL=postgres://...")

    import django

    django.setup()
    from django.db import connection

    from microwork.accounts.models import User
    from microwork.projects.models import Project, Task
    from microwork.work import claim, services

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        requester = User.objects.create(
            email="gold-requester@bench.microwork.test", role="requester", password="!"
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            projects = build(
                cursor,
                requester_id=requester.pk,
                sizes={"small": args.small, "large": args.large},
            )
        print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        print(
            f"gold claim scale: PostgreSQL {connection.pg_version}, {os.cpu_count()} CPUs; "
            f"every {GOLD_EVERY}th task gold, 90 % of the ordinary tasks full"
        )
        print()
        print(f"{'scenario':<34} {'claims':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        medians = {}
        for name, size in (("small", args.small), ("large", args.large)):
            project = Project.objects.get(pk=projects[name])
            for kind, draw in (("ordinary", 0.99), ("gold", 0.0)):
                timings = []
                for index in range(args.claims):
                    worker = User.objects.create(
                        email=f"w-{name}-{kind}-{index}@bench.microwork.test",
                        role="worker",
                        worker_id=f"AW{name[0]}{kind[0]}{index:010d}".upper(),
                        password="!",
                    )
                    started = time.perf_counter()
                    assignment = services.assignment_claim_next(
                        worker=worker, project=project, draw=lambda value=draw: value
                    )
                    timings.append((time.perf_counter() - started) * 1000)
                    is_gold = Task.objects.filter(pk=assignment.task_id, gold__isnull=False)
                    assert is_gold.exists() == (kind == "gold")
                medians[(name, kind)] = statistics.median(timings)
                print(
                    f"{f'{kind}, batch of {size:,}':<34} {len(timings):>6} "
                    f"{statistics.median(timings):>8.2f} {percentile(timings, 0.95):>8.2f} "
                    f"{max(timings):>8.2f}"
                )
        for kind in ("ordinary", "gold"):
            ratio = medians[("large", kind)] / medians[("small", kind)]
            print(f"p50 large / p50 small, {kind}: {ratio:.2f}")

        worker = User.objects.create(
            email="explain@bench.microwork.test", role="worker", worker_id="AWEXPLAIN", password="!"
        )
        with connection.cursor() as cursor:
            for kind, target in (
                ("ordinary", claim.Target.ORDINARY),
                ("gold", claim.Target.GOLD),
            ):
                built = claim.build(
                    target,
                    worker=worker,
                    project=Project.objects.get(pk=projects["large"]),
                    shape=claim.Shape.ONE_STATEMENT,
                )
                plan = explain(cursor, built.statements[0], built.params)
                print(f"\n-- {kind} claim statement, large batch:")
                shown = (
                    plan
                    if args.plans
                    else [line for line in plan if "Time" in line or "Index" in line]
                )
                print("\n".join(shown))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
