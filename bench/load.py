"""N simulated workers over HTTP: log in, accept next, open the work page, submit (or return, or
walk away), then check the invariants in the database. With two baselines in the same run.

    # once: accounts, and a funded, published batch per path (needs the server's DATABASE_URL)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load .venv/bin/python bench/load.py --setup
    # the real server, and the bare baseline on the next port (same server, same workers)
    DATABASE_URL=... .venv/bin/microwork serve --workers 2 --bind 127.0.0.1:8000 &
    DATABASE_URL=... .venv/bin/granian --interface wsgi --workers 2 --blocking-threads 8 \\
        --working-dir bench --port 8001 bare_app:application &
    DATABASE_URL=... .venv/bin/python bench/load.py --workers 16 --seconds 20 \\
        --bare-url http://127.0.0.1:8001

Paths measured, each on its own project (so each starts with every slot free):
- http: the real pages (sessions, CSRF, templates, the task frame's token), one claim and one
  submit per pair, plus the work page that a browser opens in between;
- bare: bench/bare_app.py, one POST doing the same two service calls, no middleware;
- psycopg: the same claim statement and submit transaction straight on PostgreSQL.
Loads go to 127.0.0.1 only and stop by themselves (--seconds, --count). Figures are printed, not
asserted; the invariants are checked and a violation exits non-zero.
"""

import argparse
import html
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PASSWORD = "load-bench-password-2026"
TITLES = {"http": "load: http", "bare": "load: bare", "psycopg": "load: psycopg"}
FRAME_SRC = re.compile(r'src="(/work/assignments/([^/"]+)/frame/\?token=([^"]+))"')


def worker_email(index: int) -> str:
    return f"load-worker-{index}@bench.microwork.test"


def refuse_remote(url: str) -> str:
    host = urlsplit(url).hostname
    if host != "127.0.0.1":
        sys.exit(f"load.py only targets 127.0.0.1, not {host!r}: {url}")
    return url.rstrip("/")


@dataclass
class Run:
    """What one path's threads measured: per-step latencies, pairs done, acknowledged submits."""

    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    pairs: int = 0
    returns: int = 0
    abandoned: int = 0
    acknowledged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, step: str, started: float) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.steps[step].append(elapsed)


class Budget:
    """Stops every thread at --seconds or after --count pairs, whichever comes first."""

    def __init__(self, *, seconds: float, count: int):
        self.seconds = seconds
        self.started: float | None = None  # the clock starts at the first pair, after logins
        self.left = count or None
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.started is None:
                self.started = time.perf_counter()
            if time.perf_counter() - self.started >= self.seconds:
                return False
            if self.left is None:
                return True
            if self.left <= 0:
                return False
            self.left -= 1
            return True


# --- setup --------------------------------------------------------------------------------


def setup(*, workers: int, tasks: int) -> None:
    """Worker accounts and one funded, published batch per path, through the services."""
    import io

    from microwork.accounts.models import User
    from microwork.accounts.services import user_sign_up
    from microwork.payments.services import batch_cost, deposit_record
    from microwork.projects.enums import TemplateKind
    from microwork.projects.services import batch_create_from_upload, batch_publish, project_create

    requester = User.objects.filter(email="load-requester@bench.microwork.test").first()
    if requester is None:
        requester = user_sign_up(
            email="load-requester@bench.microwork.test", password=PASSWORD, role="requester"
        )
    for index in range(workers):
        if not User.objects.filter(email=worker_email(index)).exists():
            user_sign_up(email=worker_email(index), password=PASSWORD, role="worker")
    rows = "text\n" + "".join(f"sentence {n}\n" for n in range(tasks))
    for title in TITLES.values():
        project = project_create(
            requester=requester,
            title=title,
            description="Type one word about a sentence.",
            reward_cents=10,
            assignments_per_task=3,
            time_allotted_seconds=600,
            lifetime_seconds=7 * 24 * 3600,
            auto_approval_delay_seconds=3 * 24 * 3600,
            estimated_seconds=10,
            template_kind=TemplateKind.CUSTOM_HTML,
            template_html='<p>${text}</p><input type="text" name="answer">',
        )
        batch = batch_create_from_upload(
            project=project, file=io.BytesIO(rows.encode()), filename="load.csv"
        )
        deposit_record(
            requester=requester,
            amount_cents=batch_cost(project=project, slots=tasks * 3),
            external_reference=f"load-{project.public_id}",
            actor=requester,
        )
        batch_publish(batch=batch)
    print(f"setup: {workers} workers, 3 projects of {tasks:,} tasks x 3 slots")


def project_ids() -> dict[str, tuple[int, str]]:
    """The newest project of each path: (pk, public_id)."""
    from microwork.projects.models import Project

    found = {}
    for path, title in TITLES.items():
        project = Project.objects.filter(title=title).order_by("-pk").first()
        if project is None:
            sys.exit("no load projects: run bench/load.py --setup first")
        found[path] = (project.pk, project.public_id)
    return found


# --- the real path over HTTP --------------------------------------------------------------


def http_worker(index, *, base, project, run, budget, spare, args, logged_in) -> None:
    import httpx

    rng = random.Random(index)
    account = index
    while True:
        with httpx.Client(base_url=base, timeout=30) as client:
            started = time.perf_counter()
            client.get("/accounts/login/")
            response = client.post(
                "/accounts/login/",
                data={
                    "username": worker_email(account),
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": client.cookies["csrftoken"],
                },
            )
            if response.status_code != 302:
                run.errors.append(f"login {worker_email(account)}: {response.status_code}")
                if logged_in is not None:
                    logged_in.abort()
                return
            run.timed("login", started)
            if logged_in is not None:
                logged_in.wait()  # the first seats start together, once all are logged in
                logged_in = None
            walked_away = False
            while not walked_away and budget.take():
                csrf = {"csrfmiddlewaretoken": client.cookies["csrftoken"]}
                started = time.perf_counter()
                response = client.post(f"/work/projects/{project}/accept/", data=csrf)
                run.timed("accept", started)
                location = response.headers.get("location", "")
                if response.status_code != 302 or "/assignments/" not in location:
                    run.errors.append(f"accept: {response.status_code} {location}")
                    return
                started = time.perf_counter()
                page = client.get(location)
                run.timed("work page", started)
                match = FRAME_SRC.search(page.text)
                if match is None:
                    run.errors.append(f"work page without a frame: {page.status_code}")
                    return
                assignment_id, token = match.group(2), html.unescape(match.group(3))
                roll = rng.random()
                if roll < args.abandon_share:
                    with run.lock:  # walks away: the assignment stays open until it expires
                        run.abandoned += 1
                    walked_away = True
                elif roll < args.abandon_share + args.return_share:
                    started = time.perf_counter()
                    response = client.post(f"/work/assignments/{assignment_id}/return/", data=csrf)
                    run.timed("return", started)
                    with run.lock:
                        run.returns += 1
                else:
                    started = time.perf_counter()
                    response = client.post(
                        "/work/submit/",
                        data={"assignmentId": assignment_id, "mw_token": token, "answer": "ok"},
                    )
                    run.timed("submit", started)
                    if response.status_code == 200 and "microwork:submitted" in response.text:
                        with run.lock:
                            run.pairs += 1
                            run.acknowledged.append(assignment_id)
                    else:
                        run.errors.append(f"submit: {response.status_code}")
            if not walked_away:
                return
        account = next(spare, None)  # the next person takes this seat
        if account is None:
            return


# --- the baselines ------------------------------------------------------------------------


def bare_worker(index, *, base, project, worker_ids, run, budget, args) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        while budget.take():
            started = time.perf_counter()
            response = client.post("/pair/", data={"worker": worker_ids[index], "project": project})
            run.timed("pair", started)
            if response.status_code != 200:
                run.errors.append(f"bare pair: {response.status_code} {response.text[:100]}")
                return
            with run.lock:
                run.pairs += 1
                run.acknowledged.append(response.text.strip())


def psycopg_worker(index, *, dsn, project_pk, worker_ids, run, budget, args) -> None:
    from datetime import UTC, datetime, timedelta

    import psycopg
    from psycopg.types.json import Jsonb

    from microwork.common.ids import new_entity_id
    from microwork.work.services import _CLAIM_SQL

    with psycopg.connect(dsn, autocommit=True) as connection:
        while budget.take():
            started = time.perf_counter()
            now = datetime.now(UTC)
            public_id = new_entity_id()
            row = connection.execute(
                _CLAIM_SQL,
                {
                    "worker": worker_ids[index],
                    "project": project_pk,
                    "published": "published",
                    "accepted": "accepted",
                    "now": now,
                    "deadline": now + timedelta(seconds=600),
                    "public_id": public_id,
                },
            ).fetchone()
            run.timed("claim", started)
            if row is None:
                run.errors.append("psycopg: no task left")
                return
            started = time.perf_counter()
            with connection.transaction():
                state, accepted_at = connection.execute(
                    "SELECT state, accepted_at FROM work_assignment WHERE id = %s FOR UPDATE",
                    [row[0]],
                ).fetchone()
                now = datetime.now(UTC)
                connection.execute(
                    """UPDATE work_assignment SET state = 'submitted', answers = %s,
                           submitted_at = %s, work_seconds = %s, auto_approval_due_at = %s
                       WHERE id = %s""",
                    [
                        Jsonb({"answer": "ok"}),
                        now,
                        int((now - accepted_at).total_seconds()),
                        now + timedelta(days=3),
                        row[0],
                    ],
                )
            run.timed("submit", started)
            with run.lock:
                run.pairs += 1
                run.acknowledged.append(public_id)


def run_threads(count: int, target, **kwargs) -> Run:
    """Run `count` threads of `target`; the run's seconds count from the first pair."""
    run = Run()
    threads = [
        threading.Thread(target=target, args=(index,), kwargs={**kwargs, "run": run})
        for index in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = kwargs["budget"].started
    run.seconds = time.perf_counter() - started if started is not None else 0.0
    return run


# --- invariants ---------------------------------------------------------------------------


def invariant_problems(acknowledged: list[str]) -> list[str]:
    """Every broken rule after a run, in words; [] when all hold."""
    from django.db.models import Count, Q

    from microwork.payments.invariants import ledger_problems
    from microwork.projects.models import Task
    from microwork.work.enums import ANSWERED_STATES, SLOT_HOLDING_STATES
    from microwork.work.models import Assignment

    problems = []
    tasks = (
        Task.objects.annotate(
            holding=Count("assignments", filter=Q(assignments__state__in=SLOT_HOLDING_STATES))
        )
        .filter(holding__gt=0)
        .values_list("pk", "holding", "open_slots", "max_assignments")
    )
    for pk, holding, open_slots, redundancy in tasks:
        if holding > redundancy or open_slots != redundancy - holding:
            problems.append(
                f"task {pk}: {holding} slot-holding assignments, "
                f"open_slots {open_slots}, redundancy {redundancy}"
            )
    duplicates = Assignment.objects.values("task", "worker").annotate(n=Count("id")).filter(n__gt=1)
    problems += [f"worker {row['worker']} has task {row['task']} twice" for row in duplicates]
    stored = set(
        Assignment.objects.filter(
            public_id__in=acknowledged, state__in=list(ANSWERED_STATES)
        ).values_list("public_id", flat=True)
    )
    problems += [
        f"acknowledged submit {aid} not stored" for aid in acknowledged if aid not in stored
    ]
    return problems + ledger_problems()


# --- report -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(name: str, run: Run) -> float:
    rate = run.pairs / run.seconds if run.seconds else 0.0
    print(
        f"\n{name}: {run.pairs:,} pairs in {run.seconds:.1f} s = {rate:,.0f} pairs/s"
        + (f"; {run.returns} returned, {run.abandoned} abandoned" if name == "http" else "")
        + (f"; {len(run.errors)} errors, first: {run.errors[0]}" if run.errors else "")
    )
    for step, values in run.steps.items():
        print(
            f"  {step:<10} n={len(values):>6,}  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms"
        )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--bare-url", help="bench/bare_app.py served on 127.0.0.1 (optional)")
    parser.add_argument("--workers", type=int, default=16, help="concurrent simulated workers")
    parser.add_argument("--seconds", type=float, default=20, help="stop each path after this")
    parser.add_argument("--count", type=int, default=0, help="stop each path after this many pairs")
    parser.add_argument("--return-share", type=float, default=0.05)
    parser.add_argument("--abandon-share", type=float, default=0.02)
    parser.add_argument("--setup", action="store_true", help="create accounts and batches, exit")
    parser.add_argument("--tasks", type=int, default=20_000, help="tasks per batch (--setup)")
    parser.add_argument("--no-psycopg", action="store_true", help="skip the psycopg baseline")
    args = parser.parse_args()
    base = refuse_remote(args.base_url)
    bare = refuse_remote(args.bare_url) if args.bare_url else None
    spares = 4 * args.workers  # accounts that take a seat when someone walks away

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request costs CPU here
    if args.setup:
        setup(workers=args.workers + spares, tasks=args.tasks)
        return
    from django.db import connection

    from microwork.accounts.models import User

    projects = project_ids()
    worker_ids = [
        User.objects.get(email=worker_email(index)).pk for index in range(args.workers + spares)
    ]
    budget = dict(seconds=args.seconds, count=args.count)
    rates = {}
    print(f"load: {args.workers} workers, {os.cpu_count()} CPUs, {connection.vendor}")
    run = run_threads(
        args.workers,
        http_worker,
        base=base,
        project=projects["http"][1],
        budget=Budget(**budget),
        spare=iter(range(args.workers, args.workers + spares)),
        args=args,
        logged_in=threading.Barrier(args.workers),
    )
    rates["http"] = report("http", run)
    acknowledged = list(run.acknowledged)
    if bare:
        run = run_threads(
            args.workers,
            bare_worker,
            base=bare,
            project=projects["bare"][1],
            worker_ids=worker_ids,
            budget=Budget(**budget),
            args=args,
        )
        rates["bare"] = report("bare Django view", run)
        acknowledged += run.acknowledged
    if not args.no_psycopg and connection.vendor == "postgresql":
        params = connection.get_connection_params()
        dsn = " ".join(
            f"{key}={value}"
            for key, value in params.items()
            if key in ("host", "port", "user", "password", "dbname") and value
        )
        run = run_threads(
            args.workers,
            psycopg_worker,
            dsn=dsn,
            project_pk=projects["psycopg"][0],
            worker_ids=worker_ids,
            budget=Budget(**budget),
            args=args,
        )
        rates["psycopg"] = report("psycopg", run)
        acknowledged += run.acknowledged
    print()
    for baseline in ("bare", "psycopg"):
        if rates.get(baseline):
            print(f"http / {baseline}: {rates['http'] / rates[baseline]:.0%}")
    # A fresh connection for the checks: in a fault run the database restarted under the old one.
    connection.close()
    problems = invariant_problems(acknowledged)
    print(f"invariants: {'hold' if not problems else f'{len(problems)} broken'}")
    for problem in problems[:20]:
        print(f"  {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
