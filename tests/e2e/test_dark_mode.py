"""Dark mode (issue 16): site.css swaps its colour tokens when the browser prefers a dark
scheme, and the pages people use most still pass axe-core with no serious or critical
violation. Each is saved at 360 and 1280 px under DATA_DIR/screenshots/pages-dark/en/<width>/
to look at; Chromium emulates the preference (Playwright's color_scheme, the DevTools
protocol's Emulation.setEmulatedMedia)."""

import pytest
from django.test import Client
from django.urls import reverse

from microwork.demo.observatory import observatory_seed
from tests.e2e.conftest import PHONE, log_in, save_screenshot
from tests.e2e.test_accessibility import DESKTOP, findings, walk_pages
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


def test_printed_page_is_black_on_white_without_header_whatever_the_screens_scheme(
    live_server, browser
):
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    page = context.new_page()
    page.goto(live_server.url + reverse("home"))
    page.emulate_media(media="print")

    shown = page.evaluate(
        """() => ({
        background: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.body).color,
        header: getComputedStyle(document.querySelector(".site-header")).display})"""
    )

    context.close()
    assert shown == {"background": "rgb(255, 255, 255)", "text": "rgb(0, 0, 0)", "header": "none"}


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


def test_dashboard_bar_charts_take_the_dark_palette(
    world,  # noqa: F811 (the fixture imported above)
    live_server,
    browser,
):
    """The requester's charts (templates/_bar_chart.html) name their parts by class, which
    site.css colours with the tokens: in dark mode the bars and labels are light."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    log_in(context, live_server, Client(), world.users["owner"])
    page = context.new_page()
    page.goto(live_server.url + reverse("projects:project-list"))

    colours = page.evaluate(
        """() => ({
        bar: getComputedStyle(document.querySelector("svg.bar-chart rect")).fill,
        label: getComputedStyle(document.querySelector("svg.bar-chart text")).fill})"""
    )

    context.close()
    assert colours == {"bar": "rgb(140, 180, 255)", "label": "rgb(166, 176, 191)"}


@pytest.mark.postgres
def test_observatory_charts_take_the_dark_palette(live_server, browser):
    """The observatory's server-drawn SVG charts are coloured by the tokens, so their bars and
    labels stay visible on the dark page (postgres: the demo population's snapshot needs it)."""
    observatory_seed()
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    page.goto(live_server.url + reverse("observatory:index"))

    colours = page.evaluate(
        """() => ({
        bar: getComputedStyle(document.querySelector("svg.chart .chart-bar")).fill,
        label: getComputedStyle(document.querySelector("svg.chart .chart-label")).fill})"""
    )

    save_screenshot(page, "pages-dark/en/1280/observatory_index_published")
    page.locator("#hourly_wage_histogram").scroll_into_view_if_needed()
    save_screenshot(page, "pages-dark/en/1280/observatory_index_published_wages")
    context.close()
    assert colours == {"bar": "rgb(140, 180, 255)", "label": "rgb(230, 235, 242)"}
