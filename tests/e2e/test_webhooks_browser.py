"""A requester sets up a webhook on a phone-sized screen: adds an endpoint (a real receiver on
this machine), copies the secret shown once, sends a test event that arrives signed, and reads
the delivery log; no page is wider than the screen."""

import pytest
from django.urls import reverse

from tests.accounts.factories import RequesterFactory
from tests.e2e.conftest import log_in, save_screenshot
from tests.webhooks.receivers import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def immediate_queue():
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


def _fits(page) -> bool:
    """No horizontal scrolling of the page (a table or a payload may scroll in its box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_requester_adds_an_endpoint_and_sends_it_a_test_event(
    page, context, live_server, client, settings, receiver, immediate_queue
):
    settings.MICROWORK_WEBHOOKS_ALLOW_LOCAL = True
    requester = RequesterFactory()
    log_in(context, live_server, client, requester)

    page.goto(live_server.url + reverse("webhooks:endpoint-list"))
    assert _fits(page)
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("An assignment was submitted").check()
    page.get_by_role("button", name="Add the endpoint").click()

    secret = page.locator("#signing-secret").inner_text()
    assert secret.startswith("whsec_")
    assert _fits(page)
    receiver.secrets = [secret]
    page.get_by_role("link", name="Go to the endpoint").click()
    page.get_by_role("button", name="Send a test event").click()

    [arrival] = receiver.arrivals
    assert arrival.verified == [True]
    assert arrival.payload["type"] == "webhook.test"
    log = page.locator("table tbody tr").first
    assert "webhook.test" in log.inner_text()
    assert "Succeeded" in log.inner_text()
    assert " ms" in log.inner_text()
    assert _fits(page)
    save_screenshot(page, "webhooks-endpoint")
    log.get_by_role("link").click()
    assert arrival.headers["webhook-id"] in page.content()
    assert _fits(page)
