"""microwork_client against httpx.MockTransport: parsing, errors, pagination, retries, streaming.

The server's side of the same behaviour is tested live in test_live.py; these pin what the
client does with answers a live server rarely gives (a 503, a cut connection, a page chain).
"""

import json
import os
import stat

import httpx
import pytest
from microwork_client import (
    ApiError,
    Batch,
    Client,
    Conflict,
    ConnectionFailed,
    NotFound,
    Project,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
    ValidationFailed,
    format_cents,
    parse_cents,
)
from microwork_client import config as mw_config

PROBLEM = "application/problem+json"


def client_for(handler, **options) -> Client:
    options.setdefault("backoff", 0)
    return Client("http://mw.test", "mwk_secret", transport=httpx.MockTransport(handler), **options)


def problem(status: int, slug: str, title: str, **extra) -> httpx.Response:
    body = {"type": f"https://microwork.dev/problems/{slug}", "title": title, "status": status}
    body.update(extra)
    return httpx.Response(status, json=body, headers={"Content-Type": PROBLEM})


def test_client_sends_the_bearer_token_to_api_v1():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": 7, "email": "r@x.test", "role": "requester"})

    for base in ("http://mw.test", "http://mw.test/", "http://mw.test/api/v1/"):
        me = Client(base, "mwk_secret", transport=httpx.MockTransport(handler)).me()
        assert (me.id, me.email, me.role) == (7, "r@x.test", "requester")

    assert [str(r.url) for r in seen] == ["http://mw.test/api/v1/me"] * 3
    assert {r.headers["Authorization"] for r in seen} == {"Bearer mwk_secret"}


def test_problem_with_row_errors_becomes_validation_failed_naming_rows():
    def handler(request):
        return problem(
            422,
            "upload-invalid",
            "The file has errors",
            detail="2 rows are wrong",
            errors=[
                {"row": 12, "field": "image_url", "message": "not a URL"},
                {"field": "reward_cents", "message": "must be positive"},
            ],
        )

    with pytest.raises(ValidationFailed) as caught:
        client_for(handler).project_create(title="x")

    error = caught.value
    assert (error.status, error.slug, error.detail) == (422, "upload-invalid", "2 rows are wrong")
    assert [(e.row, e.field, e.message) for e in error.errors] == [
        (12, "image_url", "not a URL"),
        (None, "reward_cents", "must be positive"),
    ]
    assert str(error) == (
        "422 The file has errors: 2 rows are wrong\n"
        "  row 12, column 'image_url': not a URL\n"
        "  field 'reward_cents': must be positive"
    )


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, Unauthorized), (404, NotFound), (409, Conflict), (500, ServerError), (418, ApiError)],
)
def test_each_status_becomes_its_exception(status, kind):
    client = client_for(lambda request: problem(status, "x", "Nope"), retries=0)

    with pytest.raises(kind) as caught:
        client.batch(3)

    assert type(caught.value) is kind
    assert caught.value.status == status


def test_a_non_json_error_keeps_its_text():
    client = client_for(lambda r: httpx.Response(502, text="<html>Bad gateway</html>"), retries=0)

    with pytest.raises(ServerError) as caught:
        client.me()

    assert caught.value.title == "Bad Gateway"
    assert caught.value.detail == "<html>Bad gateway</html>"


def test_ninja_validation_body_is_read_as_field_errors():
    body = {"detail": [{"loc": ["body", "payload", "title"], "msg": "Field required"}]}
    client = client_for(lambda r: httpx.Response(422, json=body))

    with pytest.raises(ValidationFailed) as caught:
        client.project_create()

    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("payload.title", "Field required")
    ]


def test_iterators_follow_next_cursor_until_null():
    pages = {
        None: {
            "items": [{"id": "p1", "title": "A"}, {"id": "p2", "title": "B"}],
            "next_cursor": "c2",
        },
        "c2": {"items": [{"id": "p3", "title": "C"}], "next_cursor": "c3"},
        "c3": {"items": [], "next_cursor": None},
    }
    asked = []

    def handler(request):
        cursor = request.url.params.get("cursor")
        asked.append((cursor, request.url.params.get("limit")))
        return httpx.Response(200, json=pages[cursor])

    projects = list(client_for(handler).projects(limit=2))

    assert [p.id for p in projects] == ["p1", "p2", "p3"]
    assert all(isinstance(p, Project) for p in projects)
    assert asked == [(None, "2"), ("c2", "2"), ("c3", "2")]


def test_assignments_filter_by_state():
    urls = []

    def handler(request):
        urls.append(str(request.url))
        return httpx.Response(200, json={"items": [], "next_cursor": None})

    list(client_for(handler).assignments("b1", state="submitted"))

    assert urls == ["http://mw.test/api/v1/batches/b1/assignments?state=submitted"]


def test_get_is_retried_on_503_and_connection_errors():
    answers = iter(
        [
            httpx.ConnectError("refused"),
            problem(503, "unavailable", "Busy"),
            httpx.Response(200, json={"currency": "EUR", "available_cents": 150}),
        ]
    )

    def handler(request):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert client_for(handler, retries=2).balance().available_cents == 150


def test_post_without_key_is_not_retried():
    calls = []

    def handler(request):
        calls.append(request)
        return problem(503, "unavailable", "Busy")

    with pytest.raises(ServerError):
        client_for(handler, retries=3).project_create(title="x")

    assert len(calls) == 1


def test_keyed_post_is_retried_with_the_same_key():
    keys = []

    def handler(request):
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            raise httpx.ReadError("cut")
        return httpx.Response(200, json={"reviewed": 4})

    result = client_for(handler).review("b1", action="approve", all_submitted=True)

    assert result.reviewed == 4
    assert len(keys) == 2 and keys[0] == keys[1]


def test_connection_refused_raises_connection_failed_after_retries():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(ConnectionFailed) as caught:
        client_for(handler, retries=2).me()

    assert len(calls) == 3
    assert "Connection refused" in str(caught.value)


def test_each_review_call_has_its_own_key_unless_given():
    bodies, keys = [], []

    def handler(request):
        keys.append(request.headers.get("Idempotency-Key"))
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "a1", "state": "approved"})

    client = client_for(handler)
    client.approve("a1")
    client.approve("a1")
    client.reject("a2", reason="blank answers", idempotency_key="mine")
    client.bonus("a1", amount_cents=50, reason="thanks", idempotency_key="bonus-1")

    assert keys[0] != keys[1] and len(keys[0]) == 36
    assert keys[2:] == ["mine", "bonus-1"]
    assert bodies == [
        {"feedback": ""},
        {"feedback": ""},
        {"reason": "blank answers"},
        {"amount_cents": 50, "reason": "thanks"},
    ]


def test_review_sends_ids_or_all_submitted():
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"reviewed": 2})

    client = client_for(handler)
    client.review("b1", action="reject", assignment_ids=["a1", "a2"], reason="spam")
    client.review("b1", action="approve", all_submitted=True)
    with pytest.raises(ValueError):
        client.review("b1", action="approve")

    assert bodies == [
        {"action": "reject", "reason": "spam", "assignment_ids": ["a1", "a2"]},
        {"action": "approve", "reason": "", "all_submitted": True},
    ]


def test_upload_streams_the_file_with_its_length_and_reports_progress(tmp_path):
    source = tmp_path / "rows.csv"
    content = b"text\n" + b"".join(f"row {n}\n".encode() for n in range(100_000))
    source.write_bytes(content)
    received = {}

    def handler(request):
        received["headers"] = request.headers
        received["url"] = str(request.url)
        received["body"] = request.read()
        return httpx.Response(
            201, json={"id": 9, "project_id": "p1", "state": "draft", "task_count": 100_000}
        )

    reports = []
    batch = client_for(handler).batch_upload(
        "p1", source, progress=lambda done, total: reports.append((done, total))
    )

    assert isinstance(batch, Batch) and batch.task_count == 100_000
    assert received["body"] == content
    assert received["headers"]["Content-Length"] == str(len(content))
    assert "Transfer-Encoding" not in received["headers"]
    assert received["headers"]["Content-Type"] == "text/csv"
    assert received["url"] == "http://mw.test/api/v1/projects/p1/batches?name=rows"
    assert reports[0] == (0, len(content))
    assert reports[-1] == (len(content), len(content))
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)


def test_upload_is_not_retried(tmp_path):
    source = tmp_path / "rows.jsonl"
    source.write_text('{"a": 1}\n')
    calls = []

    def handler(request):
        calls.append(request.headers["Content-Type"])
        return problem(503, "unavailable", "Busy")

    with pytest.raises(ServerError):
        client_for(handler).batch_upload("p1", source)

    assert calls == ["application/jsonl"]


def test_download_writes_the_whole_file_under_its_name(tmp_path):
    payload = b"HITId,answer\n" + b"".join(f"t{n},yes\n".encode() for n in range(50_000))
    asked = []

    def handler(request):
        asked.append(str(request.url))
        return httpx.Response(200, content=payload, headers={"Content-Type": "text/csv"})

    target = tmp_path / "out.csv"
    written = client_for(handler).download_results("b1", target, format="csv")

    assert written == len(payload)
    assert target.read_bytes() == payload
    assert asked == ["http://mw.test/api/v1/batches/b1/results?format=csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_download_cut_midway_leaves_no_file(tmp_path):
    class Cut(httpx.SyncByteStream):
        def __iter__(self):
            yield b"HITId\nt1\n"
            raise httpx.ReadError("connection reset")

    def handler(request):
        return httpx.Response(200, stream=Cut())

    with pytest.raises(ConnectionFailed):
        client_for(handler).download_results("b1", tmp_path / "out.jsonl", format="jsonl")

    assert list(tmp_path.iterdir()) == []


def test_download_refusal_is_an_api_error_and_writes_nothing(tmp_path):
    client = client_for(lambda r: problem(404, "not-found", "Not found"))

    with pytest.raises(NotFound):
        client.download_results("b1", tmp_path / "x.parquet", format="parquet", dataset=True)

    assert list(tmp_path.iterdir()) == []


def test_resources_keep_unknown_fields_and_refuse_missing_required_ones():
    batch = Batch.from_json(
        {
            "id": 4,
            "project_id": "p",
            "state": "published",
            "progress": {"total_slots": 10, "done_slots": 10, "accepted": 0},
            "new_field": 1,
        }
    )

    assert batch.progress is not None and batch.progress.share_done == 1.0
    assert batch.is_final
    assert batch.raw["new_field"] == 1
    with pytest.raises(UnexpectedResponse):
        Batch.from_json({"id": 4})


def test_a_page_that_is_not_a_page_is_unexpected():
    client = client_for(lambda r: httpx.Response(200, json=[1, 2]))

    with pytest.raises(UnexpectedResponse):
        list(client.projects())


@pytest.mark.parametrize(
    ("text", "cents"), [("0.5", 50), ("12", 1200), ("0.05", 5), ("-1.25", -125), ("3.", 300)]
)
def test_parse_cents(text, cents):
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["", "1.234", "abc", "1,5", "."])
def test_parse_cents_refuses(text):
    with pytest.raises(ValueError):
        parse_cents(text)


def test_format_cents():
    assert format_cents(12345, "EUR") == "123.45 EUR"
    assert format_cents(-5) == "-0.05"


def test_config_is_saved_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("MICROWORK_CONFIG", raising=False)
    monkeypatch.delenv("MICROWORK_URL", raising=False)
    monkeypatch.delenv("MICROWORK_TOKEN", raising=False)
    old = os.umask(0)
    try:
        path = mw_config.save(url="http://a.test", token="mwk_1")
    finally:
        os.umask(old)

    assert path == tmp_path / "microwork" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert mw_config.load().token == "mwk_1"
    monkeypatch.setenv("MICROWORK_TOKEN", "mwk_env")
    monkeypatch.setenv("MICROWORK_URL", "http://b.test")
    assert (mw_config.load().url, mw_config.load().token) == ("http://b.test", "mwk_env")


def test_the_client_imports_nothing_of_the_server():
    """`pip install ./client` brings httpx only: importing the command line must not need
    microwork, Django or any other server dependency."""
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    check = (
        "import sys, microwork_client.cli\n"
        "server = {'microwork', 'django', 'ninja', 'psycopg', 'numpy', 'huey', 'granian'}\n"
        "print(sorted(server & {name.split('.')[0] for name in sys.modules}))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout.strip()
    pyproject = Path(__file__).resolve().parents[2] / "client" / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]

    assert loaded == "[]"
    assert dependencies == ["httpx>=0.27"]


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nobody listens


def test_mw_exits_4_when_the_server_cannot_be_reached(monkeypatch, capsys):
    from microwork_client import cli

    monkeypatch.setenv("MICROWORK_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("MICROWORK_TOKEN", "mwk_x")

    code = cli.main(["--retries", "1", "balance"])

    assert code == 4
    err = capsys.readouterr().err
    assert err.startswith("mw: cannot reach http://127.0.0.1:")
    assert "/api/v1/balance" in err


def test_mw_process_exit_status_is_4_when_connection_refused(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "MICROWORK_URL": f"http://127.0.0.1:{_closed_port()}",
        "MICROWORK_TOKEN": "mwk_x",
        "MICROWORK_CONFIG": str(tmp_path / "none.json"),
    }
    mw = Path(sys.executable).parent / "mw"

    ran = subprocess.run(
        [mw, "--retries", "0", "balance", "--json"], env=env, capture_output=True, text=True
    )

    assert ran.returncode == 4
    assert ran.stdout == ""
    assert json.loads(ran.stderr)["exit_code"] == 4


def test_mw_usage_errors_exit_2(monkeypatch, capsys, tmp_path):
    from microwork_client import cli

    monkeypatch.setenv("MICROWORK_CONFIG", str(tmp_path / "none.json"))

    with pytest.raises(SystemExit) as caught:
        cli.main(["batch", "upload"])
    assert caught.value.code == 2
    assert cli.main(["review", "approve", "b1"]) == 2
    assert "--all-submitted or --assignment" in capsys.readouterr().err
    assert cli.main(["review", "bonus", "a1", "--amount", "1.234", "--reason", "x"]) == 2


def test_mw_without_login_exits_3(monkeypatch, capsys, tmp_path):
    from microwork_client import cli

    monkeypatch.setenv("MICROWORK_CONFIG", str(tmp_path / "none.json"))
    monkeypatch.delenv("MICROWORK_URL", raising=False)
    monkeypatch.delenv("MICROWORK_TOKEN", raising=False)

    assert cli.main(["balance"]) == 3
    assert "not logged in" in capsys.readouterr().err


def test_a_dataset_still_computing_raises_pending_and_writes_nothing(tmp_path):
    from microwork_client import DatasetPending

    status = {"state": "not_requested", "method": "ds", "n_answers": 30000, "latest_result": None}
    client = client_for(lambda r: httpx.Response(202, json={**status, "error": ""}))

    with pytest.raises(DatasetPending) as caught:
        client.download_results("b1", tmp_path / "d.csv", dataset=True)

    assert caught.value.status["state"] == "not_requested"
    assert list(tmp_path.iterdir()) == []


def test_waiting_for_a_dataset_asks_for_it_once_then_downloads(tmp_path, monkeypatch):
    from microwork_client import client as client_module

    monkeypatch.setattr(client_module, "DATASET_POLL_SECONDS", 0)
    calls = []

    def handler(request):
        calls.append((request.method, request.url.path, request.url.params.get("method")))
        downloads = [c for c in calls if c[0] == "GET"]
        if request.method == "POST":
            return httpx.Response(200, json={"state": "queued", "method": "mace"})
        if len(downloads) < 3:
            return httpx.Response(202, json={"state": "queued", "method": "mace", "error": ""})
        return httpx.Response(200, content=b"HITId,label\nt1,cat\n")

    target = tmp_path / "d.csv"
    written = client_for(handler).download_results(
        "b1", target, dataset=True, method="mace", wait_seconds=60
    )

    assert target.read_bytes() == b"HITId,label\nt1,cat\n" and written == 19
    assert calls == [
        ("GET", "/api/v1/batches/b1/dataset", "mace"),
        ("POST", "/api/v1/batches/b1/dataset/aggregation", "mace"),
        ("GET", "/api/v1/batches/b1/dataset", "mace"),
        ("GET", "/api/v1/batches/b1/dataset", "mace"),
    ]


def test_progress_bar_draws_on_one_line_and_ends_it():
    import io

    from microwork_client.progress import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar("uploading rows.csv", stream=stream, force=True)
    bar(0, 2_000_000)
    bar(2_000_000, 2_000_000)
    bar.close()

    drawn = stream.getvalue()
    assert drawn.count("\n") == 1 and drawn.endswith("\n")
    assert drawn.startswith("\ruploading rows.csv [")
    assert "100.0% 2.0 MB/2.0 MB" in drawn


def test_progress_bar_is_silent_off_a_terminal():
    import io

    from microwork_client.progress import ProgressBar

    stream = io.StringIO()  # isatty() is False
    bar = ProgressBar("uploading", stream=stream)
    bar(5, 10)
    bar.close()

    assert stream.getvalue() == ""
