"""Playwright driving Debian's Chromium (/usr/bin/chromium, headless) against the live server.

One browser for all of tests/e2e (a package-scoped fixture: it closes before tests elsewhere
run, see below); each test gets a fresh context (cookies, permissions,
geolocation) with a phone-sized viewport. Playwright's own browser downloads are never used:
`.ci/run` installs Debian's chromium package, and without it these tests are skipped.

Each test saves a screenshot of its work page under DATA_DIR/screenshots (var/screenshots by
default); the paths are listed at the end of the run.
"""

import http.server
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.db.models.signals import post_migrate

from microwork.mturk import services
from microwork.payments import ledger_triggers
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory
from tests.mturk.conftest import make_client
from tests.payments.factories import fund

CHROMIUM = os.environ.get("MICROWORK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 780}
# Playwright adds --no-sandbox (CI runs as root), --disable-background-networking and
# --disable-component-update itself; without them Chromium keeps trying hosts this closed
# network refuses.
#
# --disable-site-isolation-trials keeps the sandboxed task frame in the page's renderer process.
# Chromium otherwise isolates sandboxed frames in a process of their own, and on a busy machine
# a click Playwright sends there is now and then lost (no event reaches the frame). The sandbox
# itself — the opaque origin, no cookies, no access to the parent — is Blink's, in either process,
# and test_worker_submits_in_sandboxed_frame_and_gets_next_task checks it.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-site-isolation-trials",
]

_saved_screenshots: list[Path] = []


def has_chromium() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items):
    if has_chromium():
        return
    skip = pytest.mark.skip(reason=f"needs Debian's chromium at {CHROMIUM}")
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(skip)


def _ledger_triggers_back(sender, using="default", **kwargs) -> None:
    """After the flush that ends a transactional test on SQLite (flush sends post_migrate),
    the ledger is append-only again."""
    if connections[using].vendor == "sqlite":
        with connections[using].schema_editor() as editor:
            ledger_triggers.drop_triggers(None, editor)
            ledger_triggers.create_triggers(None, editor)


post_migrate.connect(_ledger_triggers_back, dispatch_uid="tests.e2e.ledger_triggers_back")


def _wait_for_requests_in_flight(seconds: float = 10) -> None:
    """Let the live server finish the requests a page sent just before its context closed (a
    work page reports its active time every few seconds): on SQLite's shared in-memory
    database one of them still holding a table would make the flush fail with "database table
    is locked". The server handles each connection in a thread of socketserver's."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
        thread.is_alive() and "process_request_thread" in thread.name
        for thread in threading.enumerate()
    ):
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _ledger_flushable_on_sqlite(transactional_db):
    """The live server needs a transactional database, which is emptied by a flush after each
    test. SQLite flushes with DELETE, which the ledger's append-only triggers refuse
    (PostgreSQL's TRUNCATE fires no row trigger): they are lifted for the flush alone. This
    teardown runs before transactional_db's flush, and after the test's browser context has
    closed; post_migrate puts the triggers back after the flush."""
    yield
    _wait_for_requests_in_flight()
    if connection.vendor == "sqlite":
        with connection.schema_editor() as editor:
            ledger_triggers.drop_triggers(None, editor)


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    # The sync API keeps an event loop running in this thread from start to stop, and Django
    # refuses ORM calls from a thread with a running loop. The tests call the ORM between
    # browser steps, never inside a coroutine, so the check is lifted while the browser is up;
    # package scope stops the browser (and restores the check) before any other tests run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=False)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def log_in(context, live_server, client, user) -> None:
    """Give the browser `user`'s session cookie, as if they had logged in."""
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def accept(page, live_server, project, *, and_next: bool = False):
    """Accept the project's next task from its preview page and return the task frame.

    The click only starts the POST: wait for the work page before reading the database, and
    before entering a frame (the preview page has a task frame too). Unless `and_next`, the
    "Submit and next" box is cleared, so a submission leads to the history page: a clear sign,
    in the browser, that the answer is stored.
    """
    page.goto(f"{live_server.url}/work/projects/{project.public_id}/")
    accept_previewed(page, and_next=and_next)
    frame = page.frame_locator("iframe.task-frame")
    frame.locator("form.mw-task-form").wait_for()
    return frame


def accept_previewed(page, *, and_next: bool = False) -> None:
    """Accept the task shown on the preview page and wait for the work page; unless `and_next`,
    clear its "Submit and next" box (see `accept`)."""
    page.click("form[action$='/accept/'] button")
    page.wait_for_url("**/work/assignments/*/")
    if not and_next:
        page.uncheck("#submit-and-next")


def wait_submitted(page, assignment) -> Assignment:
    """`assignment` as stored once the browser's answer has made it submitted."""
    return wait_until(
        page,
        lambda: Assignment.objects.filter(
            pk=assignment.pk, state=AssignmentState.SUBMITTED
        ).first(),
    )


def wait_until(page, condition, *, timeout: float = 10.0):
    """Poll `condition` (a database read) while the browser runs; fail after `timeout`.

    On SQLite the live server shares the test's in-memory database, whose table locks are not
    waited for: a read while the server writes (a submit, the next accept) raises "database
    table is locked" at once. That read is tried again, as any other not-yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "is locked" not in str(error):
                raise
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            shown = " | ".join(
                f"{frame.url}: {frame.locator('body').inner_text()[:300]!r}"
                for frame in page.frames
            )
            raise AssertionError(f"timed out waiting for {condition}; the browser shows {shown}")
        page.wait_for_timeout(100)


class SiteHandler(http.server.BaseHTTPRequestHandler):
    """A requester's own site in a test: a subclass's do_GET answers with send_html()."""

    def send_html(self, body: str | bytes, *, status: int = 200) -> None:
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # no access log in the test output


@contextmanager
def serve(handler: type[SiteHandler]) -> Iterator[str]:
    """Serve `handler` at 127.0.0.1 on a port of its own and yield its URL: another host than
    the live server's localhost, so the browser keeps the two sites' cookies apart."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def external_question(url: str, *, frame_height: int = 500) -> str:
    """An MTurk ExternalQuestion framing `url` (XML-escaped already)."""
    return (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        f"<ExternalURL>{url}</ExternalURL><FrameHeight>{frame_height}</FrameHeight>"
        "</ExternalQuestion>"
    )


def mturk_hit(live_server, question: str, *, title: str, description: str):
    """A funded requester's boto3 client, over HTTP to the live server, and the one-assignment
    HIT it created with `question`. Close the client at the end of the test: its kept-alive
    connection holds a server thread and its database session."""
    requester = RequesterFactory()
    fund(requester, 1_000)
    key, secret = services.access_key_create(requester=requester)
    mturk = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")
    hit = mturk.create_hit(
        MaxAssignments=1,
        LifetimeInSeconds=600,
        AssignmentDurationInSeconds=120,
        Reward="0.50",
        Title=title,
        Description=description,
        Question=question,
    )["HIT"]
    return mturk, hit


def save_screenshot(page, name: str) -> Path:
    """The work page as a phone shows it, in DATA_DIR/screenshots/<name>.png."""
    folder = Path(settings.DATA_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # The viewport only: a full-page shot resizes the viewport for a moment, and a click soon
    # after can then miss the sandboxed frame (Chromium runs it in a process of its own).
    page.screenshot(path=str(path))
    _saved_screenshots.append(path)
    return path


def pytest_terminal_summary(terminalreporter):
    if _saved_screenshots:
        terminalreporter.section("work page screenshots (360 px wide)")
        for path in _saved_screenshots:
            terminalreporter.write_line(str(path))
