"""Does a claim cost the same with 10,000 tasks in the batch as with 1,000,000? With 1,000 batches?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load \\
        .venv/bin/python bench/claim_scale.py --claims 300

Builds, with bulk SQL (INSERT ... SELECT generate_series, not the services), in Django's test
database `test_<name>` (created and dropped; PostgreSQL only):
- project "small": one published batch of 10,000 tasks;
- project "large": one published batch of 1,000,000 tasks, redundancy 3, of which the first
  500,000 already have 2 submitted assignments each: 1,000,000 assignments of 1,000 workers
  (1,000 each), so the history the "not done by this worker" rule looks at is large;
- project "many": 1,000 published batches, the first 999 of 10 tasks already full, the last of
  1,000 tasks, so a claim walks past 999 exhausted batches;
- 1,000 more batches in other projects (they must cost nothing).
Then times `assignment_claim_next()` (the service the accept button calls) --claims times per
project, each by a different worker with a history, and prints p50/p95, plus EXPLAIN ANALYZE of
the claim statement and of the former NOT EXISTS query for each project. Nothing here asserts a
timing: it is a harness that prints figures (docs/performance.md).
"""

import argparse
import os
import statistics
import sys
import time

HISTORY_WORKERS = 1000
BUILT_COLUMNS = {
    "public_id",
    "batch_id",
    "row_number",
    "input",
    "max_assignments",
    "open_slots",
    "created_at",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def other_columns(model, built: set[str]) -> tuple[str, str, dict]:
    """For a bulk INSERT INTO `model`'s table that fills the columns `built`: the other columns
    (added by later features), their named placeholders and their model defaults, to append."""
    from django.db import connection

    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in built
    ]
    prefix = model._meta.db_table
    columns = "".join(f", {field.column}" for field in fields)
    placeholders = "".join(f", %({prefix}{index})s" for index in range(len(fields)))
    defaults = {
        f"{prefix}{index}": field.get_db_prep_save(field.get_default(), connection)
        for index, field in enumerate(fields)
    }
    return columns, placeholders, defaults


def create_project(*, requester_id: int, title: str):
    """A project of plain text tasks, redundancy 3 (bench/gold_claim_scale.py uses it too)."""
    from microwork.projects.models import Project

    return Project.objects.create(
        requester_id=requester_id,
        title=title,
        description="-",
        reward_cents=10,
        currency="EUR",
        assignments_per_task=3,
        time_allotted_seconds=3600,
        lifetime_seconds=7 * 24 * 3600,
        auto_approval_delay_seconds=3 * 24 * 3600,
        estimated_seconds=20,
        template_kind="custom_html",
        template_html='<p>${text}</p><input name="answer">',
    )


def build(cursor, *, requester_id: int, large: int, small: int) -> dict[str, int]:
    """Projects, batches, tasks and history, in bulk. Returns the project id of each scenario."""
    from microwork.accounts.models import User
    from microwork.projects.models import Batch, Task
    from microwork.work.models import Assignment

    projects = {}
    for name in ("small", "large", "many", "other"):
        projects[name] = create_project(requester_id=requester_id, title=f"claim scale {name}").pk
    batch_table, task_table = Batch._meta.db_table, "projects_task"
    task_columns, task_values, task_defaults = other_columns(Task, BUILT_COLUMNS)

    def batches(project: int, count: int) -> list[int]:
        cursor.execute(
            f"""INSERT INTO {batch_table} (project_id, name, status, columns, task_count,
                    created_at, published_at, expires_at)
                SELECT %s, 'b' || n, 'published', '["text"]', 0, now(), now(),
                       now() + interval '7 days'
                FROM generate_series(1, %s) AS n RETURNING id""",
            [project, count],
        )
        return sorted(row[0] for row in cursor.fetchall())

    def tasks(batch_ids: list[int], count: int, open_slots: int = 3) -> None:
        cursor.execute(
            f"""INSERT INTO {task_table} (public_id, batch_id, row_number, input,
                    max_assignments, open_slots, created_at{task_columns})
                SELECT 'T' || batch.id || '-' || n, batch.id, n,
                       jsonb_build_object('text', 'row ' || n), 3, %(open_slots)s,
                       now(){task_values}
                FROM unnest(%(batch_ids)s::bigint[]) AS batch (id),
                     generate_series(1, %(count)s) AS n
                ORDER BY batch.id, n""",
            {"open_slots": open_slots, "batch_ids": batch_ids, "count": count, **task_defaults},
        )
        cursor.execute(
            f"UPDATE {batch_table} SET task_count = %s WHERE id = ANY(%s)", [count, batch_ids]
        )

    started = time.perf_counter()
    (small_batch,) = batches(projects["small"], 1)
    tasks([small_batch], small)
    (large_batch,) = batches(projects["large"], 1)
    tasks([large_batch], large)
    many = batches(projects["many"], 1000)
    tasks(many[:-1], 10, open_slots=0)
    tasks(many[-1:], 1000)
    tasks(batches(projects["other"], 1000), 10)
    print(f"tasks: {time.perf_counter() - started:.1f} s", file=sys.stderr)

    started = time.perf_counter()
    user_columns, user_values, user_defaults = other_columns(
        User,
        {"password", "is_superuser", "email", "is_staff", "is_active", "date_joined", "role"}
        | {"worker_id", "display_name"},
    )
    cursor.execute(
        f"""INSERT INTO accounts_user (password, is_superuser, email, is_staff, is_active,
                date_joined, role, worker_id, display_name{user_columns})
            SELECT '!', false, 'history-' || n || '@bench.microwork.test', false, true, now(),
                   'worker', 'AH' || lpad(n::text, 12, '0'), ''{user_values}
            FROM generate_series(1, %(workers)s) AS n""",
        {"workers": HISTORY_WORKERS, **user_defaults},
    )
    # 2 submitted assignments on each of the first large/2 tasks: worker (2k + j) mod 1000.
    half = large // 2
    assignment_columns, assignment_values, assignment_defaults = other_columns(
        Assignment,
        {"public_id", "task_id", "worker_id", "state", "accepted_at", "deadline", "submitted_at"}
        | {"is_auto_approved", "answers", "work_seconds", "feedback"},
    )
    cursor.execute(
        f"""INSERT INTO work_assignment (public_id, task_id, worker_id, state, accepted_at,
                deadline, submitted_at, is_auto_approved, answers, work_seconds,
                feedback{assignment_columns})
            SELECT 'H' || task.id || '-' || j, task.id, worker.id, 'submitted',
                   now() - interval '2 hours', now() - interval '1 hour',
                   now() - interval '90 minutes', false, '{{"answer": "x"}}', 30,
                   ''{assignment_values}
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM {task_table}
                  WHERE batch_id = %(batch)s ORDER BY id LIMIT %(half)s) AS task
            CROSS JOIN generate_series(0, 1) AS j
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS slot FROM accounts_user
                  WHERE email LIKE 'history-%%') AS worker
              ON worker.slot = (2 * task.k + j) %% {HISTORY_WORKERS}""",
        {"batch": large_batch, "half": half, **assignment_defaults},
    )
    cursor.execute(
        f"""UPDATE {task_table} SET open_slots = 1
            WHERE id IN (SELECT id FROM {task_table} WHERE batch_id = %s ORDER BY id LIMIT %s)""",
        [large_batch, half],
    )
    print(f"history: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    cursor.execute("ANALYZE")
    return projects


def explain(cursor, sql: str, params) -> list[str]:
    cursor.execute("BEGIN")
    try:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.execute("ROLLBACK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=300, help="timed claims per scenario")
    parser.add_argument("--large", type=int, default=1_000_000, help="tasks in the large batch")
    parser.add_argument("--small", type=int, default=10_000, help="tasks in the small batch")
    parser.add_argument("--plans", action="store_true", help="print the whole plans")
    args = parser.parse_args()
    if args.claims > HISTORY_WORKERS:
        parser.error(f"--claims is at most {HISTORY_WORKERS} (one history worker per claim)")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    os.environ["MICROWORK_DEBUG"] = "0"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("claim_scale.py measures PostgreSQL: set DATABASE_URL=postgres://...")

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from microwork.accounts.models import User
    from microwork.projects.models import Project, Task
    from microwork.work import claim, services
    from microwork.work.models import Assignment

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        requester = User.objects.create(
            email="scale-requester@bench.microwork.test", role="requester", password="!"
        )
        with connection.cursor() as cursor:
            projects = build(cursor, requester_id=requester.pk, large=args.large, small=args.small)
            cursor.execute("SELECT count(*) FROM work_assignment")
            (assignments,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM projects_task")
            (task_total,) = cursor.fetchone()
        workers = list(User.objects.filter(email__startswith="history-").order_by("pk"))
        print(
            f"claim scale: PostgreSQL {connection.pg_version}, {os.cpu_count()} CPUs; "
            f"{task_total:,} tasks, {assignments:,} assignments, 2,003 batches"
        )
        print()
        print(f"{'scenario':<38} {'claims':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        results = {}
        for name, label in (
            ("small", f"batch of {args.small:,} tasks"),
            ("large", f"batch of {args.large:,} tasks + history"),
            ("many", "1,000 batches, 999 of them full"),
        ):
            project = Project.objects.get(pk=projects[name])
            timings = []
            for worker in workers[: args.claims]:
                started = time.perf_counter()
                services.assignment_claim_next(worker=worker, project=project)
                timings.append((time.perf_counter() - started) * 1000)
            results[name] = timings
            print(
                f"{label:<38} {len(timings):>6} {statistics.median(timings):>8.2f} "
                f"{percentile(timings, 0.95):>8.2f} {max(timings):>8.2f}"
            )
        ratio = statistics.median(results["large"]) / statistics.median(results["small"])
        print(f"\np50 large / p50 small: {ratio:.2f}")

        # The plans, for a worker with a history who has not claimed yet.
        worker = workers[args.claims]
        now = timezone.now()
        old_orm = (
            Task.objects.filter(
                batch__project_id=projects["large"],
                batch__status="published",
                batch__expires_at__gt=now,
                open_slots__gt=0,
            )
            .exclude(
                pk__in=Assignment.objects.filter(
                    worker=worker, task__batch__project_id=projects["large"]
                ).values("task_id")
            )
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))[:1]
        )
        with transaction.atomic():  # select_for_update() compiles only inside a transaction
            old_sql, old_params = old_orm.query.sql_with_params()
        with connection.cursor() as cursor:
            for name in ("small", "large", "many"):
                built = claim.build(
                    claim.Target.ORDINARY,
                    worker=worker,
                    project=Project.objects.get(pk=projects[name]),
                    shape=claim.Shape.ONE_STATEMENT,
                )
                plan = explain(cursor, built.statements[0], built.params)
                print(f"\n-- claim statement, project {name}:")
                shown = plan if args.plans else [line for line in plan if "Time" in line]
                print("\n".join(shown))
            plan = explain(cursor, old_sql, old_params)
            print("\n-- the former ORM query (NOT EXISTS via ~Exists / NOT IN), project large:")
            print("\n".join(plan if args.plans else [line for line in plan if "Time" in line]))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
