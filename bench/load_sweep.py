"""bench/load.py at several numbers of concurrent workers, as a table and a plot.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hperfload .venv/bin/python bench/load_sweep.py \\
        --workers 1 2 4 8 16 32 --seconds 15 --plot docs/img/load-scaling.png

DATABASE_URL names a database prepared by `bench/load.py --setup --workers W` with W at least
the largest count here. Each point runs on a fresh copy of it (CREATE DATABASE ... TEMPLATE), so
every point starts from the same state: `load.py --driver wrk --serve 1 --bare --no-psycopg
--warmup 5`, the real pages then the bare view. The plot (matplotlib, in the bench extra) shows
pairs per second and the slowest step's p99 against the number of workers, with issue #4's
targets (200 pairs/s, p99 under 250 ms) drawn in.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_PAIRS = 200
TARGET_P99_MS = 250


def database_copy(url: str, suffix: str) -> tuple[str, callable]:
    """A fresh copy of `url`'s database, and a function that drops it."""
    import psycopg

    parts = urlsplit(url)
    source = parts.path.lstrip("/")
    copy = f"{source}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def run(statement: str) -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(statement)

    run(f'DROP DATABASE IF EXISTS "{copy}"')
    run(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    return urlunsplit(parts._replace(path=f"/{copy}")), lambda: run(f'DROP DATABASE "{copy}"')


def point(url: str, workers: int, args) -> dict:
    copy_url, drop = database_copy(url, "sweep")
    try:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, os.path.join(HERE, "load.py"), "--driver", "wrk"]
            command += ["--serve", "1", "--bare", "--no-psycopg", "--base-url", args.base_url]
            command += ["--workers", str(workers), "--seconds", str(args.seconds)]
            command += ["--json", out.name, "--warmup", str(args.warmup)]
            env = {**os.environ, "DATABASE_URL": copy_url}
            finished = subprocess.run(command, env=env, capture_output=True, text=True)
            if finished.returncode != 0 or not os.path.getsize(out.name):
                sys.exit(
                    f"load.py failed at {workers} workers:\n{finished.stdout}{finished.stderr}"
                )
            for line in finished.stdout.splitlines():
                if line.startswith("note:"):  # e.g. threads that ran out of spare accounts
                    print(f"  {workers} workers: {line}")
            return json.load(out)  # load.py wrote it by name; this handle reads it
    finally:
        drop()


def slowest_p99(path: dict) -> float:
    """The p99 of the slowest of accept, work page and submit (or the bare pair): returns are
    one pair in twenty, too few for a p99 of their own."""
    return max(figures["p99_ms"] for step, figures in path["steps"].items() if step != "return")


def plot(results: list[dict], filename: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = [result["workers"] for result in results]
    figure, (rate_axes, p99_axes) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for path, label in (("http", "real pages (accept, work page, submit)"), ("bare", "bare view")):
        rate_axes.plot(
            counts, [r["paths"][path]["pairs_per_second"] for r in results], "o-", label=label
        )
        p99_axes.plot(counts, [slowest_p99(r["paths"][path]) for r in results], "o-", label=label)
    rate_axes.axhline(TARGET_PAIRS, color="grey", linestyle="--", label="target: 200 pairs/s")
    p99_axes.axhline(TARGET_P99_MS, color="grey", linestyle="--", label="target: p99 < 250 ms")
    for axes, title in (
        (rate_axes, "claim + submit pairs per second"),
        (p99_axes, "p99 of the slowest step, ms"),
    ):
        axes.set_xscale("log", base=2)
        axes.set_xticks(counts, [str(count) for count in counts])
        axes.set_xlabel("concurrent workers")
        axes.set_title(title)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    figure.savefig(filename, dpi=110)
    print(f"plot: {filename}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5, help="load.py --warmup, per point")
    parser.add_argument("--base-url", default="http://127.0.0.1:18000")
    parser.add_argument("--plot", metavar="PNG", help="draw the figures into this file")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name the PostgreSQL database that load.py --setup prepared")

    results = []
    print(
        f"{'workers':>7}  {'http pairs/s':>12}  {'p99 ms':>7}  {'bare pairs/s':>12}  "
        f"{'p99 ms':>7}  {'http/bare':>9}  {'app CPU-ms':>10}  {'PG CPU-ms':>9}"
    )
    for workers in args.workers:
        result = point(url, workers, args)
        if result["problems"]:
            sys.exit(f"invariants broken at {workers} workers: {result['problems'][:5]}")
        results.append(result)
        http, bare = result["paths"]["http"], result["paths"]["bare"]
        cpu = http["cpu_ms_per_pair"]
        print(
            f"{workers:>7}  {http['pairs_per_second']:>12,.0f}  {slowest_p99(http):>7.0f}  "
            f"{bare['pairs_per_second']:>12,.0f}  {slowest_p99(bare):>7.0f}  "
            f"{http['pairs_per_second'] / bare['pairs_per_second']:>9.0%}  "
            f"{cpu['app servers']:>10.1f}  {cpu['PostgreSQL']:>9.1f}",
            flush=True,
        )
    print("invariants: hold at every point")
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
