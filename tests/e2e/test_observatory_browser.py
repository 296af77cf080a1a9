"""The observatory on a phone: the demo's synthetic population published, in English and in
French, at 360 px; no chart or table makes the page wider than the screen (tables scroll in
their own box), and the page runs no script."""

import pytest
from django.urls import reverse

from microwork.demo.observatory import observatory_seed
from tests.e2e.conftest import save_screenshot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_observatory_page_reads_on_a_phone_in_both_languages(page, context, live_server, language):
    observatory_seed()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(live_server.url + reverse("observatory:index"))

    title = {"en": "Observatory of micro-work", "fr": "Observatoire du micro-travail"}[language]
    assert page.locator("h1").inner_text() == title
    assert page.locator("svg.chart").count() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []  # no CSP violation, nothing blocked
    save_screenshot(page, f"observatory-{language}")
    page.locator("#hourly_wage_histogram").scroll_into_view_if_needed()
    save_screenshot(page, f"observatory-{language}-wages")
