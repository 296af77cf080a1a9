"""bench/request_cpu.py runs its loop to the end on the --setup data: every pair it drives is
accepted, shown and submitted. Correctness only: no CPU time is asserted."""

import sys

import pytest

from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.bench.scripts import bench_script

WARM_UP_PAIRS = 20  # request_cpu.main: one pair counting queries, then nineteen


# Committed, as in the server: the WSGI application ends each request with
# close_old_connections(), which closes a connection left inside a test's transaction.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_request_cpu_submits_every_pair_it_drives(monkeypatch, capsys):
    load = bench_script("load")
    load.setup(workers=4, tasks=30)
    monkeypatch.setattr(
        sys, "argv", ["request_cpu.py", "--pairs", "3", "--rounds", "2", "--workers", "4"]
    )

    bench_script("request_cpu").main()

    printed = capsys.readouterr().out
    assert "best of 2 rounds of 3 pairs" in printed
    for step in ("accept", "work page", "submit", "pair"):
        assert f"\n  {step:10} " in printed
    submitted = Assignment.objects.filter(
        task__batch__project__title="load: http", state=AssignmentState.SUBMITTED
    )
    assert submitted.count() == WARM_UP_PAIRS + 2 * 3
    assert not Assignment.objects.filter(state=AssignmentState.ACCEPTED).exists()
