"""bench/load.py, small: 4 simulated workers over real HTTP for about 3 seconds, then the
invariants. A correctness test only: no timing is asserted."""

import importlib.util
import threading
from argparse import Namespace
from pathlib import Path

import pytest

WORKERS = 4


def _load_module():
    path = Path(__file__).resolve().parents[2] / "bench" / "load.py"
    spec = importlib.util.spec_from_file_location("bench_load", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_load_loop_over_http_keeps_every_invariant(live_server):
    load = _load_module()
    load.setup(workers=WORKERS * 2, tasks=50)
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
        spare=iter(range(WORKERS, WORKERS * 2)),
        args=args,
        logged_in=threading.Barrier(WORKERS),
    )

    assert run.errors == []
    assert run.pairs > 0
    assert load.invariant_problems(run.acknowledged) == []


def test_load_refuses_hosts_other_than_127_0_0_1():
    load = _load_module()

    with pytest.raises(SystemExit):
        load.refuse_remote("http://example.org:8000")
