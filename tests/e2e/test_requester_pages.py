"""The requester's pages in a real browser: bugs of issue 16, each reproduced first."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.accounts.factories import RequesterFactory
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_new_project_page_asks_for_a_preview_only_once_there_is_a_template(
    live_server, context, page, client
):
    """It used to post the empty form to the preview endpoint on opening, which answered 400."""
    log_in(context, live_server, client, RequesterFactory())
    answers = []
    preview = reverse("projects:template-preview")
    page.on(
        "response",
        lambda response: (
            answers.append(response.status) if response.url.endswith(preview) else None
        ),
    )

    page.goto(live_server.url + reverse("projects:project-create"))
    status = page.locator("[data-preview-status]")
    expect(status).to_have_text("The preview appears as you fill in the template.")
    page.locator("[name=template_html]").fill(
        '<p>${text}</p><label><input type="radio" name="answer" value="yes" required> yes</label>'
    )

    expect(page.locator("[data-preview-columns]")).to_have_text("text")
    assert answers == [200]
    assert page.locator("[data-preview-error]").is_hidden()
