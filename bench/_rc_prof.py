"""CPU per step of a worker's loop, in one process, without a server: accept, work page, submit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hperfload .venv/bin/python bench/request_cpu.py

Runs on a database prepared by `bench/load.py --setup` (its "load: http" batch), through Django's
test client, so every middleware, the session, the templates and the services run as they do
behind `microwork serve`, but no HTTP server and no other thread. It prints the CPU time of this
process per step (best of --rounds rounds: the others are the ones another program disturbed)
and the queries per step. On a shared 2-core machine it tells two versions of the code apart
where bench/load.py's throughput cannot. `--profile` prints cProfile's top functions instead.
"""

import argparse
import cProfile
import html
import os
import pstats
import re
import sys
import time

STEPS = ("accept", "work page", "submit")
FRAME_SRC = re.compile(r'src="/work/assignments/([^/"]+)/frame/\?token=([^"&]+)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100, help="pairs per round (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best is shown")
    parser.add_argument("--workers", type=int, default=40, help="accounts taking turns")
    parser.add_argument("--profile", action="store_true", help="cProfile one round instead")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from microwork.accounts.models import User
    from microwork.projects.models import Project
    from microwork.work import services

    # The expiry sweep runs at most every few seconds of wall time in each process: a handful
    # of times in a load run's thousands of requests, but dozens of times when valgrind stretches
    # this run over minutes, and by how slowly the machine runs then. Left out, so that two
    # versions' instructions compare (docs/performance.md).
    services.SWEEP_EVERY_SECONDS = float("inf")

    project = Project.objects.filter(title="load: http").order_by("-pk").first()
    if project is None:
        sys.exit("no load project: run bench/load.py --setup on this database first")
    workers = User.objects.filter(email__endswith="@bench.microwork.test", role="worker")
    clients = []
    for worker in workers.order_by("-pk")[: args.workers]:
        client = Client()
        client.force_login(worker)
        client.get("/work/")  # the CSRF cookie
        clients.append(client)
    accept_url = f"/work/projects/{project.public_id}/accept/"

    def pair(index: int, spent: dict, queries: dict | None) -> None:
        client = clients[index % len(clients)]
        csrf = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
        steps = (
            ("accept", lambda: client.post(accept_url, csrf)),
            ("work page", lambda: client.get(state["location"])),
            ("submit", lambda: client.post("/work/submit/", state["answer"])),
        )
        state = {}
        for step, send in steps:
            started = time.process_time()
            if queries is None:
                response = send()
            else:
                with CaptureQueriesContext(connection) as captured:
                    response = send()
                queries[step] = len(captured)
            spent[step] += time.process_time() - started
            if step == "accept":
                if response.status_code != 302 or "/assignments/" not in response["Location"]:
                    sys.exit(f"accept refused: {response.status_code}; run --setup again?")
                state["location"] = response["Location"]
            elif step == "work page":
                found = FRAME_SRC.search(response.content.decode())
                state["answer"] = {
                    "assignmentId": found.group(1),
                    "mw_token": html.unescape(found.group(2)),
                    "answer": "ok",
                }
            elif b"microwork:submitted" not in response.content:
                sys.exit(f"submit refused: {response.status_code}")

    queries = {}
    pair(0, dict.fromkeys(STEPS, 0.0), queries)  # warm up, and count the queries
    for index in range(1, 20):
        pair(index, dict.fromkeys(STEPS, 0.0), None)
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for index in range(args.pairs):
            pair(index, dict.fromkeys(STEPS, 0.0), None)
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "tottime")).print_stats(
            int(os.environ.get("N", "60"))
        )
        return
    best = None
    for _round in range(args.rounds):
        spent = dict.fromkeys(STEPS, 0.0)
        for index in range(args.pairs):
            pair(index, spent, None)
        if best is None or sum(spent.values()) < sum(best.values()):
            best = spent
    print(
        f"{connection.vendor}, session engine {django.conf.settings.SESSION_ENGINE.rsplit('.')[-1]}"
        f": best of {args.rounds} rounds of {args.pairs} pairs, CPU ms of this process"
    )
    for step in STEPS:
        print(f"  {step:10} {best[step] * 1000 / args.pairs:6.2f} ms  {queries[step]} queries")
    total = sum(best.values()) * 1000 / args.pairs
    print(f"  {'pair':10} {total:6.2f} ms  {sum(queries.values())} queries")


if __name__ == "__main__":
    main()
