"""What a month's observatory snapshot costs at scale, and what the public page costs after it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/obs \\
        PYTHONPATH=src:.:bench .venv/bin/python bench/observatory_snapshot.py \\
        --assignments 1000000 --workers 10000 --keep

Setup, not measured: a throwaway database (bench/scratch.py; with --keep, <name>_bench, kept
and reused), 20 requesters with 30 projects of every task type and very different sizes,
`--workers` workers, and `--assignments` assignments over September to November 2026 (four
fifths in November) in every state, with their reward postings in the ledger (escrow to the
worker's earnings, two entries each), written with INSERT ... SELECT so the setup takes a few
minutes, not an hour, then VACUUM ANALYZE as autovacuum would; about a tenth of the workers
answer the survey. Then, timed, `--runs` times: the November snapshot as the job queue
computes it (snapshots.snapshot_make: every figure, the package, stored), with its wall time,
the CPU time of this process and of its PostgreSQL backend, and the load average (the machine
is shared: wall time follows the other processes); the process's peak resident size; with
--tracemalloc, Python's peak allocations. Then the public page and one CSV read from the
stored snapshot through the test client. A harness that prints
figures, not a test.
"""

import argparse
import os
import resource
import statistics as stats
import time
import tracemalloc
from contextlib import contextmanager

from scratch import scratch_database

KINDS = (
    "text_classification",
    "image_classification",
    "transcription",
    "data_entry",
    "survey",
    "bounding_boxes",
)


def build(*, assignments: int, workers: int) -> None:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from microwork.accounts.enums import Role
    from microwork.accounts.models import User
    from microwork.common.ids import new_worker_id
    from microwork.observatory.models import SurveyResponse
    from microwork.payments.enums import AccountKind
    from microwork.payments.models import Account
    from microwork.projects.models import Batch
    from tests.accounts.factories import RequesterFactory
    from tests.projects.factories import ProjectFactory

    per_task = 4
    now = timezone.now()
    tasks = -(-assignments // per_task)
    with transaction.atomic():
        requesters = [RequesterFactory() for _ in range(20)]
        batches = []
        for n in range(30):
            project = ProjectFactory(
                requester=requesters[n % 20],
                template_kind=KINDS[n % len(KINDS)],
                assignments_per_task=per_task,
                reward_cents=20 + 10 * (n % 5),
            )
            batches.append(
                Batch.objects.create(
                    project=project,
                    name=f"b{n}",
                    status="published",
                    columns=["text"],
                    published_at=now,
                    expires_at=now + timedelta(days=90),
                )
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
        Account.objects.bulk_create(
            [
                Account(
                    key=f"worker_available:{p.pk}:EUR",
                    kind=AccountKind.WORKER_AVAILABLE,
                    owner=p,
                    currency="EUR",
                )
                for p in people
            ]
            + [
                Account(key=f"escrow:{b.pk}:EUR", kind=AccountKind.ESCROW, batch=b, currency="EUR")
                for b in batches
            ]
        )
        SurveyResponse.objects.bulk_create(
            SurveyResponse(
                worker=p,
                consent_version="2026-12",
                gender=("woman", "man", "other", "no_answer")[n % 4],
                age_band=("18_24", "25_34", "35_44", "45_54", "55_plus")[n % 5],
                country=("FR", "MG", "DE")[n % 3],
                area=("urban", "rural")[n % 2],
                education=("secondary", "bachelor", "master_plus")[n % 3],
                employment=("employed", "student", "unemployed", "retired")[n % 4],
                household=("alone", "couple", "couple_children")[n % 3],
                income_share=("under_10", "10_50", "over_50")[n % 3],
                other_work_hours=("none", "under_20", "over_35")[n % 3],
                reasons=["extra_income"] if n % 2 else ["flexible", "main_income"],
            )
            for n, p in enumerate(people)
            if n % 10 == 0
        )
        first_batch, last_batch = batches[0].pk, batches[-1].pk
        first_worker = people[0].pk
        with connection.cursor() as cursor:
            # Tasks: batch sizes skewed (the first batches hold most of them).
            cursor.execute(
                """
                INSERT INTO projects_task (public_id, batch_id, row_number, input, max_assignments,
                    open_slots, overlap_extended, created_at)
                SELECT 'T' || t, %s + floor(30 * power(t::float / %s, 2))::int, t + 1,
                    '{"text": "x"}'::jsonb, %s, 0, 0, now()
                FROM generate_series(0, %s - 1) AS t
                """,
                [first_batch, tasks, per_task, tasks],
            )
            cursor.execute("SELECT min(id) FROM projects_task")
            first_task = cursor.fetchone()[0]
            # Assignments: states by i % 20 (three quarters approved), times spread over
            # September to November, four fifths in November.
            cursor.execute(
                """
                INSERT INTO work_assignment (public_id, task_id, worker_id, state, accepted_at,
                    deadline, submitted_at, ended_at, reviewed_at, is_auto_approved, answers,
                    work_seconds, feedback)
                SELECT 'A' || i, %(task)s + i / 4,
                    %(worker)s + ((i / 4) * 7 + (i %% 4) * 997) %% %(workers)s,
                    s.state, s.accepted, s.accepted + interval '1 hour',
                    CASE WHEN s.answered THEN s.accepted + s.work * interval '1 second' END,
                    CASE WHEN s.state IN ('returned', 'expired')
                        THEN s.accepted + ((i * 11) %% 900) * interval '1 second' END,
                    CASE WHEN s.state IN ('approved', 'rejected') THEN s.accepted
                        + s.work * interval '1 second' + ((i * 13) %% 200) * interval '1 hour' END,
                    s.state = 'approved' AND i %% 3 = 0,
                    CASE WHEN s.answered THEN '{"answer": "a"}'::jsonb END,
                    CASE WHEN s.answered THEN s.work END,
                    CASE WHEN s.state = 'rejected' THEN 'Off topic.' ELSE '' END
                FROM generate_series(0::bigint, %(n)s - 1) AS i,
                LATERAL (SELECT
                    CASE WHEN i %% 20 < 15 THEN 'approved' WHEN i %% 20 = 15 THEN 'rejected'
                         WHEN i %% 20 = 16 THEN 'returned' WHEN i %% 20 = 17 THEN 'expired'
                         WHEN i %% 20 = 18 THEN 'submitted' ELSE 'accepted' END AS state,
                    i %% 20 < 16 OR i %% 20 = 18 AS answered,
                    30 + (i * 37) %% 600 AS work,
                    CASE WHEN i %% 5 <> 0
                        THEN timestamptz '2026-11-01 00:00+01' + ((i * 7919) %% 2592000) * interval '1 second'
                        ELSE timestamptz '2026-09-01 00:00+02' + ((i * 7919) %% 5270400) * interval '1 second'
                    END AS accepted) AS s
                """,
                {"task": first_task, "worker": first_worker, "workers": workers, "n": assignments},
            )
            # Rewards of approved work: escrow to the worker's earnings.
            cursor.execute(
                """
                INSERT INTO payments_posting (idempotency_key, fingerprint, kind, memo, batch_id,
                    assignment_id, created_at)
                SELECT 'reward:' || a.id, '', 'reward', '', t.batch_id, a.id, a.reviewed_at
                FROM work_assignment a JOIN projects_task t ON t.id = a.task_id
                WHERE a.state = 'approved'
                """
            )
            cursor.execute(
                """
                INSERT INTO payments_ledgerentry (posting_id, account_id, amount_cents, currency,
                    assignment_id)
                SELECT p.id, acc.id, 20 + 10 * (a.id % 5), 'EUR', a.id
                FROM payments_posting p JOIN work_assignment a ON a.id = p.assignment_id
                JOIN payments_account acc ON acc.owner_id = a.worker_id
                    AND acc.kind = 'worker_available'
                UNION ALL
                SELECT p.id, acc.id, -(20 + 10 * (a.id % 5)), 'EUR', NULL
                FROM payments_posting p JOIN work_assignment a ON a.id = p.assignment_id
                JOIN payments_account acc ON acc.batch_id = p.batch_id AND acc.kind = 'escrow'
                """
            )
    assert first_batch <= last_batch
    # As autovacuum leaves a live database: statistics, and the visibility map that lets the
    # ledger's pay index be read without visiting the table. Outside a transaction.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _load() -> str:
    """The 1-minute load average: the machine is shared, and wall times follow it."""
    return open("/proc/loadavg").read().split()[0]


def _backend_cpu(connection):
    """A function giving the CPU seconds used so far by this connection's PostgreSQL backend,
    read from /proc when the server runs on this machine (else it gives None). Parallel
    workers' CPU is not in it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float | None:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / tick

    return used


@contextmanager
def kept_database():
    """PostgreSQL only: the database <name>_bench, created and migrated if it is missing (its
    migrations brought up to date if not), kept afterwards for the next run."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    os.environ["MICROWORK_DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"{name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
    yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database <name>_bench after the run, and reuse the data it holds "
        "(seeded by an earlier --keep run) instead of building it again",
    )
    parser.add_argument("--runs", type=int, default=3, help="snapshots timed, one after the other")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the peak of Python's allocations (slows the snapshot down)",
    )
    args = parser.parse_args()

    with kept_database() if args.keep else scratch_database("mw-bench-observatory-"):
        from datetime import date

        from django.conf import settings
        from django.db import connection
        from django.test import Client

        from microwork.accounts.models import User as Workers
        from microwork.observatory import snapshots
        from microwork.payments.models import LedgerEntry
        from microwork.work.models import Assignment

        assert connection.vendor == "postgresql", "the figures are for PostgreSQL"
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        started = time.perf_counter()
        reused = args.keep and Assignment.objects.exists()
        if not reused:
            build(assignments=args.assignments, workers=args.workers)
        print(
            f"setup {time.perf_counter() - started:.0f} s ({'reused' if reused else 'built'}): "
            f"{Assignment.objects.count():,} assignments, "
            f"{Workers.objects.filter(role='worker').count():,} workers, "
            f"{LedgerEntry.objects.count():,} ledger entries",
            flush=True,
        )

        cpu_of_backend = _backend_cpu(connection)
        runs = []
        for run in range(args.runs):
            load = _load()
            if args.tracemalloc:
                tracemalloc.start()
            wall, cpu, backend = time.perf_counter(), time.process_time(), cpu_of_backend()
            snapshot = snapshots.snapshot_make(month=date(2026, 11, 1))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            backend = cpu_of_backend() - backend if backend is not None else None
            runs.append(wall)
            print(
                f"snapshot 2026-11, run {run + 1}: {wall:.2f} s wall; CPU {cpu:.2f} s in Python, "
                + (f"{backend:.2f} s" if backend is not None else "unknown")
                + f" in the PostgreSQL backend; load average {load} before, {_load()} after",
                flush=True,
            )
            if args.tracemalloc:
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"  peak Python allocations {peak / 2**20:.1f} MB (tracemalloc slows it)")
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"best of {args.runs}: {min(runs):.2f} s wall; process peak RSS {rss_mb:.0f} MB")
        print(
            f"  {snapshot.files.count()} files, {sum(len(f.content) for f in snapshot.files.all()):,} bytes"
        )
        workers_active = next(
            row["value"]
            for row in snapshot.figures["overview"]
            if row["measure"] == "workers_active"
        )
        print(f"  active workers in November: {workers_active:,}")

        client = Client()
        client.get("/observatory/")  # warm: imports, templates
        for url in ("/observatory/", "/observatory/2026-11/files/by_task_type.csv"):
            times = []
            for _ in range(20):
                begin = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"GET {url}: median {stats.median(times):.1f} ms, max {max(times):.1f} ms (20 runs)"
            )


if __name__ == "__main__":
    main()
