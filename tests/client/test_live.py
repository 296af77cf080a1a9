"""`mw` and the Python client against a live `microwork serve` on the test database.

The server is a real process (granian, as in production) started once for the module on the
PostgreSQL test database; each test's objects are committed (transactional tests), so the
server sees them. `mw` runs in this process through cli.main(), which returns its exit code;
the tests read what it printed and then the database.
"""

import csv
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from microwork_client import Client, NotFound, cli

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROJECT_TOML = """\
title = "Sentiment of product reviews"
description = "Read a review and say whether it is positive, negative or neutral."
instructions_file = "instructions.md"
keywords = "text, sentiment"
reward_cents = 12
assignments_per_task = 1
time_limit_seconds = 600
lifetime_seconds = 604800
auto_approval_seconds = 259200
estimated_seconds = 30

[template]
kind = "custom_html"
html_file = "template.html"
"""
TEMPLATE_HTML = '<p>${text}</p>\n<input type="text" name="sentiment">'
SENTIMENTS = ("positive", "negative", "neutral")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(serving) -> str:
    """The base URL of `microwork serve` on the test database."""
    return serving[0]


def _group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) of the processes of a process group, from /proc (Linux)."""
    total = 0
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def serving(django_db_setup, django_db_blocker, tmp_path_factory):
    """`microwork serve` (1 worker, 2 threads) on the test database: (base URL, its process
    group)."""
    from django.db import connection

    settings = connection.settings_dict
    database = "postgres://{}:{}@{}:{}/{}".format(
        settings["USER"],
        settings["PASSWORD"],
        settings["HOST"] or "127.0.0.1",
        settings["PORT"] or 5432,
        settings["NAME"],
    )
    folder = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MICROWORK_DATA_DIR": str(folder / "data"),
        # Jobs (notifications, webhooks) queue in a file nobody consumes: the job queue's
        # tables are made by `microwork worker`, which these tests do not run.
        "MICROWORK_QUEUE_URL": f"sqlite:///{folder / 'queue.sqlite3'}",
    }
    command = [str(Path(sys.executable).parent / "microwork"), "serve", "--workers", "1"]
    command += ["--threads", "2", "--bind", f"127.0.0.1:{port}", "--no-collectstatic"]
    url = f"http://127.0.0.1:{port}"
    with open(folder / "serve.log", "w") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (folder / "serve.log").read_text()
                try:
                    httpx.get(f"{url}/api/v1/me", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            yield url, process.pid
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def mw(server, monkeypatch, capsys, tmp_path):
    """Run `mw ARGS...` in this process with its config in tmp_path; `token=` sets
    MICROWORK_URL and MICROWORK_TOKEN as a script would."""
    monkeypatch.setenv("MICROWORK_CONFIG", str(tmp_path / "config" / "mw.json"))
    for name in ("MICROWORK_URL", "MICROWORK_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, token: str | None = None, url: str | None = None) -> Ran:
        with monkeypatch.context() as patch:
            if token is not None:
                patch.setenv("MICROWORK_URL", url or server)
                patch.setenv("MICROWORK_TOKEN", token)
            capsys.readouterr()
            try:
                code = cli.main([str(arg) for arg in args])
            except SystemExit as exit:  # argparse refusing the command line
                code = exit.code
            captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def _token(user, scope: str = "write") -> str:
    from microwork.accounts.tokens import api_token_create

    return api_token_create(user=user, name="mw tests", scope=scope)[1]


@pytest.fixture
def requester_token():
    from tests.accounts.factories import RequesterFactory
    from tests.payments.factories import fund

    requester = RequesterFactory()
    fund(requester, 2_000_000)  # 20,000.00 EUR: a 100,000-task batch at 0.12 plus fees
    return requester, _token(requester)


def _project_file(folder: Path) -> Path:
    (folder / "instructions.md").write_text("Positive, negative or neutral: pick one.\n")
    (folder / "template.html").write_text(TEMPLATE_HTML)
    path = folder / "project.toml"
    path.write_text(PROJECT_TOML)
    return path


def _write_rows(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["item_id", "text"])
        for n in range(1, rows + 1):
            writer.writerow([f"item-{n:06d}", f"Review {n}: works, mostly, “as described”."])


def _project(mw, token, tmp_path) -> str:
    created = mw("project", "create", "--from", _project_file(tmp_path), "--json", token=token)
    assert created.code == 0, created.err
    return created.json()["id"]


def _upload(mw, token, project_id, path, *extra) -> dict:
    uploaded = mw("batch", "upload", path, "--project", project_id, "--json", *extra, token=token)
    assert uploaded.code == 0, uploaded.err
    return uploaded.json()


# -- login and authentication ----------------------------------------------------------------


def test_login_checks_the_token_and_keeps_it_readable_by_its_owner_only(mw, server, tmp_path):
    from tests.accounts.factories import RequesterFactory

    requester = RequesterFactory()
    token = _token(requester, scope="read")

    login = mw("login", "--url", server, "--token", token)
    whoami = mw("whoami", "--json")

    assert login.code == 0, login.err
    assert requester.email in login.out
    path = tmp_path / "config" / "mw.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"url": server, "token": token}
    assert whoami.code == 0
    assert whoami.json()["email"] == requester.email
    assert whoami.json()["role"] == "requester"


def test_login_reads_the_token_from_standard_input(mw, server, tmp_path, monkeypatch):
    import io

    from tests.accounts.factories import RequesterFactory

    token = _token(RequesterFactory())
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{token}\n"))

    login = mw("login", "--url", server + "/", "--json")

    assert login.code == 0, login.err
    stored = json.loads((tmp_path / "config" / "mw.json").read_text())
    assert stored == {"url": server, "token": token}
    assert login.json()["me"]["role"] == "requester"


def test_login_with_a_wrong_token_exits_3_and_keeps_nothing(mw, server, tmp_path):
    login = mw("login", "--url", server, "--token", "mwk_not-a-token")

    assert login.code == 3
    assert "401" in login.err
    assert not (tmp_path / "config" / "mw.json").exists()


def test_a_wrong_token_exits_3(mw):
    balance = mw("balance", token="mwk_wrong")
    balance_json = mw("balance", "--json", token="mwk_wrong")

    assert balance.code == 3
    assert balance.out == ""
    assert "token was refused" in balance.err
    assert balance_json.code == 3
    problem = json.loads(balance_json.err)
    assert (problem["status"], problem["exit_code"]) == (401, 3)


def test_a_read_token_cannot_write_and_exits_3(mw, requester_token, tmp_path):
    from microwork.projects.models import Project

    requester, _ = requester_token
    created = mw(
        "project", "create", "--from", _project_file(tmp_path), token=_token(requester, "read")
    )

    assert created.code == 3
    assert "403" in created.err
    assert not Project.objects.filter(requester=requester).exists()


# -- projects ----------------------------------------------------------------------------------


def test_project_create_from_toml(mw, requester_token, tmp_path):
    from microwork.projects.models import Project

    requester, token = requester_token

    created = mw("project", "create", "--from", _project_file(tmp_path), "--json", token=token)
    listed = mw("project", "list", "--json", token=token)
    table = mw("project", "list", token=token)

    assert created.code == 0, created.err
    project = Project.objects.get(requester=requester)
    assert created.json()["id"] == project.public_id
    assert (project.title, project.reward_cents, project.assignments_per_task) == (
        "Sentiment of product reviews",
        12,
        1,
    )
    assert project.instructions == "Positive, negative or neutral: pick one.\n"
    assert (project.template_kind, project.template_html) == ("custom_html", TEMPLATE_HTML)
    assert project.time_allotted_seconds == 600
    assert [p["id"] for p in listed.json()] == [project.public_id]
    assert project.public_id in table.out and "0.12 EUR" in table.out


def test_project_create_refused_names_the_field_and_exits_1(mw, requester_token, tmp_path):
    from microwork.projects.models import Project

    requester, token = requester_token
    path = _project_file(tmp_path)
    path.write_text(PROJECT_TOML.replace("reward_cents = 12", "reward_cents = 0"))

    created = mw("project", "create", "--from", path, token=token)

    assert created.code == 1
    assert "reward_cents" in created.err
    assert not Project.objects.filter(requester=requester).exists()


def test_a_bad_toml_file_exits_2(mw, requester_token, tmp_path):
    _, token = requester_token
    path = tmp_path / "project.toml"
    path.write_text('title = "unclosed\n')

    created = mw("project", "create", "--from", path, token=token)

    assert created.code == 2
    assert "not valid TOML" in created.err


# -- batches -----------------------------------------------------------------------------------


def test_a_bad_file_gives_row_numbered_errors_exit_1_and_no_batch(mw, requester_token, tmp_path):
    from microwork.projects.models import Batch

    requester, token = requester_token
    project_id = _project(mw, token, tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text(
        'item_id,text\nitem-1,fine\nitem-2,also fine\nitem-3,"nul \x00 here"\nitem-4,ok\n'
    )

    uploaded = mw("batch", "upload", path, "--project", project_id, token=token)
    as_json = mw("batch", "upload", path, "--project", project_id, "--json", token=token)

    assert uploaded.code == 1
    assert uploaded.out == ""
    assert "row 4" in uploaded.err
    assert as_json.code == 1
    problem = json.loads(as_json.err)
    assert problem["status"] == 422
    assert [error["row"] for error in problem["errors"]] == [4]
    assert not Batch.objects.filter(project__requester=requester).exists()


def test_another_requesters_batch_is_not_found(mw, requester_token, tmp_path):
    from tests.accounts.factories import RequesterFactory
    from tests.projects.factories import BatchFactory

    _, token = requester_token
    theirs = BatchFactory(project__requester=RequesterFactory())

    status = mw("batch", "status", theirs.pk, token=token)

    assert status.code == 1
    assert "404" in status.err


def _answer_all(batch_id, worker_count: int = 1) -> None:
    """Setup, not measured: one submitted assignment per task of the batch, bulk-created as
    bench/upload_and_export.py does (the claim and submit services, one by one, would take
    minutes for 100,000 tasks)."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from microwork.common.ids import new_entity_id
    from microwork.projects.models import Task
    from microwork.work.enums import AssignmentState
    from microwork.work.models import Assignment
    from tests.accounts.factories import WorkerFactory

    worker = WorkerFactory()
    tasks = Task.objects.filter(batch_id=batch_id).order_by("row_number")
    now = timezone.now()
    with transaction.atomic():
        chunk = []
        for task_id, row in tasks.values_list("pk", "row_number").iterator(chunk_size=5000):
            accepted = now - timedelta(seconds=3600)
            chunk.append(
                Assignment(
                    public_id=new_entity_id(),
                    task_id=task_id,
                    worker=worker,
                    state=AssignmentState.SUBMITTED,
                    accepted_at=accepted,
                    deadline=accepted + timedelta(hours=1),
                    submitted_at=accepted + timedelta(seconds=30),
                    work_seconds=30,
                    answers={"sentiment": SENTIMENTS[row % 3]},
                )
            )
            if len(chunk) == 5000:
                Assignment.objects.bulk_create(chunk)
                chunk.clear()
        Assignment.objects.bulk_create(chunk)
        tasks.update(open_slots=F("open_slots") - 1)


def test_100000_rows_upload_and_results_download(mw, serving, requester_token, tmp_path):
    from microwork.projects.models import Batch, Task

    requester, token = requester_token
    project_id = _project(mw, token, tmp_path)
    rows = tmp_path / "reviews.csv"
    _write_rows(rows, 100_000)

    timings = {}

    def timed(step, *args):
        """Run `mw *args`, keeping its wall time and the CPU time of `mw` and of the server."""
        started, cpu = time.perf_counter(), time.process_time()
        server_cpu = _group_cpu_seconds(serving[1])
        ran = mw(*args, token=token)
        timings[step] = (
            time.perf_counter() - started,
            time.process_time() - cpu,
            _group_cpu_seconds(serving[1]) - server_cpu,
        )
        assert ran.code == 0, ran.err
        return ran

    uploaded = timed("mw batch upload", "batch", "upload", rows, "--project", project_id, "--json")
    uploaded = uploaded.json()
    published = timed("mw batch publish", "batch", "publish", uploaded["id"], "--json")

    batch = Batch.objects.get(project__requester=requester)
    assert uploaded["id"] in (batch.pk, str(batch.pk))
    assert uploaded["task_count"] == 100_000
    assert uploaded["state"] == "draft"
    assert published.json()["state"] == "published"
    assert published.json()["progress"]["total_slots"] == 100_000
    assert Task.objects.filter(batch=batch).count() == 100_000
    first = Task.objects.get(batch=batch, row_number=1)
    last = Task.objects.get(batch=batch, row_number=100_000)
    assert first.input == {
        "item_id": "item-000001",
        "text": "Review 1: works, mostly, “as described”.",
    }
    assert last.input["item_id"] == "item-100000"

    _answer_all(batch.pk)
    for format in ("csv", "jsonl", "parquet"):
        target = tmp_path / f"results.{format}"
        downloaded = timed(
            f"mw results download ({format})",
            *("results", "download", batch.pk, "--format", format, "-o", target, "--json"),
        )
        assert downloaded.json()["bytes"] == target.stat().st_size

    with (tmp_path / "results.csv").open(newline="", encoding="utf-8") as file:
        results = list(csv.DictReader(file))
    assert len(results) == 100_000
    by_item = {row["Input.item_id"]: row for row in results}
    assert len(by_item) == 100_000
    for n in (1, 2, 50_000, 100_000):
        row = by_item[f"item-{n:06d}"]
        task = Task.objects.get(batch=batch, row_number=n)
        assert row["HITId"] == task.public_id
        assert row["Answer.sentiment"] == SENTIMENTS[n % 3]
        assert row["Input.text"] == f"Review {n}: works, mostly, “as described”."
        assert row["AssignmentStatus"] == "Submitted"
    with (tmp_path / "results.jsonl").open(encoding="utf-8") as file:
        lines = [json.loads(line) for line in file]
    assert len(lines) == 100_000
    assert {line["HITId"] for line in lines} == set(by_item[k]["HITId"] for k in by_item)
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    table = pyarrow_parquet.read_table(tmp_path / "results.parquet")
    assert table.num_rows == 100_000

    size = rows.stat().st_size
    print(f"\n100,000-row CSV ({size / 1e6:.1f} MB) through `mw` against `microwork serve`;")
    files = sorted(tmp_path.glob("results.*"))
    print("results: " + ", ".join(f"{p.suffix[1:]} {p.stat().st_size / 1e6:.1f} MB" for p in files))
    print(f"  {'step':<30} {'wall s':>7} {'mw CPU-s':>9} {'server CPU-s':>13}")
    for step, (wall, client_cpu, server_cpu) in timings.items():
        print(f"  {step:<30} {wall:7.2f} {client_cpu:9.2f} {server_cpu:13.2f}")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


# -- review ------------------------------------------------------------------------------------


def test_review_approve_all_submitted_approves_exactly_the_submitted(
    mw, server, requester_token, tmp_path
):
    from microwork.work.enums import AssignmentState
    from microwork.work.models import Assignment
    from tests.accounts.factories import WorkerFactory

    requester, token = requester_token
    rows = tmp_path / "three.csv"
    _write_rows(rows, 3)
    project_id, other_project_id = _project(mw, token, tmp_path), _project(mw, token, tmp_path)
    batch_id = _upload(mw, token, project_id, rows, "--publish")["id"]
    _upload(mw, token, other_project_id, rows, "--publish")
    # Workers through the API: two submit, one keeps its task open; in the other project's
    # batch one submits, and must stay submitted.
    taken = {}
    for name, project, submits in [
        ("first", project_id, True),
        ("second", project_id, True),
        ("open", project_id, False),
        ("elsewhere", other_project_id, True),
    ]:
        with Client(server, _token(WorkerFactory())) as worker:
            assignment = worker.accept(project)
            if submits:
                worker.submit(assignment.id, {"sentiment": "neutral"})
            taken[name] = assignment.id

    review = mw("review", "approve", batch_id, "--all-submitted", "--json", token=token)
    again = mw("review", "approve", batch_id, "--all-submitted", token=token)

    assert review.code == 0, review.err
    assert review.json()["reviewed"] == 2
    states = dict(
        Assignment.objects.filter(task__batch__project__requester=requester).values_list(
            "public_id", "state"
        )
    )
    assert states == {
        taken["first"]: AssignmentState.APPROVED,
        taken["second"]: AssignmentState.APPROVED,
        taken["open"]: AssignmentState.ACCEPTED,
        taken["elsewhere"]: AssignmentState.SUBMITTED,
    }
    assert again.code == 0
    assert "Approved 0 assignment(s)" in again.out


def test_batch_status_watch_stops_when_the_batch_is_cancelled(mw, requester_token, tmp_path):
    _, token = requester_token
    project_id = _project(mw, token, tmp_path)
    rows = tmp_path / "two.csv"
    _write_rows(rows, 2)
    batch_id = _upload(mw, token, project_id, rows)["id"]

    cancelled = mw("batch", "cancel", batch_id, "--json", token=token)
    watched = mw("batch", "status", batch_id, "--watch", "--json", token=token)

    assert cancelled.code == 0, cancelled.err
    assert cancelled.json()["state"] == "cancelled"
    assert watched.code == 0
    lines = [json.loads(line) for line in watched.out.splitlines()]
    assert [line["state"] for line in lines] == ["cancelled"]


def test_balance_json_parses(mw, requester_token):
    _, token = requester_token

    balance = mw("balance", "--json", token=token)
    shown = mw("balance", token=token)

    assert balance.code == 0, balance.err
    assert balance.json()["available_cents"] == 2_000_000
    assert balance.json()["currency"] == "EUR"
    assert "20000.00 EUR" in shown.out
    statement = mw("statement", "--json", token=token)
    assert statement.code == 0, statement.err
    assert [line["amount_cents"] for line in statement.json()] == [2_000_000]


def test_python_client_not_found_for_another_requesters_project(server):
    from tests.accounts.factories import RequesterFactory
    from tests.projects.factories import ProjectFactory

    theirs = ProjectFactory(requester=RequesterFactory())
    with Client(server, _token(RequesterFactory())) as client, pytest.raises(NotFound):
        client.project(theirs.public_id)


def test_batch_status_watch_follows_progress_live_until_done(mw, server, requester_token, tmp_path):
    """The real `mw` process: its first line shows the task taken, then the worker submits,
    and the next line shows it answered, after which `mw` exits by itself."""
    from tests.accounts.factories import WorkerFactory

    _, token = requester_token
    project_id = _project(mw, token, tmp_path)
    rows = tmp_path / "one.csv"
    _write_rows(rows, 1)
    batch_id = _upload(mw, token, project_id, rows, "--publish")["id"]
    worker = Client(server, _token(WorkerFactory()))
    assignment = worker.accept(project_id)
    env = {**os.environ, "MICROWORK_URL": server, "MICROWORK_TOKEN": token}
    command = [Path(sys.executable).parent / "mw", "batch", "status", str(batch_id)]
    command += ["--watch", "--interval", "0.2", "--json"]

    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as watching:
        first = json.loads(watching.stdout.readline())
        worker.submit(assignment.id, {"sentiment": "positive"})
        rest = [json.loads(line) for line in watching.stdout]
        code = watching.wait(timeout=30)
    worker.close()

    assert code == 0
    assert (first["progress"]["accepted"], first["progress"]["done_slots"]) == (1, 0)
    assert len(rest) == 1
    assert (rest[0]["progress"]["submitted"], rest[0]["progress"]["done_slots"]) == (1, 1)


def test_reject_named_then_bonus_with_a_key_pays_once(mw, server, requester_token, tmp_path):
    from microwork.payments.models import Bonus
    from microwork.work.enums import AssignmentState
    from microwork.work.models import Assignment
    from tests.accounts.factories import WorkerFactory

    _, token = requester_token
    project_id = _project(mw, token, tmp_path)
    rows = tmp_path / "two.csv"
    _write_rows(rows, 2)
    batch_id = _upload(mw, token, project_id, rows, "--publish")["id"]
    ids = []
    for _ in range(2):
        with Client(server, _token(WorkerFactory())) as worker:
            assignment = worker.accept(project_id)
            worker.submit(assignment.id, {"sentiment": "positive"})
            ids.append(assignment.id)
    bad, good = ids

    no_reason = mw("review", "reject", batch_id, "--assignment", bad, token=token)
    rejected = mw(
        *("review", "reject", batch_id, "--assignment", bad, "--reason", "Blank answer"),
        token=token,
    )
    approved = mw("review", "approve", batch_id, "--assignment", good, "--json", token=token)
    bonus = ("review", "bonus", good, "--amount", "0.50", "--reason", "Careful work")
    first = mw(*bonus, "--idempotency-key", "bonus-run-1", "--json", token=token)
    replayed = mw(*bonus, "--idempotency-key", "bonus-run-1", "--json", token=token)

    assert no_reason.code == 2  # --reason is required: nothing sent
    assert rejected.code == 0, rejected.err
    assert "Rejected 1 assignment(s)" in rejected.out
    assert approved.code == 0 and approved.json()["reviewed"] == 1
    states = dict(Assignment.objects.filter(public_id__in=ids).values_list("public_id", "state"))
    assert states == {bad: AssignmentState.REJECTED, good: AssignmentState.APPROVED}
    assert Assignment.objects.get(public_id=bad).feedback == "Blank answer"
    assert first.code == 0 and replayed.code == 0, (first.err, replayed.err)
    assert first.json() == replayed.json()
    assert first.json()["amount_cents"] == 50
    assert list(Bonus.objects.values_list("assignment__public_id", "amount_cents")) == [(good, 50)]


def test_dataset_download_has_one_row_per_task(mw, server, requester_token, tmp_path):
    from tests.accounts.factories import WorkerFactory

    _, token = requester_token
    project_id = _project(mw, token, tmp_path)
    rows = tmp_path / "two.csv"
    _write_rows(rows, 2)
    batch_id = _upload(mw, token, project_id, rows, "--publish")["id"]
    for _ in range(2):
        with Client(server, _token(WorkerFactory())) as worker:
            assignment = worker.accept(project_id)
            worker.submit(assignment.id, {"sentiment": "negative"})
    target = tmp_path / "dataset.jsonl"

    downloaded = mw(
        *("results", "download", batch_id, "--dataset", "--format", "jsonl", "-o", target),
        token=token,
    )

    assert downloaded.code == 0, downloaded.err
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == 2
    assert "negative" in target.read_text()


def test_client_iterators_follow_every_page(server, requester_token):
    from tests.projects.factories import ProjectFactory

    requester, token = requester_token
    made = {ProjectFactory(requester=requester).public_id for _ in range(5)}
    ProjectFactory()  # someone else's

    with Client(server, token) as client:
        listed = [project.id for project in client.projects(limit=2)]

    assert sorted(listed) == sorted(made)


def test_a_large_upload_with_a_wrong_token_exits_3_not_4(mw, requester_token, tmp_path):
    """The server refuses before reading the body: `mw` must still read its 401, not report a
    connection cut while the file was being sent."""
    from microwork.projects.models import Batch

    requester, token = requester_token
    project_id = _project(mw, token, tmp_path)
    rows = tmp_path / "big.csv"
    _write_rows(rows, 100_000)

    uploaded = mw("batch", "upload", rows, "--project", project_id, token="mwk_wrong")

    assert uploaded.code == 3, uploaded.err
    assert "401" in uploaded.err
    assert not Batch.objects.filter(project__requester=requester).exists()
