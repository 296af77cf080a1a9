"""bench/load.py's api path, small: 4 simulated workers on the REST API over real HTTP for
about 3 seconds, then the invariants, and every token it made revoked. No timing asserted."""

import pytest

from microwork.accounts.models import ApiToken
from microwork.common.ratelimits import rates_from_environ
from tests.bench.scripts import bench_script

WORKERS = 4
ACCOUNTS = WORKERS * 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_api_path_keeps_every_invariant_and_revokes_its_tokens(live_server, settings):
    from argparse import Namespace

    load = bench_script("load")
    settings.MICROWORK_RATE_LIMITS = rates_from_environ(load.RAISED_RATES)
    load.setup(workers=ACCOUNTS, tasks=200)
    projects = load.project_ids(["api"])
    base = load.refuse_remote(live_server.url.replace("localhost", "127.0.0.1"))
    tokens = load.ApiTokens()

    try:
        run = load.run_threads(
            WORKERS,
            load.api_worker,
            base=base,
            project=projects["api"][1],
            budget=load.Budget(seconds=3, count=0),
            spare=iter(range(WORKERS, ACCOUNTS)),
            args=Namespace(return_share=0.1, abandon_share=0.1),
            tokens=tokens,
        )
    finally:
        tokens.revoke_all()

    assert run.errors == []
    assert run.pairs > 0
    assert load.invariant_problems(run.acknowledged) == []
    assert ApiToken.objects.exists()
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
