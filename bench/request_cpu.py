"""CPU per step of a worker's loop, in one process, without a server: accept, work page, submit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hperfload .venv/bin/python bench/request_cpu.py

Runs on a database prepared by `bench/load.py --setup` (its "load: http" batch). It calls the
WSGI application itself with the requests bench/load_wrk.lua sends, as granian calls it behind
`microwork serve`: every middleware, the CSRF check, the session, the templates, the services,
and the request_started and request_finished signals (with the connection's health check) run
as they do in the server. Only the HTTP server and the other threads are left out. It prints
the CPU time of this process per step (best of --rounds rounds: the others are the ones another program disturbed)
and the queries per step. On a shared 2-core machine it tells two versions of the code apart
where bench/load.py's throughput cannot. `--profile` prints cProfile's top functions instead.
"""

import argparse
import cProfile
import html
import io
import os
import pstats
import re
import sys
import time
from urllib.parse import urlencode

STEPS = ("accept", "work page", "submit")
HOST, PORT = "127.0.0.1", "18000"


class WsgiBrowser:
    """One worker's browser, calling the WSGI application directly as a server would: the
    request as an environ, the body read to its end, then `close()`, which ends the request."""

    def __init__(self, application, cookies: dict[str, str]):
        self.application = application
        self.cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())

    def request(self, method: str, path: str, form: str = "", *, cookies: bool = True):
        """(status, headers, body) of one request; `form` is an urlencoded POST body."""
        body = form.encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path.partition("?")[0],
            "QUERY_STRING": path.partition("?")[2],
            "SERVER_NAME": HOST,
            "SERVER_PORT": PORT,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": HOST,
            "HTTP_HOST": f"{HOST}:{PORT}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if method == "POST":
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        if cookies:
            environ["HTTP_COOKIE"] = self.cookie
        started = {}

        def start_response(status, headers, exc_info=None):
            started["status"], started["headers"] = int(status.split()[0]), dict(headers)

        result = self.application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            result.close()
        return started["status"], started["headers"], content


FRAME_SRC = re.compile(r'src="/work/assignments/([^/"]+)/frame/\?token=([^"&]+)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100, help="pairs per round (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best is shown")
    parser.add_argument("--workers", type=int, default=40, help="accounts taking turns")
    parser.add_argument("--profile", action="store_true", help="cProfile one round instead")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    from load import RAISED_RATES  # counted, never reached (docs/adr/0023)

    for name, rate in RAISED_RATES.items():
        os.environ.setdefault(name, rate)
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from load import signed_in

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
    application = get_wsgi_application()
    browsers = []
    for worker in workers.order_by("-pk")[: args.workers]:
        session, csrf = signed_in(worker)  # as bench/load.py seats wrk's workers
        cookies = {"sessionid": session, "csrftoken": csrf}
        browsers.append((WsgiBrowser(application, cookies), f"csrfmiddlewaretoken={csrf}"))
    accept_url = f"/work/projects/{project.public_id}/accept/"

    def pair(index: int, spent: dict, queries: dict | None) -> None:
        browser, csrf = browsers[index % len(browsers)]
        steps = (
            ("accept", lambda: browser.request("POST", accept_url, csrf)),
            ("work page", lambda: browser.request("GET", state["location"])),
            # The frame posts without cookies: its origin is opaque.
            (
                "submit",
                lambda: browser.request("POST", "/work/submit/", state["answer"], cookies=False),
            ),
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
            status, headers, content = response
            if step == "accept":
                if status != 302 or "/assignments/" not in headers.get("Location", ""):
                    sys.exit(f"accept refused: {status}; run --setup again?")
                state["location"] = headers["Location"]
            elif step == "work page":
                found = FRAME_SRC.search(content.decode())
                state["answer"] = urlencode(
                    {
                        "assignmentId": found.group(1),
                        "mw_token": html.unescape(found.group(2)),
                        "answer": "ok",
                    }
                )
            elif b"microwork:submitted" not in content:
                sys.exit(f"submit refused: {status}")

    queries = {}
    pair(0, dict.fromkeys(STEPS, 0.0), queries)  # warm up, and count the queries
    for index in range(1, 20):
        pair(index, dict.fromkeys(STEPS, 0.0), None)
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for index in range(args.pairs):
            pair(index, dict.fromkeys(STEPS, 0.0), None)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(50)
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
