"""The API's docs page in a real browser under the site's strict CSP: Swagger UI starts from
ninja's bundled static files (its init script is one of them: no inline script, no CDN) and
the browser blocks nothing (Debian's Chromium, headless, as tests/e2e/; skipped without it)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("MICROWORK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK), reason=f"needs Debian's chromium at {CHROMIUM}"
)


def test_the_docs_page_renders_the_schema_with_no_script_blocked(live_server):
    from playwright.sync_api import sync_playwright

    violations, requests = [], []
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync API runs an event loop here
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--disable-gpu", "--no-first-run"]
            )
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.on("request", lambda request: requests.append(request.url))
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            response = page.goto(live_server.url + "/api/v1/docs/")
            # Swagger UI drew the schema: the API's title and an operation of the worker's.
            page.wait_for_selector(".swagger-ui .info .title")
            title = page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector('[data-path="/api/v1/worker/projects"]', state="attached")
            csp = response.headers["content-security-policy"]
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous

    assert "script-src 'self'" in csp and "unsafe" not in csp
    assert title.startswith("microwork")
    assert violations == []  # nothing blocked: no script, no style, no image
    assert all(url.startswith(live_server.url) for url in requests), requests
