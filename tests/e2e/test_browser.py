"""The worker's path in a real browser (Playwright driving Debian's headless Chromium at a
360 px wide viewport): the sandbox holds, one task of each ready-made type is done and its
answer lands in the database exactly, and a refused answer changes nothing.

Needs /usr/bin/chromium (`.ci/run` installs it) and PostgreSQL: the live server needs a
transactional database, and on SQLite its flush would trip the ledger's append-only triggers.
"""

import base64
import io

import pytest
from PIL import Image, ImageDraw

from microwork.projects.enums import TemplateKind
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.e2e.conftest import accept, log_in, save_screenshot, wait_until
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory, make_tasks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# A hostile template: it tries to read the worker's cookies and the platform page around it,
# and records what happened in the answer it submits.
PROBE_TEMPLATE = """
<p id="text">${text}</p>
<input type="hidden" name="cookie_probe" id="cookie_probe" value="">
<input type="hidden" name="parent_probe" id="parent_probe" value="">
<label><input type="radio" name="answer" value="yes" required> yes</label>
<script>
try { document.getElementById("cookie_probe").value = "read:" + document.cookie; }
catch (e) { document.getElementById("cookie_probe").value = "blocked:" + e.name; }
try { document.getElementById("parent_probe").value = "read:" + window.parent.document.title; }
catch (e) { document.getElementById("parent_probe").value = "blocked:" + e.name; }
</script>
"""


def _one_task_project(kind, config, row, *, template_html=""):
    """A published project of `kind` with one task, the row `row`, and one slot."""
    project = ProjectFactory(
        template_kind=kind,
        template_html=template_html,
        template_config=config,
        assignments_per_task=1,
    )
    batch = PublishedBatchFactory(project=project, columns=list(row))
    TaskFactory(batch=batch, input=row)
    return project


def _image_data_url(width: int, height: int, *, box=None) -> str:
    """A picture as a data: address (the frame allows data: images), no server needed: grey,
    with a dark rectangle at `box` (x1, y1, x2, y2) to draw around."""
    image = Image.new("RGB", (width, height), (170, 180, 190))
    if box:
        ImageDraw.Draw(image).rectangle(box, fill=(40, 60, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _submitted(worker):
    return Assignment.objects.filter(worker=worker, state=AssignmentState.SUBMITTED).first()


def _refusal_shown(page, frame, message: str) -> None:
    """The frame says "Not submitted" with `message`, and the work page repeats it."""
    result = frame.locator("#mw-result")
    result.wait_for()
    assert result.locator("h1").inner_text() == "Not submitted"
    assert message in result.inner_text()
    status = page.locator("#work-status")
    status.wait_for()
    assert message in status.inner_text()


def _assert_open_and_unanswered(assignment) -> None:
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert assignment.answers in ({}, None)
    assert assignment.submitted_at is None


def test_worker_submits_in_sandboxed_frame_and_gets_next_task(page, context, live_server, client):
    project = ProjectFactory(
        template_kind=TemplateKind.CUSTOM_HTML, template_html=PROBE_TEMPLATE, assignments_per_task=1
    )
    batch = PublishedBatchFactory(project=project)
    make_tasks(batch, 2)
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project, and_next=True)
    first = Assignment.objects.get(worker=worker)
    assert first.public_id in page.url
    assert page.get_attribute("iframe.task-frame", "sandbox") == "allow-forms allow-scripts"
    frame.locator("input[name=answer]").check()
    save_screenshot(page, "custom_html")
    frame.locator("button[type=submit]").click()

    second = wait_until(
        page, lambda: Assignment.objects.filter(worker=worker).exclude(pk=first.pk).first()
    )
    page.wait_for_url(f"**/work/assignments/{second.public_id}/")
    first.refresh_from_db()
    assert first.state == AssignmentState.SUBMITTED
    assert first.answers == {
        "answer": "yes",
        "cookie_probe": "blocked:SecurityError",
        "parent_probe": "blocked:SecurityError",
    }
    assert second.task_id != first.task_id
    assert second.state == AssignmentState.ACCEPTED


def _submit_and_wait(page, frame, worker):
    """Press the frame's Submit; the work page then goes to the history: the answer is stored."""
    frame.locator("button[type=submit]").click()
    page.wait_for_url("**/work/history/")
    return _submitted(worker)


def test_worker_classifies_an_image_with_a_hotkey(page, context, live_server, client):
    project = _one_task_project(
        TemplateKind.IMAGE_CLASSIFICATION,
        {"image_column": "image_url", "labels": ["cat", "dog", "bird"], "cant_tell": True},
        {"image_url": _image_data_url(640, 480, box=(200, 150, 440, 330))},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project)
    # A tap on the picture gives the frame the keyboard focus, as a worker's first look would.
    frame.locator(".mw-image img").click()
    page.keyboard.press("2")
    assert frame.locator("input[value=dog]").is_checked()
    save_screenshot(page, "image_classification")
    page.keyboard.press("Enter")
    page.wait_for_url("**/work/history/")

    assert _submitted(worker).answers == {"label": "dog"}


def test_worker_classifies_a_text_by_clicking_a_label(page, context, live_server, client):
    project = _one_task_project(
        TemplateKind.TEXT_CLASSIFICATION,
        {
            "text_column": "review",
            "context_column": "product",
            "labels": ["positive", "neutral", "negative"],
            "question": "What is the tone of this review?",
        },
        {"product": "Kettle", "review": "It leaks after a week & the lid <b>sticks</b>."},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project)
    # The row's text is shown as text, markup and all, not run as HTML.
    assert frame.locator(".mw-text").inner_text() == (
        "It leaks after a week & the lid <b>sticks</b>."
    )
    frame.get_by_label("negative").check()
    save_screenshot(page, "text_classification")

    assert _submit_and_wait(page, frame, worker).answers == {"label": "negative"}
