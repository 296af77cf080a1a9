"""The requester's pages in a real browser: bugs of issue 16, each reproduced first."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from microwork.payments import services as payments
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory
from tests.e2e.conftest import log_in
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks
from tests.work.factories import SubmittedAssignmentFactory

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


def test_publishing_asks_first_and_a_no_changes_nothing(live_server, context, page, client):
    """Publish, approve-all, reject and cancel used to act on the first click (issue 16)."""
    requester = RequesterFactory()
    fund(requester, 10_000)
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    make_tasks(batch, 2)
    log_in(context, live_server, client, requester)
    page.goto(live_server.url + reverse("projects:batch-detail", args=[batch.pk]))
    questions = []

    def say(answer):
        def handle(dialog):
            questions.append(dialog.message)
            dialog.accept() if answer else dialog.dismiss()

        return handle

    page.once("dialog", say(False))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_timeout(300)  # a refused confirmation sends nothing: give it time to be wrong
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert payments.balance(payments.requester_available(requester)) == 10_000

    page.once("dialog", say(True))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert len(questions) == 2
    assert questions[0].startswith("Publish this batch? ")
    assert "moves from your balance into its escrow" in questions[0]


def test_review_by_keyboard_and_select_all(live_server, context, page, client):
    """Review tools missing before issue 16: a box for every row, and keys to decide."""
    requester = RequesterFactory()
    fund(requester, 10_000)
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    make_tasks(batch, 2)
    projects.batch_publish(batch=batch)
    first, second = (
        SubmittedAssignmentFactory(task=task) for task in batch.tasks.order_by("row_number")
    )
    log_in(context, live_server, client, requester)
    page.goto(live_server.url + reverse("projects:batch-review", args=[batch.pk]))

    page.get_by_label("Select every submission on this page").check()
    assert page.locator('input[name="selected"]:checked').count() == 2
    page.get_by_label("Select every submission on this page").uncheck()
    assert page.locator('input[name="selected"]:checked').count() == 0

    expect(page.locator(".review-keys")).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.get_by_text("1 submission approved.")).to_be_visible()
    assert Assignment.objects.get(pk=first.pk).state == AssignmentState.APPROVED
    assert Assignment.objects.get(pk=second.pk).state == AssignmentState.SUBMITTED
