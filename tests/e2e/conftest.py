"""Playwright driving Debian's Chromium (/usr/bin/chromium, headless) against the live server.

One browser for all of tests/e2e (a package-scoped fixture: it closes before tests elsewhere
run, see below); each test gets a fresh context (cookies, permissions,
geolocation) with a phone-sized viewport. Playwright's own browser downloads are never used:
`.ci/run` installs Debian's chromium package, and without it these tests are skipped.

Each test saves a screenshot of its work page under DATA_DIR/screenshots (var/screenshots by
default); the paths are listed at the end of the run.
"""

import os
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings

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
    page.click("form[action$='/accept/'] button")
    page.wait_for_url("**/work/assignments/*/")
    if not and_next:
        page.uncheck("#submit-and-next")
    frame = page.frame_locator("iframe.task-frame")
    frame.locator("form.mw-task-form").wait_for()
    return frame


def wait_until(page, condition, *, timeout: float = 10.0):
    """Poll `condition` (a database read) while the browser runs; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            shown = " | ".join(
                f"{frame.url}: {frame.locator('body').inner_text()[:300]!r}"
                for frame in page.frames
            )
            raise AssertionError(f"timed out waiting for {condition}; the browser shows {shown}")
        page.wait_for_timeout(100)


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
