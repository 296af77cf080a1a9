"""The app server's peak resident memory during large batch uploads (issue 17: a 190 MB one-row
CSV took the server to 1.2 GB, about 6x the file).

    .venv/bin/python bench/upload_peak_memory.py [--mb 190] [--rows-mb 20] [--keep]

On a fresh SQLite data directory in /tmp: migrate, a requester with a REST API token and a
project. Then, for each case, a fresh `microwork serve --workers 1 --threads 2` (granian), one
upload over HTTP streamed from a file on disk, and the peak resident memory (VmHWM) of the
server's worker process, read from /proc after the answer, beside its resident memory before
the upload:

1. a --mb MB CSV of one row, under a cap raised above it: refused by the reader's row cap
   (projects/upload.py) after 1 MiB of it;
2. a --rows-mb MB CSV of many short rows, under the default cap (100 MiB): taken, streamed to
   disk and read row by row, once as the raw body and once as multipart/form-data (the form
   the upload page sends);
3. a --mb MB body over the default cap: refused from its Content-Length, unread.

Linux only (/proc). A harness that prints figures (docs/performance.md), not a test.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MICROWORK = ROOT / ".venv" / "bin" / "microwork"
MiB = 1024 * 1024
SETUP = """
from microwork.accounts.services import user_sign_up
from microwork.accounts.tokens import api_token_create
from microwork.projects.services import project_create
user = user_sign_up(email="bench@example.org", password="bench-password-2026", role="requester")
project = project_create(
    requester=user, title="Upload bench", description="d", reward_cents=50,
    assignments_per_task=1, time_allotted_seconds=600, lifetime_seconds=86400,
    auto_approval_delay_seconds=86400, estimated_seconds=60, template_kind="custom_html",
    template_html="<p>${text}</p><input name='answer'>",
)
_token, secret = api_token_create(user=user, name="bench", scope="write")
print(project.public_id, secret)
"""


def write_one_row(path: Path, megabytes: int) -> None:
    """A header and one row of 2-character cells (`x,`), megabytes long."""
    chunk = b"x," * (MiB // 2)
    with path.open("wb") as out:
        out.write(b"text\n")
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"x\n")


def write_many_rows(path: Path, megabytes: int) -> int:
    """A header and rows of about 100 bytes each; returns the number of rows."""
    row = b"a sentence of about one hundred bytes: the length of a short micro-task's text....\n"
    count = megabytes * MiB // len(row)
    block = row * 1000
    with path.open("wb") as out:
        out.write(b"text\n")
        for _ in range(count // 1000):
            out.write(block)
        out.write(row * (count % 1000))
    return count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return pids


class Server:
    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [str(MICROWORK), "serve", "--workers", "1", "--threads", "2"]
            + ["--bind", f"127.0.0.1:{self.port}", "--no-collectstatic"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/accounts/login/", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit(f"the server did not start: see {log}")

    def worker_rss(self, field: str) -> int:
        """`field` (VmRSS, VmHWM) of granian's worker: the process group's one child (the
        leader, granian's main process, answers no request)."""
        workers = [pid for pid in group_pids(self.process.pid) if pid != self.process.pid]
        return max(kib(pid, field) for pid in workers)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


def upload(server: Server, secret: str, project: str, path: Path, *, multipart: bool):
    url = f"{server.url}/api/v1/projects/{project}/batches"
    headers = {"Authorization": f"Bearer {secret}"}
    with path.open("rb") as body:
        if multipart:
            return httpx.post(url, headers=headers, files={"file": ("rows.csv", body)}, timeout=600)
        headers["Content-Type"] = "text/csv"
        headers["Content-Length"] = str(path.stat().st_size)
        return httpx.post(url, headers=headers, content=body, timeout=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=190, help="the one-row and over-cap files")
    parser.add_argument("--rows-mb", type=int, default=20, help="the many-row file (< 100)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mw-upload-peak-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "MICROWORK_CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"MICROWORK_DATA_DIR": str(folder / "data"), "MICROWORK_RATE_LIMITS": "0"})
    try:
        subprocess.run(
            [str(MICROWORK), "migrate", "--no-input"], env=env, check=True, capture_output=True
        )
        done = subprocess.run(
            [str(MICROWORK), "shell", "-c", SETUP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        project, secret = done.stdout.split()[-2:]
        one_row, many_rows = folder / "one-row.csv", folder / "many-rows.csv"
        write_one_row(one_row, args.mb)
        rows = write_many_rows(many_rows, args.rows_mb)
        cases = [
            (
                f"one row of {args.mb} MB, raw body, cap raised",
                one_row,
                False,
                {"MICROWORK_MAX_UPLOAD_BYTES": str((args.mb + 10) * MiB)},
            ),
            (f"{rows:,} rows, {args.rows_mb} MB, raw body", many_rows, False, {}),
            (f"{rows:,} rows, {args.rows_mb} MB, multipart", many_rows, True, {}),
            (f"one row of {args.mb} MB, over the 100 MiB cap", one_row, False, {}),
        ]
        print(f"server: microwork serve --workers 1 --threads 2 (granian), SQLite, {folder}")
        print(f"{'case':48} {'answer':>7} {'RSS before':>11} {'peak RSS':>9} {'took':>6}")
        for label, path, multipart, extra in cases:
            server = Server({**env, **extra}, folder / "serve.log")
            try:
                before = server.worker_rss("VmRSS")
                started = time.perf_counter()
                answer = upload(server, secret, project, path, multipart=multipart)
                took = time.perf_counter() - started
                peak = server.worker_rss("VmHWM")
            finally:
                server.stop()
            print(
                f"{label:48} {answer.status_code:>7} {before / 1024:>8.0f} MB "
                f"{peak / 1024:>6.0f} MB {took:>5.1f}s"
            )
            if answer.status_code >= 400:
                print(f"{'':48} {answer.json().get('detail', '')[:70]}")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
