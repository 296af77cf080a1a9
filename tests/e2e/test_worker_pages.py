"""The worker's pages in a real browser: bugs of issue 16, each reproduced first."""

import pytest
from playwright.sync_api import expect

from microwork.projects.enums import TemplateKind
from microwork.quality.models import GoldSettings
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.e2e.conftest import accept, log_in, save_screenshot
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

pytestmark = pytest.mark.django_db(transaction=True)

REVIEW = {
    "text_column": "review",
    "labels": ["positive", "negative"],
    "question": "What is the tone of this review?",
}


def _gold_project(*, shows_feedback: bool):
    """A published batch whose every claim hands out its gold task ("positive" the known
    answer, two slots), beside an ordinary task; training mode or not."""
    project = ProjectFactory(
        template_kind=TemplateKind.TEXT_CLASSIFICATION,
        template_html="",
        template_config=REVIEW,
        assignments_per_task=2,
    )
    GoldSettings.objects.create(
        project=project, shows_feedback=shows_feedback, mixing_rate_percent=100
    )
    batch = PublishedBatchFactory(project=project, columns=["review"])
    TaskFactory(batch=batch, input={"review": "Works well."}, gold={"label": "positive"})
    TaskFactory(batch=batch, input={"review": "Broke at once."})
    return project


def test_training_feedback_stays_until_the_worker_goes_on(page, context, live_server, client):
    """It used to be replaced by the next page within 100 ms: nobody could read it."""
    project = _gold_project(shows_feedback=True)
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    frame = accept(page, live_server, project)
    work_page = page.url

    frame.get_by_label("negative").check()
    frame.locator("button[type=submit]").click()

    expect(page.locator("#work-feedback")).to_be_visible()
    expect(frame.get_by_text("The right answer: label: positive.")).to_be_visible()
    assert page.url == work_page
    assert Assignment.objects.get(worker=worker).state == AssignmentState.SUBMITTED
    save_screenshot(page, "training_feedback")

    # Continue goes on (here to the history): the test ends on a page that reports nothing
    # more, so no late request from a work page reaches the server after the test.
    page.click("#work-feedback-continue")
    page.wait_for_url("**/work/history/")


def test_a_right_gold_answer_moves_on_at_once(page, context, live_server, client):
    project = _gold_project(shows_feedback=True)
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    frame = accept(page, live_server, project)

    frame.get_by_label("positive").check()
    frame.locator("button[type=submit]").click()

    page.wait_for_url("**/work/history/")
    assert page.locator("#work-feedback").count() == 0
