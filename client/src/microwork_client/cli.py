"""`mw`, the requester's command line: microwork from a terminal, a script or a CI job.

    mw login --url https://microwork.example.org        # asks for the token, checks it, keeps it
    mw project create --from project.toml
    mw batch upload rows.csv --project PROJECT --publish
    mw batch status BATCH --watch
    mw review approve BATCH --all-submitted
    mw results download BATCH --format parquet -o results.parquet
    mw balance --json

Exit codes (docs/client.md): 0 done; 1 the server refused (its message on stderr, naming the
field or row); 2 bad usage or a local file that cannot be read; 3 authentication (not logged in,
token refused or not allowed); 4 the server cannot be reached; 5 the server failed or answered
something unexpected; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, config
from .client import EXPORT_FORMATS, Client
from .errors import (
    ApiError,
    ConnectionFailed,
    DatasetPending,
    Forbidden,
    MicroworkError,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
)
from .progress import ProgressBar, human_bytes
from .types import Batch, Resource, format_cents, parse_cents

OK, REFUSED, USAGE, AUTH, CONNECTION, SERVER, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130


class UsageError(Exception):
    """A mistake of the command line or a local file: exit code 2."""


class NotLoggedIn(Exception):
    """No URL or token: exit code 3."""


# -- output ---------------------------------------------------------------------------------------


def _json_out(value: Any) -> None:
    if isinstance(value, Resource):
        value = value.raw
    elif isinstance(value, list):
        value = [item.raw if isinstance(item, Resource) else item for item in value]
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _table(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> None:
    rows = [[("" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(header)]
    for row in [list(header), *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _progress_line(batch: Batch) -> str:
    progress = batch.progress
    if progress is None:
        return f"batch {batch.id} {batch.state}: {batch.task_count} tasks"
    return (
        f"batch {batch.id} {batch.state}: {progress.done_slots}/{progress.total_slots} answered "
        f"({progress.share_done:.1%}) · {progress.accepted} in progress · "
        f"{progress.submitted} to review · {progress.approved} approved · "
        f"{progress.rejected} rejected"
    )


# -- commands -------------------------------------------------------------------------------------


def _client(args: argparse.Namespace) -> Client:
    settings = config.load()
    if not settings.url or not settings.token:
        raise NotLoggedIn(
            "not logged in: run `mw login --url URL`, or set MICROWORK_URL and MICROWORK_TOKEN"
        )
    return Client(settings.url, settings.token, retries=args.retries)


def cmd_login(args: argparse.Namespace) -> int:
    token = args.token
    if token is None:
        if sys.stdin.isatty():
            token = getpass.getpass("API token (from the settings page): ")
        else:
            token = sys.stdin.readline()
    token = token.strip()
    if not token:
        raise UsageError("no token given")
    with Client(args.url, token, retries=args.retries) as client:
        me = client.me()
    path = config.save(url=args.url.rstrip("/"), token=token)
    if args.json:
        _json_out({"url": args.url, "config": str(path), "me": me.raw})
    else:
        print(f"Logged in to {args.url} as {me.email} ({me.role}); token kept in {path}")
    return OK


def cmd_logout(args: argparse.Namespace) -> int:
    forgotten = config.forget()
    if args.json:
        _json_out({"forgotten": forgotten})
    else:
        print("Token forgotten." if forgotten else "No token was stored.")
    return OK


def cmd_whoami(args: argparse.Namespace) -> int:
    with _client(args) as client:
        me = client.me()
    if args.json:
        _json_out(me)
    else:
        print(f"{me.email} ({me.role}) on {config.load().url}")
    return OK


def _read_toml(path: str) -> dict[str, Any]:
    """A project file: its fields at the top level or under [project]. In any table,
    `x_file = "a.html"` becomes `x` holding the text of a.html (relative to the TOML file)."""
    source = Path(path)
    try:
        with source.open("rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path} is not valid TOML: {error}") from error
    return _include_files(dict(data.get("project", data)), source)


def _include_files(table: dict[str, Any], source: Path) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            fields[key] = _include_files(value, source)
        elif key.endswith("_file") and isinstance(value, str):
            included = source.parent / value
            try:
                fields[key.removesuffix("_file")] = included.read_text(encoding="utf-8")
            except OSError as error:
                raise UsageError(
                    f"{source}: cannot read {key} = {value!r}: {error.strerror or error}"
                ) from error
        else:
            fields[key] = value
    return fields


def _print_project(project: Any) -> None:
    print(f"Project {project.id}: {project.title}")
    print(f"  reward {format_cents(project.reward_cents, project.currency)} per assignment", end="")
    if project.assignments_per_task:
        print(f", {project.assignments_per_task} assignment(s) per task", end="")
    print()


def cmd_project_create(args: argparse.Namespace) -> int:
    fields = _read_toml(args.source)
    with _client(args) as client:
        project = client.project_create(**fields)
    if args.json:
        _json_out(project)
    else:
        _print_project(project)
    return OK


def cmd_project_update(args: argparse.Namespace) -> int:
    fields = _read_toml(args.source)
    with _client(args) as client:
        project = client.project_update(args.project, **fields)
    if args.json:
        _json_out(project)
    else:
        _print_project(project)
    return OK


def cmd_project_list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        projects = list(client.projects(limit=500))
    if args.json:
        _json_out(projects)
    else:
        _table(
            (
                (p.id, format_cents(p.reward_cents, p.currency), p.assignments_per_task, p.title)
                for p in projects
            ),
            ("ID", "REWARD", "PER TASK", "TITLE"),
        )
    return OK


def cmd_project_show(args: argparse.Namespace) -> int:
    with _client(args) as client:
        project = client.project(args.project)
    if args.json:
        _json_out(project)
    else:
        _print_project(project)
        if project.description:
            print(f"  {project.description}")
    return OK


def cmd_batch_list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        batches = list(client.batches(args.project, limit=500))
    if args.json:
        _json_out(batches)
    else:
        _table(
            (
                (
                    b.id,
                    b.state,
                    b.task_count,
                    f"{b.progress.share_done:.0%}" if b.progress else "",
                    b.name,
                )
                for b in batches
            ),
            ("ID", "STATE", "TASKS", "DONE", "NAME"),
        )
    return OK


def cmd_batch_upload(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {args.file}")
    bar = ProgressBar(f"uploading {path.name}", force=args.progress)
    if args.no_progress:
        bar.shown = False
    with _client(args) as client:
        try:
            batch = client.batch_upload(args.project, path, name=args.name, progress=bar)
        finally:
            bar.close()
        seconds = bar.seconds
        if args.publish:
            try:
                batch = client.batch_publish(batch.id)
            except MicroworkError:
                # Say what exists: on stdout as JSON for a script, else on stderr.
                if args.json:
                    _json_out(batch)
                else:
                    sys.stderr.write(
                        f"mw: batch {batch.id} was created ({batch.task_count} tasks, draft), "
                        "but publishing it failed:\n"
                    )
                raise
    if args.json:
        _json_out(batch)
    else:
        size = path.stat().st_size
        print(
            f"Batch {batch.id} ({batch.state}): {batch.task_count} tasks from {path.name}, "
            f"{human_bytes(size)} in {seconds:.1f}s"
        )
        if not args.publish:
            print(f"Publish it with: mw batch publish {batch.id}")
    return OK


def cmd_batch_status(args: argparse.Namespace) -> int:
    with _client(args) as client:
        batch = client.batch(args.batch)
        if not args.watch:
            if args.json:
                _json_out(batch)
            else:
                print(_progress_line(batch))
            return OK
        return _watch(client, batch, args)


def _watch(client: Client, batch: Batch, args: argparse.Namespace) -> int:
    """Redraw the batch's progress every --interval seconds until nothing can move any more.

    On a terminal the line is redrawn in place on stderr; otherwise (and with --json, as one
    JSON object per line on stdout) a line is printed each time the progress changes."""
    live = sys.stderr.isatty() and not args.json
    last = None
    while True:
        line = _progress_line(batch)
        if line != last:
            if args.json:
                print(json.dumps(batch.raw, ensure_ascii=False), flush=True)
            elif live:
                sys.stderr.write("\r" + line.ljust(len(last or "")))
                sys.stderr.flush()
            else:
                print(line, flush=True)
            last = line
        if batch.is_final:
            break
        time.sleep(args.interval)
        batch = client.batch(batch.id)
    if live:
        sys.stderr.write("\n")
    return OK


def _batch_action(action: str) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        with _client(args) as client:
            batch = getattr(client, f"batch_{action}")(args.batch)
        if args.json:
            _json_out(batch)
        else:
            print(_progress_line(batch))
        return OK

    command.__name__ = f"cmd_batch_{action}"
    return command


def cmd_batch_assignments(args: argparse.Namespace) -> int:
    with _client(args) as client:
        assignments = client.assignments(args.batch, state=args.state, limit=500)
        if args.json:
            _json_out(list(assignments))
        else:
            _table(
                ((a.id, a.task_id, a.worker_id, a.state, a.submitted_at) for a in assignments),
                ("ID", "TASK", "WORKER", "STATE", "SUBMITTED"),
            )
    return OK


def cmd_results_download(args: argparse.Namespace) -> int:
    kind = "dataset" if args.dataset else "results"
    output = args.output or f"batch-{args.batch}-{kind}.{args.format}"
    to_stdout = output == "-"
    bar = ProgressBar(f"downloading {kind}")
    if args.no_progress or to_stdout and sys.stdout.isatty():
        bar.shown = False
    with _client(args) as client:
        try:
            written = client.download_results(
                args.batch,
                sys.stdout.buffer if to_stdout else output,
                format=args.format,
                dataset=args.dataset,
                method=args.method,
                wait_seconds=args.wait if args.dataset else 0,
                progress=bar,
            )
        finally:
            bar.close()
    if to_stdout:
        sys.stdout.flush()
    elif args.json:
        _json_out({"file": output, "bytes": written, "seconds": round(bar.seconds, 3)})
    else:
        print(f"Wrote {output}: {human_bytes(written)} in {bar.seconds:.1f}s")
    return OK


def _review(args: argparse.Namespace, action: str) -> int:
    if not args.all_submitted and not args.assignment:
        raise UsageError("say which assignments: --all-submitted or --assignment ID ...")
    if args.all_submitted and args.assignment:
        raise UsageError("--all-submitted and --assignment exclude each other")
    with _client(args) as client:
        result = client.review(
            args.batch,
            action=action,
            all_submitted=args.all_submitted,
            assignment_ids=args.assignment,
            reason=getattr(args, "reason", "") or getattr(args, "feedback", "") or "",
            idempotency_key=args.idempotency_key,
        )
    if args.json:
        _json_out(result)
    else:
        verb = "Approved" if action == "approve" else "Rejected"
        print(f"{verb} {result.reviewed} assignment(s) of batch {args.batch}")
    return OK


def cmd_review_approve(args: argparse.Namespace) -> int:
    return _review(args, "approve")


def cmd_review_reject(args: argparse.Namespace) -> int:
    return _review(args, "reject")


def cmd_review_bonus(args: argparse.Namespace) -> int:
    try:
        cents = parse_cents(args.amount)
    except ValueError as error:
        raise UsageError(f"--amount: {error}") from error
    with _client(args) as client:
        result = client.bonus(
            args.assignment,
            amount_cents=cents,
            reason=args.reason,
            idempotency_key=args.idempotency_key,
        )
    if args.json:
        _json_out(result)
    else:
        print(f"Bonus of {args.amount} paid on assignment {args.assignment}")
    return OK


def cmd_balance(args: argparse.Namespace) -> int:
    with _client(args) as client:
        balance = client.balance()
    if args.json:
        _json_out(balance)
    else:
        currency = balance.currency
        print(f"available  {format_cents(balance.available_cents, currency):>16}")
        print(f"in escrow  {format_cents(balance.escrow_cents, currency):>16}")
        if balance.due_back_cents:
            print(f"due back   {format_cents(balance.due_back_cents, currency):>16}")
    return OK


def cmd_statement(args: argparse.Namespace) -> int:
    with _client(args) as client:
        lines = []
        for line in client.statement(limit=min(args.limit, 500)):
            lines.append(line)
            if len(lines) >= args.limit:
                break
    if args.json:
        _json_out(lines)
    else:
        _table(
            (
                (
                    line.created_at,
                    format_cents(line.amount_cents, line.currency),
                    line.kind,
                    line.memo,
                )
                for line in lines
            ),
            ("DATE", "AMOUNT", "KIND", "MEMO"),
        )
    return OK


# -- parser ---------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"mw: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    # --json and --retries are accepted before or after the subcommand; SUPPRESS keeps the
    # subcommand's parser from overwriting a value given before it.
    common = _Parser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for scripts"
    )
    common.add_argument("--retries", type=int, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    parser = _Parser(
        prog="mw",
        description="microwork's requester command line (docs/client.md).",
        epilog="Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 authentication, "
        "4 cannot connect, 5 server error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"mw {__version__}")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--retries",
        type=int,
        default=3,
        help="retries of an idempotent request on connection errors and 503 (default 3)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(
        group: argparse._SubParsersAction[_Parser],  # what add_subparsers() gives
        name: str,
        handler: Callable[[argparse.Namespace], int],
        help: str,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(
            name, help=help, description=help, parents=[common]
        )
        sub.set_defaults(handler=handler)
        return sub

    login = add(commands, "login", cmd_login, "check a token with the server and keep it")
    login.add_argument(
        "--url", required=True, help="the server, e.g. https://microwork.example.org"
    )
    login.add_argument(
        "--token", help="the API token (default: asked for, or read from standard input)"
    )
    add(commands, "logout", cmd_logout, "forget the stored token")
    add(commands, "whoami", cmd_whoami, "who the token belongs to")

    project = commands.add_parser("project", help="projects").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    create = add(project, "create", cmd_project_create, "create a project from a TOML file")
    create.add_argument("--from", dest="source", required=True, metavar="project.toml")
    update = add(project, "update", cmd_project_update, "change a project from a TOML file")
    update.add_argument("project")
    update.add_argument("--from", dest="source", required=True, metavar="project.toml")
    add(project, "list", cmd_project_list, "your projects")
    show = add(project, "show", cmd_project_show, "one project")
    show.add_argument("project")

    batch = commands.add_parser("batch", help="batches").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    listing = add(batch, "list", cmd_batch_list, "a project's batches")
    listing.add_argument("--project", required=True)
    upload = add(batch, "upload", cmd_batch_upload, "create a batch from a CSV or JSONL file")
    upload.add_argument("file")
    upload.add_argument("--project", required=True, help="the project's id")
    upload.add_argument("--name", help="the batch's name (default: the file's name)")
    upload.add_argument("--publish", action="store_true", help="publish it once uploaded")
    upload.add_argument("--no-progress", action="store_true", help="no progress bar")
    upload.add_argument("--progress", action="store_true", help="a progress bar even off a tty")
    status = add(batch, "status", cmd_batch_status, "a batch's state and progress")
    status.add_argument("batch")
    status.add_argument("--watch", action="store_true", help="follow the progress live")
    status.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    for action in ("publish", "pause", "resume", "cancel"):
        acted = add(batch, action, _batch_action(action), f"{action} a batch")
        acted.add_argument("batch")
    assignments = add(batch, "assignments", cmd_batch_assignments, "a batch's assignments")
    assignments.add_argument("batch")
    assignments.add_argument("--state", help="submitted, approved, rejected, accepted...")

    results = commands.add_parser("results", help="results").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    download = add(results, "download", cmd_results_download, "download a batch's results")
    download.add_argument("batch")
    download.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    download.add_argument(
        "-o",
        "--output",
        help="the file to write, - for standard output (default: batch-ID-results.FORMAT)",
    )
    download.add_argument(
        "--dataset",
        action="store_true",
        help="the aggregated data set (one row per task, labels and confidence)",
    )
    download.add_argument(
        "--method", help="with --dataset: the aggregation method (default: the server's)"
    )
    download.add_argument(
        "--wait",
        type=float,
        default=600,
        metavar="SECONDS",
        help="with --dataset: how long to wait for a large batch's aggregation (default 600)",
    )
    download.add_argument("--no-progress", action="store_true", help="no progress bar")

    review = commands.add_parser("review", help="approve, reject, bonus").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    for verb, handler in (("approve", cmd_review_approve), ("reject", cmd_review_reject)):
        acted = add(review, verb, handler, f"{verb} assignments of a batch")
        acted.add_argument("batch")
        acted.add_argument("--all-submitted", action="store_true", help="every submitted one")
        acted.add_argument("--assignment", action="append", metavar="ID", help="this one (repeat)")
        acted.add_argument("--idempotency-key", help="to make a retried command act once")
        if verb == "reject":
            acted.add_argument("--reason", required=True, help="told to the worker")
        else:
            acted.add_argument("--feedback", default="", help="told to the worker")
    bonus = add(review, "bonus", cmd_review_bonus, "pay a bonus on an assignment")
    bonus.add_argument("assignment")
    bonus.add_argument("--amount", required=True, help="e.g. 0.50 (in the project's currency)")
    bonus.add_argument("--reason", required=True)
    bonus.add_argument("--idempotency-key", help="to make a retried command pay once")

    add(commands, "balance", cmd_balance, "your balance: available and in escrow")
    statement = add(commands, "statement", cmd_statement, "your latest ledger lines")
    statement.add_argument("--limit", type=int, default=50)
    return parser


# -- errors ---------------------------------------------------------------------------------------


def _fail(args: argparse.Namespace | None, code: int, message: str, problem: Any = None) -> int:
    if args is not None and getattr(args, "json", False):
        body = dict(problem) if isinstance(problem, dict) else {"detail": message}
        body["exit_code"] = code
        sys.stderr.write(json.dumps(body, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"mw: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    # httpx logs each request at INFO: not for a command line's stderr, whatever the host
    # program configured.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on bad usage
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as error:
        return _fail(args, USAGE, str(error))
    except NotLoggedIn as error:
        return _fail(args, AUTH, str(error))
    except (Unauthorized, Forbidden) as error:
        hint = ""
        if isinstance(error, Unauthorized) and args.command != "login":
            hint = "\n(the token was refused: `mw login --url URL` with a valid one)"
        return _fail(args, AUTH, f"{error}{hint}", error.to_json())
    except ServerError as error:
        return _fail(args, SERVER, str(error), error.to_json())
    except ApiError as error:
        return _fail(args, REFUSED, str(error), error.to_json())
    except ConnectionFailed as error:
        return _fail(args, CONNECTION, str(error))
    except DatasetPending as error:
        return _fail(args, REFUSED, f"{error}; try again later", error.status)
    except config.ConfigError as error:
        return _fail(args, USAGE, str(error))
    except UnexpectedResponse as error:
        return _fail(args, SERVER, str(error))
    except MicroworkError as error:  # pragma: no cover - every kind is named above
        return _fail(args, SERVER, str(error))
    except KeyboardInterrupt:
        sys.stderr.write("\nmw: interrupted\n")
        return INTERRUPTED
    except BrokenPipeError:
        return OK  # `mw ... | head`: the reader had enough


def run() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    run()
