"""Dark mode (issue 16): site.css swaps its colour tokens when the browser prefers a dark
scheme, and the pages people use most still pass axe-core with no serious or critical
violation. Each is saved at 360 and 1280 px under DATA_DIR/screenshots/pages-dark/en/<width>/
to look at; Chromium emulates the preference (Playwright's color_scheme, the DevTools
protocol's Emulation.setEmulatedMedia)."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import findings, walk_pages
from tests.web.test_get_urls import world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# One page of each kind: landing, worker, requester, money, charts, forms, empty states.
DARK_PAGES = {
    "home",
    "work:marketplace",
    "work:assignment-detail",
    "work:history",
    "projects:project-list",
    "projects:project-detail",
    "projects:batch-review",
    "projects:project-create",
    "payments:requester-balance",
    "payments:worker-earnings",
    "fairness:worker-dashboard",
    "observatory:index",
    "notifications:list",
    "quality:worker-standing",
}


@pytest.mark.parametrize(
    ("scheme", "background"), [("light", "rgb(244, 246, 250)"), ("dark", "rgb(14, 19, 27)")]
)
def test_page_background_follows_the_browsers_colour_scheme(
    live_server, browser, scheme, background
):
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + reverse("home"))

    shown = page.evaluate("getComputedStyle(document.body).backgroundColor")

    context.close()
    assert shown == background


def test_representative_pages_have_no_serious_or_critical_axe_violation_in_dark_mode(
    world,  # noqa: F811 (the fixture imported above)
    live_server,
    browser,
):
    violations, checked = walk_pages(
        world, live_server, browser, language="en", scheme="dark", only=DARK_PAGES
    )

    assert not violations, findings(violations)
    assert set(checked) == DARK_PAGES
