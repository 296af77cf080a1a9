"""The worker's flow in a real browser (issue 16): a message after each submission and the
session's tally on the work bar, a task frame sized to its content, instructions open the
first time."""

import pytest
from playwright.sync_api import expect

from microwork.projects.enums import TemplateKind
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.e2e.conftest import accept, log_in, save_screenshot, wait_until
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 800}
# Twelve labels: the form is taller than the frame's 60vh at 1280×800, so before the frame was
# sized to its content, its Submit button sat below the frame's own fold.
LABELS = [f"label {n}" for n in range(1, 13)]


def _project(*, tasks: int = 2, labels=("positive", "negative"), **fields):
    project = ProjectFactory(
        template_kind=TemplateKind.TEXT_CLASSIFICATION,
        template_html="",
        template_config={
            "text_column": "review",
            "labels": list(labels),
            "question": "What is the tone of this review?",
        },
        assignments_per_task=1,
        **fields,
    )
    batch = PublishedBatchFactory(project=project, columns=["review"])
    for n in range(tasks):
        TaskFactory(batch=batch, input={"review": f"Review {n}."})
    return project


def _leave(page, live_server) -> None:
    """Leave the work page for the history page before the test ends, so the work page's last
    active-time beacon (sent as it is left) is answered before the database is emptied."""
    page.goto(f"{live_server.url}/work/history/")
    page.wait_for_load_state("networkidle")


def _submit(page, frame, label: str) -> None:
    frame.get_by_label(label).check()
    frame.locator("button[type=submit]").click()


def test_each_submission_is_confirmed_on_the_next_page_and_counted_in_the_bar(
    page, context, live_server, client
):
    """Nothing said a submission had gone through, and nothing counted the session's work."""
    project = _project(title="Tone of reviews", reward_cents=4)
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    frame = accept(page, live_server, project, and_next=True)
    assert page.locator("#work-tally").count() == 0  # nothing done yet this session
    first_page = page.url

    _submit(page, frame, "positive")

    page.wait_for_url(lambda url: url != first_page and "/work/assignments/" in url)
    expect(page.locator(".messages")).to_have_text("Submitted: Tone of reviews, 0.04 EUR")
    expect(page.locator("#work-tally")).to_have_text("This session: 1 task, 0.04 EUR")
    save_screenshot(page, "work_flow_tally")

    page.uncheck("#submit-and-next")
    frame = page.frame_locator("iframe.task-frame")
    _submit(page, frame, "negative")

    page.wait_for_url("**/work/history/")
    expect(page.locator(".messages")).to_have_text("Submitted: Tone of reviews, 0.04 EUR")
    assert Assignment.objects.filter(worker=worker, state=AssignmentState.SUBMITTED).count() == 2


def test_the_tally_and_message_are_in_french(page, context, live_server, client):
    project = _project(title="Ton des avis", reward_cents=4, tasks=2)
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    frame = accept(page, live_server, project, and_next=True)
    first_page = page.url

    _submit(page, frame, "positive")

    page.wait_for_url(lambda url: url != first_page and "/work/assignments/" in url)
    expect(page.locator(".messages")).to_have_text("Envoyé\u00a0: Ton des avis, 0,04\u00a0€")
    expect(page.locator("#work-tally")).to_have_text("Cette session\u00a0: 1 tâche, 0,04\u00a0€")
    _leave(page, live_server)


def test_the_task_frame_fits_its_content_so_submit_is_not_below_its_fold(
    browser, live_server, client
):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        project = _project(labels=LABELS, tasks=1)
        log_in(context, live_server, client, WorkerFactory())
        accept(page, live_server, project)
        task_frame = page.frames[1]

        # The frame's document scrolls no more: its whole content is inside the frame's box.
        wait_until(
            page,
            lambda: task_frame.evaluate(
                "document.documentElement.scrollHeight <= window.innerHeight"
            ),
        )
        box = task_frame.evaluate(
            "(() => { const r = document.querySelector('.mw-submit button')"
            ".getBoundingClientRect(); return [r.bottom, window.innerHeight]; })()"
        )
        assert box[0] <= box[1]
        save_screenshot(page, "work_frame_fits_1280")

        height = page.locator("#task-frame").evaluate("f => f.getBoundingClientRect().height")
        # The page itself, or anything but a number, cannot size the frame.
        page.evaluate("window.postMessage({type: 'microwork:height', height: 90000}, '*')")
        task_frame.evaluate("parent.postMessage({type: 'microwork:height', height: 'x'}, '*')")
        page.wait_for_timeout(300)
        assert page.locator("#task-frame").evaluate(
            "f => f.getBoundingClientRect().height"
        ) == pytest.approx(height, abs=1)
        # The frame's own word is clamped.
        task_frame.evaluate("parent.postMessage({type: 'microwork:height', height: 1e9}, '*')")
        expect(page.locator("#task-frame")).to_have_css("height", "6002px")  # and its border
        _leave(page, live_server)
    finally:
        context.close()


def test_instructions_are_open_until_the_worker_has_done_a_task_of_the_project(
    page, context, live_server, client
):
    project = _project(instructions="Read the whole review first.")
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    frame = accept(page, live_server, project, and_next=True)
    first_page = page.url
    expect(page.locator("details.work-instructions")).to_have_attribute("open", "")

    _submit(page, frame, "positive")

    page.wait_for_url(lambda url: url != first_page and "/work/assignments/" in url)
    expect(page.locator("details.work-instructions")).not_to_have_attribute("open", "")
    _leave(page, live_server)
