"""N simulated workers over HTTP: log in, accept next, open the work page, submit (or return, or
walk away), then check the invariants in the database. With two baselines in the same run.

    # once: accounts, and a funded, published batch per path (needs the server's DATABASE_URL)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hperfload .venv/bin/python bench/load.py --setup
    # throughput: wrk drives the real server and the bare baseline, both started here
    DATABASE_URL=... .venv/bin/python bench/load.py --driver wrk --serve 1 --bare --seconds 20
    # fault: kill -9 one of two servers 8 s in; the Python workers fail over and retry
    DATABASE_URL=... .venv/bin/python bench/load.py --serve 2 --serve-workers 1 \\
        --kill-one-server-at 8 --seconds 20 --no-psycopg
    # or against servers started by hand: --base-url http://127.0.0.1:8000 --bare-url ...:8001
    # the REST API's pair beside the pages' (docs/adr/0019): CPU per pair of each
    DATABASE_URL=... .venv/bin/python bench/load.py --driver wrk --serve 1 --path http --path api

Paths measured, each on its own project (so each starts with every slot free):
- http: the real pages (sessions, CSRF, templates, the task frame's token), one claim and one
  submit per pair, plus the work page that a browser opens in between;
- api: the REST API (/api/v1/worker/, a personal token per worker): accept, then submit (or
  return, or walk away), JSON both ways; only with --path api;
- bare: bench/bare_app.py, one POST doing the same two service calls, no middleware;
- psycopg: the same claim statement and submit transaction straight on PostgreSQL.
Loads go to 127.0.0.1 only and stop by themselves (--seconds, --count; a worker gives up after
10 s of failed tries). Figures are printed, not asserted, with the CPU each layer used per
pair; the invariants are checked and a violation exits non-zero. docs/performance.md has the
figures and the one line that re-runs them.
"""

import argparse
import functools
import html
import json
import os
import random
import re
import shutil
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PASSWORD = "load-bench-password-2026"
# Rate limits (docs/adr/0023) far above what the benchmark sends: still counted on every
# request, so their cost is in the figures, and never reached. Set in the environment of the
# servers this starts; a server started by hand needs them too (docs/performance.md).
RAISED_RATES = {
    f"MICROWORK_RATE_{scope}{per}": "1000000/m"
    for scope in ("ACCEPT", "RETURN", "SUBMIT", "UPLOAD", "API", "MTURK", "SIGNUP")
    for per in ("", "_ADDRESS")
}
TITLES = {
    "http": "load: http",
    "bare": "load: bare",
    "psycopg": "load: psycopg",
    "api": "load: api",
}
FRAME_SRC = re.compile(r'src="(/work/assignments/([^/"]+)/frame/\?token=([^"]+))"')


BENCH_DOMAIN = "@bench.microwork.test"


def worker_email(index: int) -> str:
    return f"load-worker-{index}{BENCH_DOMAIN}"


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
    pairs_at_fault: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

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

    def over(self) -> bool:
        return self.started is not None and time.perf_counter() - self.started >= self.seconds

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
    from microwork.payments.services import deposit_record, slots_cost
    from microwork.projects.enums import TemplateKind
    from microwork.projects.services import batch_create_from_upload, batch_publish, project_create

    requester = User.objects.filter(email="load-requester@bench.microwork.test").first()
    if requester is None:
        # Invented addresses: counted as verified, or publishing is refused (docs/adr/0027).
        requester = user_sign_up(
            email="load-requester@bench.microwork.test",
            password=PASSWORD,
            role="requester",
            email_verified=True,
        )
    for index in range(workers):
        if not User.objects.filter(email=worker_email(index)).exists():
            user_sign_up(
                email=worker_email(index), password=PASSWORD, role="worker", email_verified=True
            )
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
            amount_cents=slots_cost(project=project, slots=tasks * 3),
            external_reference=f"load-{project.public_id}",
            actor=requester,
        )
        batch_publish(batch=batch)
    print(f"setup: {workers} workers, {len(TITLES)} projects of {tasks:,} tasks x 3 slots")


def project_ids(paths=TITLES) -> dict[str, tuple[int, str]]:
    """The newest project of each of `paths`: (pk, public_id)."""
    from microwork.projects.models import Project

    found = {}
    for path in paths:
        project = Project.objects.filter(title=TITLES[path]).order_by("-pk").first()
        if project is None:
            sys.exit(f"no load project for the {path} path: run bench/load.py --setup first")
        found[path] = (project.pk, project.public_id)
    return found


# --- the real path over HTTP --------------------------------------------------------------


class Servers:
    """The base URLs a worker may use, in its order of preference: on a connection failure it
    fails over to the next one, like a proxy (docs/deploy.md) would."""

    RETRY_PAUSE = 0.05  # seconds between tries, so a dead server is not hammered
    GIVE_UP_AFTER = 200  # failed tries in a row (10 s): every server is down, stop

    def __init__(self, urls: list[str], index: int):
        self.urls = urls[index % len(urls) :] + urls[: index % len(urls)]

    def send(self, client, method: str, path: str, *, run: "Run", budget: "Budget", **kwargs):
        """The response, or None once the run is over. Connection errors and 5xx answers are
        counted and retried, on the next server for a connection error."""
        import httpx

        for _ in range(self.GIVE_UP_AFTER):
            try:
                response = client.request(method, self.urls[0] + path, **kwargs)
            except httpx.TransportError as error:
                run.error(f"{method} {path.split('/')[1]}: {type(error).__name__}")
                self.urls.append(self.urls.pop(0))  # fail over
            else:
                if response.status_code < 500:
                    return response
                run.error(f"{method} {path.split('/')[1]}: {response.status_code}")
            if budget.over():
                return None
            time.sleep(self.RETRY_PAUSE)
        return None


def http_login(client, servers, *, email, run, budget, tries: int = 3) -> bool:
    """Log in through the form; a refused try (e.g. mid database restart) is tried again."""
    started = time.perf_counter()
    for _ in range(tries):
        if servers.send(client, "GET", "/accounts/login/", run=run, budget=budget) is None:
            return False
        response = servers.send(
            client,
            "POST",
            "/accounts/login/",
            data={
                "username": email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            run=run,
            budget=budget,
        )
        if response is None:
            return False
        if response.status_code == 302:
            run.timed("login", started)
            return True
        run.error(f"login {email}: {response.status_code}")
    return False


def http_worker(index, *, base, project, run, budget, spare, args, logged_in) -> None:
    """One simulated worker; `base` is a URL or a list of them (failover). An error is counted
    and the worker carries on: a refused or failed step starts over with a new accept."""
    import httpx

    rng = random.Random(index)
    servers = Servers(base if isinstance(base, list) else [base], index)
    account = index
    while True:
        with httpx.Client(timeout=30) as client:
            send = functools.partial(servers.send, client, run=run, budget=budget)
            logged = http_login(
                client, servers, email=worker_email(account), run=run, budget=budget
            )
            if logged_in is not None:
                if not logged:
                    logged_in.abort()
                    return
                logged_in.wait()  # the first seats start together, once all are logged in
                logged_in = None
            if not logged:
                return
            walked_away = False
            while not walked_away and budget.take():
                csrf = {"csrfmiddlewaretoken": client.cookies["csrftoken"]}
                started = time.perf_counter()
                response = send("POST", f"/work/projects/{project}/accept/", data=csrf)
                if response is None:
                    return
                run.timed("accept", started)
                location = response.headers.get("location", "")
                if response.status_code != 302 or "/assignments/" not in location:
                    run.error(f"accept: {response.status_code} {location}")
                    continue
                started = time.perf_counter()
                page = send("GET", location)
                if page is None:
                    return
                run.timed("work page", started)
                match = FRAME_SRC.search(page.text)
                if match is None:
                    run.error(f"work page without a frame: {page.status_code}")
                    continue
                assignment_id, token = match.group(2), html.unescape(match.group(3))
                roll = rng.random()
                if roll < args.abandon_share:
                    with run.lock:  # walks away: the assignment stays open until it expires
                        run.abandoned += 1
                    walked_away = True
                elif roll < args.abandon_share + args.return_share:
                    started = time.perf_counter()
                    response = send("POST", f"/work/assignments/{assignment_id}/return/", data=csrf)
                    if response is None:
                        return
                    run.timed("return", started)
                    with run.lock:
                        run.returns += 1
                else:
                    started = time.perf_counter()
                    response = send(
                        "POST",
                        "/work/submit/",
                        data={"assignmentId": assignment_id, "mw_token": token, "answer": "ok"},
                    )
                    if response is None:
                        return
                    run.timed("submit", started)
                    if response.status_code == 200 and "microwork:submitted" in response.text:
                        with run.lock:
                            run.pairs += 1
                            run.acknowledged.append(assignment_id)
                    else:
                        # E.g. 409 after a retry whose first try had committed: not acknowledged
                        # to the client, so the invariants do not count it as acknowledged.
                        run.error(f"submit: {response.status_code}")
            if not walked_away:
                return
        account = next(spare, None)  # the next person takes this seat
        if account is None:
            return


# --- the REST API over HTTP ----------------------------------------------------------------


class ApiTokens:
    """A personal API token (read and write) per account that takes a seat, made through the
    service when the seat is taken and revoked at the end of the run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.made = []

    def secret_for(self, account: int) -> str:
        from django.db import connection

        from microwork.accounts.models import User
        from microwork.accounts.tokens import api_token_create

        try:
            user = User.objects.get(email=worker_email(account))
            token, secret = api_token_create(user=user, name="bench/load.py", scope="write")
        finally:
            connection.close()  # this thread's connection, not needed again
        with self.lock:
            self.made.append(token)
        return secret

    def revoke_all(self) -> None:
        from microwork.accounts.tokens import api_token_revoke

        for token in self.made:
            api_token_revoke(token=token, user=token.user)


def api_worker(index, *, base, project, run, budget, spare, args, tokens) -> None:
    """One simulated worker on the REST API: accept, then submit (or return, or walk away)."""
    import httpx

    rng = random.Random(index)
    servers = Servers(base if isinstance(base, list) else [base], index)
    account = index
    while True:
        headers = {"Authorization": f"Bearer {tokens.secret_for(account)}"}
        with httpx.Client(timeout=30, headers=headers) as client:
            send = functools.partial(servers.send, client, run=run, budget=budget)
            walked_away = False
            while not walked_away and budget.take():
                started = time.perf_counter()
                response = send("POST", f"/api/v1/worker/projects/{project}/accept")
                if response is None:
                    return
                run.timed("accept", started)
                if response.status_code != 201:
                    run.error(f"accept: {response.status_code} {response.text[:80]}")
                    continue
                assignment_id = response.json()["id"]
                roll = rng.random()
                if roll < args.abandon_share:
                    with run.lock:
                        run.abandoned += 1
                    walked_away = True
                elif roll < args.abandon_share + args.return_share:
                    started = time.perf_counter()
                    response = send("POST", f"/api/v1/worker/assignments/{assignment_id}/return")
                    if response is None:
                        return
                    run.timed("return", started)
                    with run.lock:
                        run.returns += 1
                else:
                    started = time.perf_counter()
                    response = send(
                        "POST",
                        f"/api/v1/worker/assignments/{assignment_id}/submit",
                        json={"answers": {"answer": "ok"}},
                    )
                    if response is None:
                        return
                    run.timed("submit", started)
                    if response.status_code == 200 and response.json()["state"] == "submitted":
                        with run.lock:
                            run.pairs += 1
                            run.acknowledged.append(assignment_id)
                    else:
                        run.error(f"submit: {response.status_code}")
            if not walked_away:
                return
        account = next(spare, None)
        if account is None:
            return


# --- the baselines ------------------------------------------------------------------------


def bare_worker(index, *, base, project, worker_ids, run, budget, args) -> None:
    import httpx

    servers = Servers([base], index)
    with httpx.Client(timeout=30) as client:
        while budget.take():
            started = time.perf_counter()
            response = servers.send(
                client,
                "POST",
                "/pair/",
                data={"worker": worker_ids[index], "project": project},
                run=run,
                budget=budget,
            )
            if response is None:
                return
            run.timed("pair", started)
            if response.status_code != 200:
                run.error(f"bare pair: {response.status_code} {response.text[:100]}")
                continue
            with run.lock:
                run.pairs += 1
                run.acknowledged.append(response.text.strip())


def psycopg_worker(index, *, dsn, project_pk, worker_ids, run, budget, args) -> None:
    import psycopg

    while not budget.over():
        try:
            psycopg_pairs(
                index, dsn=dsn, project_pk=project_pk, worker_ids=worker_ids, run=run, budget=budget
            )
            return
        except psycopg.OperationalError as error:  # the database restarted: reconnect
            run.error(f"psycopg: {type(error).__name__}")
            time.sleep(Servers.RETRY_PAUSE)


def psycopg_pairs(index, *, dsn, project_pk, worker_ids, run, budget) -> None:
    from datetime import UTC, datetime, timedelta

    import psycopg
    from psycopg.types.json import Jsonb

    from microwork.accounts.models import User
    from microwork.projects.models import Project
    from microwork.work import claim

    worker = User(pk=worker_ids[index])
    project = Project(pk=project_pk, time_allotted_seconds=600)
    with psycopg.connect(dsn, autocommit=True) as connection:
        while budget.take():
            # The app's claim statement and values, run on this bare connection.
            built = claim.build(
                claim.Target.ORDINARY,
                worker=worker,
                project=project,
                shape=claim.Shape.ONE_STATEMENT,
            )
            started = time.perf_counter()
            row = connection.execute(built.statements[0], built.params).fetchone()
            run.timed("claim", started)
            if row is None:
                run.error("psycopg: no task left")
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
                run.acknowledged.append(built.values["public_id"])


def run_threads(count: int, target, *, run: Run | None = None, **kwargs) -> Run:
    """Run `count` threads of `target`; the run's seconds count from the first pair."""
    run = run or Run()
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


def summary_of(run: Run) -> dict:
    """One path's figures: pairs/s and latency percentiles per step; the caller adds the CPU ms
    per pair (CpuMeter.report) where it measured them."""
    return {
        "pairs": run.pairs,
        "pairs_per_second": run.pairs / run.seconds if run.seconds else 0.0,
        "errors": len(run.errors),
        "steps": {
            step: {
                "n": len(values),
                "p50_ms": statistics.median(values),
                "p95_ms": percentile(values, 0.95),
                "p99_ms": percentile(values, 0.99),
            }
            for step, values in run.steps.items()
            if values
        },
        "cpu_ms_per_pair": {},
    }


def report(name: str, run: Run) -> dict:
    """Print one path's figures and return them (summary_of), for the ratios and --json."""
    figures = summary_of(run)
    print(
        f"\n{name}: {run.pairs:,} pairs in {run.seconds:.1f} s = "
        f"{figures['pairs_per_second']:,.0f} pairs/s"
        + (
            f"; {run.returns} returned, {run.abandoned} abandoned"
            if name in ("http", "api")
            else ""
        )
        + (f"; {len(run.errors)} errors" if run.errors else "")
    )
    if run.pairs_at_fault is not None:
        print(f"  pairs after the fault: {run.pairs - run.pairs_at_fault:,}")
    if run.errors:
        kinds = Counter(" ".join(text.split(" ")[:3])[:40] for text in run.errors)
        print("  errors: " + ", ".join(f"{text} x{n}" for text, n in kinds.most_common(6)))
    for step, latency in figures["steps"].items():
        print(
            f"  {step:<10} n={latency['n']:>6,}  p50 {latency['p50_ms']:7.1f} ms  "
            f"p95 {latency['p95_ms']:7.1f} ms  p99 {latency['p99_ms']:7.1f} ms"
        )
    return figures


# --- the wrk driver -----------------------------------------------------------------------

WRK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "load_wrk.lua")


def signed_in(user) -> tuple[str, str]:
    """A logged-in session key for `user` and a CSRF secret to send with it.

    Made as Django's test client does (force_login), not by posting the login form: Argon2 makes
    each login cost about 0.1 s of CPU, and logins are not what the harness measures. The CSRF
    token is a fresh secret, sent as the cookie and as the form field, as a browser would after
    reading the cookie."""
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, get_random_string(
        CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS
    )


def write_seats(path: str, accounts: list[int]) -> None:
    """A logged-in session and a CSRF token per account (signed_in()), for bench/load_wrk.lua."""
    from microwork.accounts.models import User

    with open(path, "w") as file:
        for index in accounts:
            user = User.objects.get(email=worker_email(index))
            session, csrf = signed_in(user)
            file.write(f"{session} {csrf} {user.pk}\n")


def warm_up(args, base: str, bare: str | None, projects: dict, spares: int) -> list[str]:
    """--warmup: each path under the same load for a few seconds, unmeasured, so the servers'
    first requests (imports, compiled templates, new connections) and a cold database cache are
    not in the figures. It seats the last third of the accounts, which the measured run reaches
    only after two thirds of its own walked away; its submissions are checked with the others.
    Returns them."""
    import tempfile

    accounts = list(range(args.workers + spares))[
        -max(args.workers, (args.workers + spares) // 3) :
    ]
    acknowledged = []
    with tempfile.NamedTemporaryFile("w", prefix="mw-warm-", suffix=".txt") as seats:
        write_seats(seats.name, accounts)
        for mode, url in (("http", base), ("bare", bare)):
            if url is None or (mode == "http" and args.no_http):
                continue
            run = run_wrk(
                mode,
                base=url,
                project=projects[mode][1],
                seats=seats.name,
                args=args,
                seconds=args.warmup,
                quiet=True,
            )
            acknowledged += run.acknowledged
    print(f"warm-up: {args.warmup:g} s a path, {len(acknowledged):,} submissions not counted")
    return acknowledged


def run_wrk(
    mode: str,
    *,
    base: str,
    project: str,
    seats: str,
    args,
    seconds: float | None = None,
    quiet: bool = False,
) -> Run:
    """One path driven by wrk (bench/load_wrk.lua): a thread and a connection per worker, for
    `seconds` (default --seconds); `quiet` leaves out the note on threads out of seats."""
    import subprocess
    import tempfile

    run = Run()
    with tempfile.TemporaryDirectory(prefix="mw-wrk-") as folder:
        out = os.path.join(folder, "out")
        env = {
            **os.environ,
            "LOAD_MODE": mode,
            "LOAD_SEATS": seats,
            "LOAD_PROJECT": project,
            "LOAD_OUT": out,
            "LOAD_THREADS": str(args.workers),
            "LOAD_RETURN_SHARE": str(args.return_share),
            "LOAD_ABANDON_SHARE": str(args.abandon_share),
        }
        command = [
            "wrk",
            f"--threads={args.workers}",
            f"--connections={args.workers}",
            f"--duration={max(1, round(seconds or args.seconds))}s",
            "--timeout=30s",
            f"--script={WRK_SCRIPT}",
            base + "/",
        ]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        counts: Counter = Counter()
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name)) as file:
                for line in file:
                    kind, _, rest = line.rstrip("\n").partition(" ")
                    if kind == "lat":
                        step, _, ms = rest.rpartition(" ")
                        run.steps[step].append(float(ms))
                    elif kind == "ack":
                        run.acknowledged.append(rest)
                    elif kind == "err":
                        run.errors.append(rest)
                    elif kind == "count":
                        counts[rest] += 1
                    elif kind == "total":
                        name, _, value = rest.partition(" ")
                        counts[name] += float(value)
    run.pairs, run.returns = len(run.acknowledged), counts["returns"]
    run.abandoned, run.seconds = counts["abandoned"], counts["seconds"]
    run.errors += ["socket error"] * int(counts["socket_errors"])
    if counts["seats_out"] and not quiet:
        print(f"note: {counts['seats_out']} wrk threads ran out of spare accounts and stopped")
    return run


# --- CPU per pair -------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds used by the app servers (their process groups), the database (PostgreSQL
    backends of this database), the shared cache (redis-server, when MICROWORK_CACHE_URL is
    set) and the load generator (this process and its children, wrk).

    On a machine shared with other jobs, throughput and latency move with the others' load;
    CPU time per pair moves far less, so it is what compares two changes made an hour apart.
    """

    def __init__(self, server_groups: list[int], dbname: str):
        self.server_groups = set(server_groups)
        self.db_title = f" {dbname} " if dbname else None
        self.tick = os.sysconf("SC_CLK_TCK")
        self.with_cache = bool(os.environ.get("MICROWORK_CACHE_URL"))

    def snapshot(self) -> dict[str, float]:
        import resource

        used = {"app servers": 0.0, "PostgreSQL": 0.0}
        if self.with_cache:
            used["Redis"] = 0.0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    title = file.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # gone meanwhile
            seconds = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
            if int(fields[2]) in self.server_groups:
                used["app servers"] += seconds
            elif self.db_title and title.startswith("postgres: ") and self.db_title in title:
                used["PostgreSQL"] += seconds
            elif self.with_cache and title.startswith("redis-server"):
                used["Redis"] += seconds
        # wrk is a child, reaped after each run; the servers are reaped after the last snapshot.
        used["load generator"] = sum(
            usage.ru_utime + usage.ru_stime
            for usage in (
                resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN),
            )
        )
        return used

    @staticmethod
    def report(
        before: dict, after: dict, pairs: int, *, with_servers: bool, unit: str = "pair"
    ) -> dict[str, float]:
        """Print and return the CPU ms per pair (or request) of each part."""
        if not pairs:
            return {}
        figures = {
            name: (after[name] - before[name]) * 1000 / pairs
            for name in after
            if with_servers or name != "app servers"
        }
        decimals = 1 if unit == "pair" else 3
        parts = [f"{name} {value:.{decimals}f}" for name, value in figures.items()]
        print(f"  CPU ms per {unit}: " + ", ".join(parts))
        return figures


def ping(base: str, args, meter: "CpuMeter") -> None:
    """Plain GETs of the bare app's /ping/ (no database) with wrk: requests/s, CPU per request."""
    import subprocess

    before = meter.snapshot()
    command = ["wrk", f"--threads={args.workers}", f"--connections={args.workers}"]
    command += [f"--duration={max(1, round(args.seconds))}s", "--latency", base + "/ping/"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    after = meter.snapshot()
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    print(f"\nping (bare app, no database): {requests:,} requests = {rate:,.0f}/s; p99 {p99}")
    CpuMeter.report(before, after, requests, with_servers=True, unit="request")


# --- servers started by the harness (--serve) ---------------------------------------------


class Server:
    """A server process in its own process group, so one kill takes it and its workers."""

    def __init__(self, command: list[str], url: str, log: str, env: dict | None = None):
        import subprocess

        self.url = url
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )

    def wait_ready(self, path: str, seconds: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"server {self.url} exited; see {self.log.name}")
            try:
                httpx.get(self.url + path, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        sys.exit(f"server {self.url} did not answer within {seconds:.0f} s; see {self.log.name}")

    def kill(self) -> None:
        """kill -9 of the server and its worker processes, as a crash would."""
        import signal

        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except Exception:  # noqa: BLE001 - whatever it was, make sure it is gone
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def start_servers(args, base: str) -> tuple[list[Server], Server | None]:
    """--serve N `microwork serve` processes on consecutive ports from --base-url's, and the
    bare app on the next port with the same granian configuration (with --bare)."""
    bin_dir = os.path.dirname(sys.executable)
    split = urlsplit(base)
    servers = []
    for n in range(args.serve):
        bind = f"127.0.0.1:{split.port + n}"
        command = [os.path.join(bin_dir, "microwork"), "serve", "--bind", bind]
        command += ["--workers", str(args.serve_workers), "--threads", str(args.serve_threads)]
        servers.append(Server(command, f"http://{bind}", f"/tmp/mw-load-serve-{n}.log"))
    bare = None
    if args.bare:
        port = split.port + args.serve
        bench_dir = os.path.dirname(WRK_SCRIPT)
        if args.bare_server == "granian":
            command = [os.path.join(bin_dir, "granian"), "--interface", "wsgi", "--no-ws"]
            command += ["--workers", str(args.serve_workers)]
            command += ["--blocking-threads", str(args.serve_threads)]
            command += ["--working-dir", bench_dir, "--port", str(port), "bare_app:application"]
        else:
            threads = 1 if args.bare_server == "gunicorn-sync" else args.serve_threads
            command = [os.path.join(bin_dir, "gunicorn"), "--workers", str(args.serve_workers)]
            command += ["--threads", str(threads), "--chdir", bench_dir]
            command += ["--bind", f"127.0.0.1:{port}", "bare_app:application"]
        bare = Server(command, f"http://127.0.0.1:{port}", "/tmp/mw-load-bare.log")
    for server in servers:
        server.wait_ready("/accounts/login/")
    if bare:
        bare.wait_ready("/")
    return servers, bare


def kill_later(server: Server, budget: Budget, seconds: float, run: Run) -> threading.Thread:
    """kill -9 `server` `seconds` after the run's first pair (in a daemon thread); the pairs
    done by then are kept in run.pairs_at_fault."""

    def wait_and_kill():
        while budget.started is None or time.perf_counter() - budget.started < seconds:
            if budget.started is not None and budget.over():
                return
            time.sleep(0.02)
        server.kill()
        run.pairs_at_fault = run.pairs
        print(f"fault: kill -9 of {server.url} at {seconds:g} s into the run", flush=True)

    thread = threading.Thread(target=wait_and_kill, daemon=True)
    thread.start()
    return thread


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
    parser.add_argument(
        "--driver",
        choices=["threads", "wrk"],
        default="threads",
        help="threads: Python threads with httpx (logs in, retries, fails over); "
        "wrk: wrk with bench/load_wrk.lua, a load generator that costs almost no CPU",
    )
    parser.add_argument(
        "--serve",
        type=int,
        default=0,
        help="start this many `microwork serve` processes on ports from --base-url's, stop them "
        "at the end; the workers use them all, failing over",
    )
    parser.add_argument("--serve-workers", type=int, default=2, help="granian workers (--serve)")
    parser.add_argument("--serve-threads", type=int, default=4, help="threads per worker (--serve)")
    parser.add_argument(
        "--bare", action="store_true", help="with --serve: also serve bench/bare_app.py, measure it"
    )
    parser.add_argument(
        "--bare-server",
        choices=["granian", "gunicorn", "gunicorn-sync"],
        default="granian",
        help="what serves the bare app (--bare): granian like `microwork serve`, or gunicorn "
        "with the same workers (gthread, --serve-threads each; -sync: one thread each) for "
        "docs/adr/0008; gunicorn is not a dependency: pip install it to compare",
    )
    parser.add_argument(
        "--no-http", action="store_true", help="skip the real path (baselines only)"
    )
    parser.add_argument(
        "--ping",
        action="store_true",
        help="with --bare and --driver wrk: also GET the bare app's /ping/ (no database) for "
        "--seconds, to compare servers by their own cost",
    )
    parser.add_argument(
        "--kill-one-server-at",
        type=float,
        metavar="SECONDS",
        help="with --serve 2 or more: kill -9 the first server this long into the http run",
    )
    parser.add_argument(
        "--path",
        action="append",
        choices=["http", "api", "bare", "psycopg"],
        help="measure only these paths, in this order (repeat it: --path http --path api); "
        "by default http, bare (with --bare or --bare-url) and psycopg, as the flags say",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    parser.add_argument(
        "--warmup",
        type=float,
        default=0,
        metavar="SECONDS",
        help="with --driver wrk: run each path this long first, unmeasured",
    )
    args = parser.parse_args()
    base = refuse_remote(args.base_url)
    bare = refuse_remote(args.bare_url) if args.bare_url else None
    # Accounts that take a seat when someone walks away: at 300 pairs/s a thread walks away
    # about 9 times in a warm-up and a run of 25 s (2%), and a thread out of seats stops,
    # lowering the load it measures.
    spares = 32 * args.workers
    if args.kill_one_server_at is not None and args.serve < 2:
        parser.error("--kill-one-server-at needs --serve 2 (or more): one must survive")
    if args.kill_one_server_at is not None and args.driver == "wrk":
        parser.error("--kill-one-server-at needs --driver threads: wrk cannot fail over")
    if args.path:
        args.no_http = "http" not in args.path
        args.no_psycopg = "psycopg" not in args.path
        if "bare" in args.path and not (args.bare or args.bare_url):
            parser.error("--path bare needs --bare (with --serve) or --bare-url")
        if "bare" not in args.path:
            args.bare, args.bare_url = False, None
    if args.driver == "wrk" and not shutil.which("wrk"):
        sys.exit("--driver wrk needs wrk (Debian: apt-get install wrk)")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    for name, rate in RAISED_RATES.items():  # for the servers it starts (--serve) too
        os.environ.setdefault(name, rate)
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request costs CPU here
    if args.setup:
        setup(workers=args.workers + spares, tasks=args.tasks)
        return
    from django.db import connection

    from microwork.accounts.models import User

    projects = project_ids(args.path or ["http", "bare", "psycopg"])
    # Every account --setup made is a seat: with few workers each thread gets more spares, so a
    # long run does not stop when its 32 have walked away. A database set up with fewer spares
    # (8 a worker before) still runs, with those.
    set_up = User.objects.filter(email__startswith="load-worker-", email__endswith=BENCH_DOMAIN)
    spares = set_up.count() - args.workers
    if spares < 0:
        sys.exit(f"--workers {args.workers} needs that many accounts: run --setup first")
    worker_ids = [
        User.objects.get(email=worker_email(index)).pk for index in range(args.workers + spares)
    ]
    started_servers, bare_server = (
        start_servers(args, base) if args.serve or args.bare else ([], None)
    )
    try:
        bases = [server.url for server in started_servers] or [base]
        if bare_server:
            bare = bare_server.url
        acknowledged, summary = run_paths(
            args, started_servers, bases, bare, projects, worker_ids, spares, bare_server
        )
    finally:
        for server in [*started_servers, *([bare_server] if bare_server else [])]:
            server.stop()
    print()
    rates = {path: figures["pairs_per_second"] for path, figures in summary.items()}
    for baseline in ("bare", "psycopg"):
        if rates.get(baseline) and "http" in rates:
            print(f"http / {baseline}: {rates['http'] / rates[baseline]:.0%}")
    if "api" in summary and "http" in summary:
        cpu = {
            path: summary[path]["cpu_ms_per_pair"].get("app servers") for path in ("api", "http")
        }
        if cpu["api"] and cpu["http"]:
            print(f"app CPU per pair, api / http: {cpu['api'] / cpu['http']:.0%}")
    # A fresh connection for the checks: in a fault run the database restarted under the old one.
    connection.close()
    problems = invariant_problems(acknowledged)
    print(f"invariants: {'hold' if not problems else f'{len(problems)} broken'}")
    for problem in problems[:20]:
        print(f"  {problem}")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"workers": args.workers, "paths": summary, "problems": problems}, file)
    sys.exit(1 if problems else 0)


def run_paths(
    args, servers, bases, bare, projects, worker_ids, spares, bare_server=None
) -> tuple[list[str], dict]:
    """The http path, then the baselines; the acknowledged submits and each path's figures
    (summary_of)."""
    import tempfile

    from django.db import connection

    budget = dict(seconds=args.seconds, count=args.count)
    summary = {}
    print(
        f"load: {args.workers} workers ({args.driver}), {os.cpu_count()} CPUs, "
        f"{connection.vendor}, servers: {' '.join(bases)}"
    )
    groups = [server.process.pid for server in [*servers, *([bare_server] if bare_server else [])]]
    meter = CpuMeter(
        groups, connection.settings_dict["NAME"] if connection.vendor == "postgresql" else ""
    )
    with_servers = bool(groups)
    seats = None
    acknowledged = []
    if args.driver == "wrk":
        seats = tempfile.NamedTemporaryFile("w", prefix="mw-seats-", suffix=".txt")  # noqa: SIM115
        write_seats(seats.name, list(range(args.workers + spares)))
        if args.warmup:
            acknowledged += warm_up(args, bases[0], bare, projects, spares)
    order = args.path or ["http", "bare", "psycopg"]
    if "api" in order and order.index("api") == 0:
        acknowledged += api_path(args, bases, projects, spares, budget, meter, summary)
    if not args.no_http:
        before = meter.snapshot()
        if args.driver == "wrk":
            run = run_wrk(
                "http", base=bases[0], project=projects["http"][1], seats=seats.name, args=args
            )
        else:
            http_budget, run = Budget(**budget), Run()
            if args.kill_one_server_at is not None:
                kill_later(servers[0], http_budget, args.kill_one_server_at, run)
            run = run_threads(
                args.workers,
                http_worker,
                run=run,
                base=bases,
                project=projects["http"][1],
                budget=http_budget,
                spare=iter(range(args.workers, args.workers + spares)),
                args=args,
                logged_in=threading.Barrier(args.workers),
            )
        summary["http"] = report("http", run)
        summary["http"]["cpu_ms_per_pair"] = CpuMeter.report(
            before, meter.snapshot(), run.pairs, with_servers=with_servers
        )
        acknowledged += run.acknowledged
    if "api" in order and order.index("api") > 0:
        acknowledged += api_path(args, bases, projects, spares, budget, meter, summary)
    if bare:
        before = meter.snapshot()
        if args.driver == "wrk":
            run = run_wrk(
                "bare", base=bare, project=projects["bare"][1], seats=seats.name, args=args
            )
        else:
            run = run_threads(
                args.workers,
                bare_worker,
                base=bare,
                project=projects["bare"][1],
                worker_ids=worker_ids,
                budget=Budget(**budget),
                args=args,
            )
        summary["bare"] = report("bare Django view", run)
        summary["bare"]["cpu_ms_per_pair"] = CpuMeter.report(
            before, meter.snapshot(), run.pairs, with_servers=with_servers
        )
        acknowledged += run.acknowledged
    if args.ping and bare and args.driver == "wrk":
        ping(bare, args, meter)
    if seats is not None:
        seats.close()
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
        summary["psycopg"] = report("psycopg", run)
        acknowledged += run.acknowledged
    return acknowledged, summary


def api_path(args, bases, projects, spares, budget, meter, summary) -> list[str]:
    """The REST API's path: its figures into `summary`, its acknowledged submits. Every token
    it made is revoked at the end."""
    import tempfile

    tokens = ApiTokens()
    acknowledged = []
    try:
        if args.driver == "wrk":
            with tempfile.NamedTemporaryFile("w", prefix="mw-api-seats-", suffix=".txt") as seats:
                for account in range(args.workers + spares):
                    pk = worker_pk(account)
                    seats.write(f"{tokens.secret_for(account)} - {pk}\n")
                seats.flush()
                wrk = functools.partial(
                    run_wrk, "api", base=bases[0], project=projects["api"][1], seats=seats.name
                )
                if args.warmup:
                    acknowledged += wrk(args=args, seconds=args.warmup, quiet=True).acknowledged
                before = meter.snapshot()
                run = wrk(args=args)
        else:
            before = meter.snapshot()
            run = run_threads(
                args.workers,
                api_worker,
                base=bases,
                project=projects["api"][1],
                budget=Budget(**budget),
                spare=iter(range(args.workers, args.workers + spares)),
                args=args,
                tokens=tokens,
            )
        after = meter.snapshot()
    finally:
        tokens.revoke_all()
    summary["api"] = report("api", run)
    summary["api"]["cpu_ms_per_pair"] = CpuMeter.report(
        before, after, run.pairs, with_servers=bool(meter.server_groups)
    )
    return acknowledged + run.acknowledged


def worker_pk(account: int) -> int:
    from microwork.accounts.models import User

    return User.objects.values_list("pk", flat=True).get(email=worker_email(account))


if __name__ == "__main__":
    main()
