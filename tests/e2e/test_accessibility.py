"""Every page passes axe-core with no serious or critical violation (issue 16), in English and
in French, at a phone's width, and each is saved as a screenshot at 360 and at 1280 px wide
(DATA_DIR/screenshots/pages/<language>/<width>/) to look at.

The pages are the authorization matrix's (tests/web/test_get_urls.py): every route name whose
answer is 200 for some role, opened by the first such role in ROLES_BY_PREFERENCE, on the same
seeded world. Downloads and API answers (not HTML) are left out. axe-core 4.14.1 is vendored
from npm under tests/e2e/vendor (MPL-2.0, its LICENSE beside it) and evaluated in the page
through the DevTools protocol, which the strict CSP does not govern. Requester templates run in
sandboxed frames of their own origin: they are the requester's content, not the platform's,
and axe neither enters them (iframes: false) nor opens their addresses (NOT_OURS).
"""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import PHONE, log_in, save_screenshot
from tests.web.test_get_urls import MATRIX, OK, ROLES, URLS, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()
# Not the platform's markup: the REST API's docs are Swagger UI's own page (ninja's template),
# and a task frame holds the requester's template, checked by nobody but its author.
NOT_OURS = {
    "api-v1:openapi-view",
    "projects:batch-preview-frame",
    "projects:template-preview-frame",
    "work:assignment-frame",
    "work:project-preview-frame",
}
DESKTOP = {"width": 1280, "height": 800}
ROLES_BY_PREFERENCE = ("owner", "worker", "staff", "anonymous", "other_worker", "other_requester")
FAILING_IMPACTS = ("serious", "critical")
RUN_AXE = """
() => axe.run(document, {resultTypes: ["violations"], iframes: false}).then(result =>
  result.violations
    .filter(violation => ["serious", "critical"].includes(violation.impact))
    .map(violation => violation.id + " (" + violation.impact + "): " + violation.help + " at "
         + violation.nodes.slice(0, 3).map(node => node.target.join(" ")).join(", ")))
"""

# The element reaching furthest right outside any box that scrolls or clips: the culprit when a
# page is wider than the screen. An absolutely placed element escapes a scrolling box that is not
# positioned itself, so only its positioned ancestors count.
WIDEST_ELEMENT = """
() => {
  const clipped = element => {
    const placed = getComputedStyle(element).position === "absolute";
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      if (placed && getComputedStyle(parent).position === "static") continue;
      if (getComputedStyle(parent).overflowX !== "visible") return true;
    }
    return false;
  };
  let widest = null, right = document.documentElement.clientWidth;
  for (const element of document.querySelectorAll("body *")) {
    const edge = element.getBoundingClientRect().right;
    if (edge > right && !clipped(element)) { widest = element; right = edge; }
  }
  if (!widest) return "nothing found";
  const classes = typeof widest.className === "string" ? widest.className.trim() : "";
  const name = widest.tagName.toLowerCase() + (classes ? "." + classes.split(/\\s+/).join(".") : "");
  return name + " reaches " + Math.round(right) + " px: " + widest.textContent.trim().slice(0, 60);
}
"""


def pages_by_role(seeded) -> dict[str, list[tuple[str, str]]]:
    """{role: [(route name, address)]}: each route answering 200 to someone, once."""
    pages = defaultdict(list)
    for name, url_of in sorted(URLS.items()):
        if name in NOT_OURS:
            continue
        row = MATRIX[name]
        role = next((r for r in ROLES_BY_PREFERENCE if row[ROLES.index(r)] == OK), None)
        if role is not None:
            pages[role].append((name, url_of(seeded)))
    return pages


def walk_pages(
    seeded, live_server, browser, *, language: str, scheme: str = "light", only=None
) -> tuple[dict[str, list[str]], list[str]]:
    """Open each page in `scheme` ("light" or "dark", the prefers-color-scheme the browser
    emulates), run axe on it and save it at 360 and 1280 px under
    pages/<language>/<width>/ (pages-dark/... in dark mode). `only`: the route names to open,
    or every page. Return ({route name: serious or critical findings}, the names checked)."""
    folder = "pages" if scheme == "light" else f"pages-{scheme}"
    violations, checked = {}, []
    for role, pages in pages_by_role(seeded).items():
        pages = [(name, url) for name, url in pages if only is None or name in only]
        if not pages:
            continue
        context = browser.new_context(viewport=PHONE, locale=language, color_scheme=scheme)
        context.set_default_timeout(15_000)
        cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}
        context.add_cookies([cookie])
        user = seeded.users[role]
        if user is not None:
            log_in(context, live_server, Client(), user)
        page = context.new_page()
        for name, url in pages:
            # Asked first without the browser, so that a download does not start one.
            head = context.request.get(live_server.url + url, max_redirects=0)
            if not head.headers.get("content-type", "").startswith("text/html"):
                continue
            response = page.goto(live_server.url + url)
            assert response.status == 200, f"{name} as {role}: {response.status}"
            page.evaluate(AXE_SOURCE)
            found = page.evaluate(RUN_AXE)
            # A phone scrolls a wide table inside its own box, never the whole page sideways.
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                widest = page.evaluate(WIDEST_ELEMENT)
                found.append(
                    f"the page is {width} px wide on a {PHONE['width']} px screen: {widest}"
                )
            if found:
                violations[name] = found
            checked.append(name)
            shot = re.sub(r"[^a-z0-9-]+", "_", name)
            save_screenshot(page, f"{folder}/{language}/360/{shot}")
            # The same page on a desktop's width, to look at (axe's findings do not depend on it).
            page.set_viewport_size(DESKTOP)
            save_screenshot(page, f"{folder}/{language}/1280/{shot}")
            page.set_viewport_size(PHONE)
        context.close()
    return violations, checked


def findings(violations: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{name}: {finding}" for name, found in sorted(violations.items()) for finding in found
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_has_no_serious_or_critical_axe_violation(
    world,  # noqa: F811 (the fixture imported above)
    live_server,
    browser,
    language,
):
    violations, checked = walk_pages(world, live_server, browser, language=language)

    assert not violations, findings(violations)
    # The walk reached the pages people use most: a guard against a world that seeds nothing.
    assert {"home", "work:marketplace", "projects:batch-review", "projects:project-list"} <= set(
        checked
    )
