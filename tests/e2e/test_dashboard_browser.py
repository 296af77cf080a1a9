"""The requester dashboard's charts in a real browser (issue 16): answers per hour, progress
over time and agreement fit a phone's width, each with its sentence; in English and French."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.factories import RequesterFactory
from tests.e2e.conftest import log_in, save_screenshot
from tests.e2e.test_accessibility import AXE_SOURCE, RUN_AXE
from tests.projects.test_dashboard_charts import _voted

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_dashboard_charts_fit_a_phone(live_server, context, page, client, language):
    requester = RequesterFactory()
    _voted(requester, "Cats", [["cat", "cat", "dog"], ["dog", "dog", "dog"]])
    _voted(requester, "Letters", [["a", "a", "a"], ["b", "a", "b"]])
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    log_in(context, live_server, client, requester)

    page.goto(live_server.url + reverse("projects:project-list"))

    charts = page.locator("svg.bar-chart")
    assert charts.count() == 3
    for index in range(3):
        chart = charts.nth(index)
        caption = chart.get_attribute("aria-labelledby")
        assert page.locator(f"#{caption}").inner_text().strip()
        box = chart.bounding_box()
        assert 0 < box["x"] and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.evaluate(AXE_SOURCE)
    assert page.evaluate(RUN_AXE) == []
    agreement = page.locator("#agreement-chart-caption")
    agreement.scroll_into_view_if_needed()
    save_screenshot(page, f"dashboard/{language}-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#progress-chart-caption").scroll_into_view_if_needed()
    save_screenshot(page, f"dashboard/{language}-1280")
