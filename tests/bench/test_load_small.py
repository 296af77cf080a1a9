"""bench/load.py, small: 4 simulated workers over real HTTP for about 3 seconds, then the
invariants; and the same with one of two `microwork serve` processes killed mid-run.
Correctness tests only: no timing is asserted."""

import os
import signal
import socket
import sys
import threading
from argparse import Namespace
from pathlib import Path

import pytest

from microwork.common.ratelimits import rates_from_environ
from tests.bench.scripts import bench_script

WORKERS = 4
# Accounts for the workers and for the seats of those who walk away (10% of the pairs): at 60
# pairs/s, 4 spares were gone within the first second and the run ended before its fault.
ACCOUNTS = WORKERS * 8
TASKS = 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_load_loop_over_http_keeps_every_invariant(live_server, settings):
    load = bench_script("load")
    settings.MICROWORK_RATE_LIMITS = rates_from_environ(load.RAISED_RATES)
    load.setup(workers=ACCOUNTS, tasks=TASKS)
    projects = load.project_ids()
    base = load.refuse_remote(live_server.url.replace("localhost", "127.0.0.1"))
    args = Namespace(return_share=0.1, abandon_share=0.1)
    budget = load.Budget(seconds=3, count=0)

    run = load.run_threads(
        WORKERS,
        load.http_worker,
        base=base,
        project=projects["http"][1],
        budget=budget,
        spare=iter(range(WORKERS, ACCOUNTS)),
        args=args,
        logged_in=threading.Barrier(WORKERS),
    )

    assert run.errors == []
    assert run.pairs > 0
    assert load.invariant_problems(run.acknowledged) == []


def test_load_refuses_hosts_other_than_127_0_0_1():
    load = bench_script("load")

    with pytest.raises(SystemExit):
        load.refuse_remote("http://example.org:8000")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_test_database(load, tmp_path, index: int):
    """`microwork serve` (1 worker, 2 threads) on the test database, in its own process group."""
    from django.db import connection

    settings = connection.settings_dict
    url = "postgres://{}:{}@{}:{}/{}".format(
        settings["USER"],
        settings["PASSWORD"],
        settings["HOST"] or "127.0.0.1",
        settings["PORT"] or 5432,
        settings["NAME"],
    )
    port = _free_port()
    env = {
        **os.environ,
        **load.RAISED_RATES,
        "DATABASE_URL": url,
        "MICROWORK_DATA_DIR": str(tmp_path / "data"),
    }
    command = [str(Path(sys.executable).parent / "microwork"), "serve", "--workers", "1"]
    command += ["--threads", "2", "--bind", f"127.0.0.1:{port}", "--no-collectstatic"]
    return load.Server(
        command, f"http://127.0.0.1:{port}", str(tmp_path / f"serve{index}.log"), env
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_load_fails_over_when_one_of_two_servers_is_killed(tmp_path):
    """kill -9 of one `serve` process group mid-run: the workers carry on against the other,
    and every acknowledged submit is stored, with every invariant holding."""
    load = bench_script("load")
    load.setup(workers=ACCOUNTS, tasks=TASKS)
    projects = load.project_ids()
    servers = [_serve_test_database(load, tmp_path, index) for index in range(2)]
    try:
        for server in servers:
            server.wait_ready("/accounts/login/")
        budget, run = load.Budget(seconds=3, count=0), load.Run()
        killer = load.kill_later(servers[0], budget, 1.0, run)

        load.run_threads(
            WORKERS,
            load.http_worker,
            run=run,
            base=[server.url for server in servers],
            project=projects["http"][1],
            budget=budget,
            spare=iter(range(WORKERS, ACCOUNTS)),
            args=Namespace(return_share=0.1, abandon_share=0.1),
            logged_in=threading.Barrier(WORKERS),
        )
        killer.join(timeout=5)
    finally:
        for server in servers:
            server.stop()

    assert servers[0].process.returncode == -signal.SIGKILL
    assert run.pairs_at_fault is not None
    assert run.pairs > run.pairs_at_fault  # the survivor took over
    # Only what a crash can cause: cut connections (httpx's ...Error), and a retried submit
    # whose first try had committed (409, not acknowledged, so not counted as such).
    unexpected = [e for e in run.errors if e != "submit: 409" and not e.endswith("Error")]
    assert unexpected == []
    assert load.invariant_problems(run.acknowledged) == []
