"""The worker's path in a real browser (Playwright driving Debian's headless Chromium at a
360 px wide viewport): the sandbox holds, one task of each ready-made type is done and its
answer lands in the database exactly, and a refused answer changes nothing.

Needs /usr/bin/chromium (`.ci/run` installs it); runs on SQLite and on PostgreSQL (the live
server's transactional database and the ledger's triggers: tests/e2e/conftest.py).
"""

import base64
import io
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import storages
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.field_photo import GPS_IFD, haversine_m
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.e2e.conftest import (
    SiteHandler,
    _wait_for_requests_in_flight,
    accept,
    accept_previewed,
    log_in,
    save_screenshot,
    serve,
)
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory, make_tasks

pytestmark = pytest.mark.django_db(transaction=True)

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


def _next_assignment(page, worker, first) -> Assignment:
    """The assignment the work page moved on to after `first`. The browser's address says when,
    and the database is read only once the browser is closed and the live server has finished
    its requests: on SQLite the server shares the test's connection, so reading it while the
    server submits and accepts the next task could break either side's statement."""
    page.wait_for_url(
        lambda url: "/work/assignments/" in url and first.public_id not in url, timeout=10_000
    )
    shown = page.url
    page.context.close()
    _wait_for_requests_in_flight()
    second = Assignment.objects.exclude(pk=first.pk).get(worker=worker)
    assert f"/work/assignments/{second.public_id}/" in shown
    return second


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


def _image_data_url(width: int, height: int, *, box=None, text: str = "") -> str:
    """A picture as a data: address (the frame allows data: images), no server needed: grey,
    with a dark rectangle at `box` (x1, y1, x2, y2) to draw around, or a line of `text`."""
    image = Image.new("RGB", (width, height), (170, 180, 190))
    draw = ImageDraw.Draw(image)
    if box:
        draw.rectangle(box, fill=(40, 60, 90))
    if text:
        draw.text((20, height // 3), text, fill=(20, 20, 20), font=ImageFont.load_default(48))
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

    second = _next_assignment(page, worker, first)
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


def _back_to_the_task(frame) -> None:
    frame.get_by_role("link", name="Back to the task").click()
    frame.locator("form.mw-task-form").wait_for()


def test_worker_fixes_a_transcription_the_server_refused(page, context, live_server, client):
    project = _one_task_project(
        TemplateKind.TRANSCRIPTION,
        {
            "image_column": "image_url",
            "question": "Type the total of this receipt.",
            "case": "upper",
        },
        {"image_url": _image_data_url(480, 120, text="Total 12.50")},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project)
    assignment = Assignment.objects.get(worker=worker)
    assert frame.locator("#mw-rules").inner_text() == "Type in UPPER CASE."
    frame.locator("#mw-text").fill("Total 12.50")
    frame.locator("button[type=submit]").click()

    _refusal_shown(page, frame, "Type the text in UPPER CASE.")
    _assert_open_and_unanswered(assignment)

    _back_to_the_task(frame)
    frame.locator("#mw-text").fill("TOTAL 12.50")
    save_screenshot(page, "transcription")

    assert _submit_and_wait(page, frame, worker).answers == {"text": "TOTAL 12.50"}


def test_worker_draws_moves_resizes_and_deletes_boxes(page, context, live_server, client):
    project = _one_task_project(
        TemplateKind.BOUNDING_BOXES,
        {"image_column": "image_url", "labels": ["car", "person"], "question": "Box the car."},
        {"image_url": _image_data_url(640, 480, box=(200, 150, 440, 330))},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project)
    image = frame.locator(".mw-stage img")
    image.scroll_into_view_if_needed()
    # The 640 px picture is shown smaller on a 360 px screen: the page turns screen pixels back
    # into pixels of the original image, and that is what must be stored.
    shown = image.bounding_box()
    scale = shown["width"] / 640
    assert scale < 1

    def on_screen(x, y):
        return shown["x"] + x * scale, shown["y"] + y * scale

    # Drag around the dark rectangle (200, 150)–(440, 330) of the original image.
    page.mouse.move(*on_screen(200, 150))
    page.mouse.down()
    page.mouse.move(*on_screen(320, 240), steps=4)
    page.mouse.move(*on_screen(440, 330), steps=4)
    page.mouse.up()
    # The new box is selected and the drawing area has the focus: 2 labels it "person", an
    # arrow moves it by 1% of the width (6 px), Shift+arrow grows it by 1% of the height (5 px).
    page.keyboard.press("2")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    # N adds a second box in the middle; Delete removes the selected one again.
    page.keyboard.press("n")
    assert frame.locator(".mw-box").count() == 2
    page.keyboard.press("Delete")
    assert frame.locator(".mw-box").count() == 1
    save_screenshot(page, "bounding_boxes")

    answers = _submit_and_wait(page, frame, worker).answers
    assert (answers["image_width"], answers["image_height"]) == (640, 480)
    [box] = answers["boxes"]
    assert box["label"] == "person"
    # One screen pixel is 1/scale image pixels: the drag is exact to within that.
    within = 1 / scale + 0.1
    assert box["x1"] == pytest.approx(200 + 6, abs=within)
    assert box["y1"] == pytest.approx(150, abs=within)
    assert box["x2"] == pytest.approx(440 + 6, abs=within)
    assert box["y2"] == pytest.approx(330 + 5, abs=within)
    # And the keyboard's steps are exact: the box is as wide as drawn, 5 px taller.
    assert box["x2"] - box["x1"] == pytest.approx(240, abs=2 * within)


def _jpeg_with_location(width: int, height: int) -> bytes:
    """A JPEG that, like a phone's photo, records where it was taken in its EXIF."""
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 25.0), 3: "E", 4: (2.0, 21.0, 8.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 60)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_worker_photographs_a_place_only_from_inside_its_radius(
    page, context, live_server, client, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    target = (48.8566, 2.3522)
    far, near = (48.8666, 2.3522), (48.8570, 2.3530)
    project = _one_task_project(
        TemplateKind.FIELD_PHOTO,
        {
            "place_column": "place",
            "latitude_column": "latitude",
            "longitude_column": "longitude",
            "radius_m": 200,
            "question": "The shelf with the breakfast cereals.",
        },
        {"place": "Corner shop, Rue Cler 12", "latitude": "48.8566", "longitude": "2.3522"},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    photo = {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_with_location(64, 48)}
    # The work page asks the browser for the position (the sandboxed frame may not).
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": far[0], "longitude": far[1], "accuracy": 25})

    frame = accept(page, live_server, project)
    assignment = Assignment.objects.get(worker=worker)
    position = frame.locator(".mw-position")
    # The frame asks as it loads, again until the work page (position.js) answers.
    expect(position).to_have_text("Position found (within 25 m).")
    frame.locator("#mw-photo").set_input_files(photo)
    frame.locator(".mw-photo-preview").wait_for()
    frame.locator("button[type=submit]").click()

    distance = haversine_m(*far, *target)
    _refusal_shown(
        page,
        frame,
        f"You are about {distance:,.0f} m from the place, farther than the 200 m allowed. "
        "Go there and try again.",
    )
    _assert_open_and_unanswered(assignment)
    assert list(tmp_path.iterdir()) == []

    # At the shop, the worker opens the task again; the browser is asked for a fresh position.
    context.set_geolocation({"latitude": near[0], "longitude": near[1], "accuracy": 8})
    page.reload()
    frame.locator("form.mw-task-form").wait_for()
    frame.locator("#mw-photo").set_input_files(photo)
    frame.locator(".mw-photo-preview").wait_for()
    expect(position).to_have_text("Position found (within 8 m).")
    save_screenshot(page, "field_photo")

    answers = _submit_and_wait(page, frame, worker).answers
    name = answers["photo"]
    assert name.startswith("answer-files/") and name.endswith("/photo.jpg")
    assert datetime.fromisoformat(answers["captured_at"]).tzinfo is not None
    assert datetime.fromisoformat(answers["received_at"]).tzinfo is not None
    assert answers == {
        "photo": name,
        "latitude": near[0],
        "longitude": near[1],
        "accuracy_m": 8.0,
        "distance_m": round(haversine_m(*near, *target), 1),
        "captured_at": answers["captured_at"],
        "received_at": answers["received_at"],
    }
    # The one stored copy is the photo, without the location its EXIF carried.
    with storages["private"].open(name) as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
        assert image.getexif().get_ifd(GPS_IFD) == {}


def test_worker_enters_a_record_after_the_browser_refuses_a_bad_pattern(
    page, context, live_server, client
):
    project = _one_task_project(
        TemplateKind.DATA_ENTRY,
        {
            "source_columns": "company\nlisting",
            "fields": "sku | text | Product code | [A-Z]{3}-[0-9]{4}\n"
            "price | number | Price (EUR) | 0..1000 step 0.01\n"
            "released | date | Released | 2020-01-01..2030-12-31\n"
            "colour | choice | Colour | red, green, blue\n"
            "website | url | Website | optional",
        },
        {"company": "Kettles & Co", "listing": "ABC-1234 green kettle, 12.50 EUR, out 1 March"},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project)
    assignment = Assignment.objects.get(worker=worker)
    sku = frame.locator("#mw-f-sku")
    sku.fill("abc-12")
    frame.locator("#mw-f-price").fill("12.50")
    frame.locator("#mw-f-released").fill("2026-03-01")
    frame.locator("#mw-f-colour").select_option("green")
    frame.locator("button[type=submit]").click()

    # The browser refuses the form: the code does not match, and it says so on the field.
    assert sku.evaluate("input => input.validity.patternMismatch") is True
    assert sku.evaluate("input => input.validationMessage") != ""
    frame.locator("form.mw-task-form").wait_for()
    _assert_open_and_unanswered(assignment)

    sku.fill("ABC-1234")
    frame.locator("#mw-f-website").fill("https://kettles.example/abc-1234")
    assert sku.evaluate("input => input.validity.valid") is True
    save_screenshot(page, "data_entry")

    assert _submit_and_wait(page, frame, worker).answers == {
        "sku": "ABC-1234",
        "price": 12.5,
        "released": "2026-03-01",
        "colour": "green",
        "website": "https://kettles.example/abc-1234",
    }


def test_worker_answers_a_survey_with_its_required_questions(page, context, live_server, client):
    project = _one_task_project(
        TemplateKind.SURVEY,
        {
            "intro_column": "product",
            "questions": "clear | likert | The instructions were clear.\n"
            "device | single | What did you use? | phone, tablet, computer\n"
            "features | multiple | Which features did you try? | camera, keyboard, map\n"
            "comments | text | Anything else? | optional",
        },
        {"product": "The field-photo app"},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project)
    assignment = Assignment.objects.get(worker=worker)
    # Nothing answered: the browser stops at the first required question, the scale.
    frame.locator("button[type=submit]").click()
    agree = frame.locator("input[name=clear][value='4']")
    assert agree.evaluate("input => input.validity.valueMissing") is True
    _assert_open_and_unanswered(assignment)

    # A required multiple choice left empty: the browser cannot say "at least one box", the
    # server does, naming the question.
    agree.check()
    frame.locator("input[name=device][value=phone]").check()
    frame.locator("button[type=submit]").click()
    _refusal_shown(page, frame, "Which features did you try? This question needs an answer.")
    _assert_open_and_unanswered(assignment)

    _back_to_the_task(frame)
    frame.locator("input[name=clear][value='4']").check()
    frame.locator("input[name=device][value=phone]").check()
    frame.locator("input[name=features][value=map]").check()
    frame.locator("input[name=features][value=camera]").check()
    save_screenshot(page, "survey")

    assert _submit_and_wait(page, frame, worker).answers == {
        "clear": 4,
        "device": "phone",
        "features": ["camera", "map"],
        "comments": "",
    }


# The requester's own task page, on another origin: it reads MTurk's query parameters, shows
# the row's item, and posts its form to turkSubmitTo + "/mturk/externalSubmit", as MTurk pages
# do. The rating is a plain text box on purpose, so a wrong answer reaches the server's check.
REQUESTER_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Rate it</title>
<style>body{font:16px system-ui,sans-serif;margin:.5rem}label{display:block;margin:.5rem 0}
input,select,button{font:inherit;padding:.4rem;max-width:100%}</style></head><body>
<h1 id="item"></h1>
<form id="task" method="post">
<input type="hidden" name="assignmentId" id="assignmentId">
<input type="hidden" name="item" id="item-field">
<label>Rating from 1 to 5 <input type="text" name="rating" id="rating"></label>
<label>Would you buy it? <select name="label" id="label">
<option value="yes">yes</option><option value="no">no</option></select></label>
<button type="submit" id="send">Send</button>
</form>
<script>
var params = new URLSearchParams(location.search);
document.getElementById("item").textContent = params.get("item");
document.getElementById("item-field").value = params.get("item");
document.getElementById("assignmentId").value = params.get("assignmentId");
if (params.get("assignmentId") === "ASSIGNMENT_ID_NOT_AVAILABLE") {
  document.getElementById("send").disabled = true;
} else {
  document.getElementById("task").action = params.get("turkSubmitTo") + "/mturk/externalSubmit";
}
</script></body></html>"""


class _RequesterPage(SiteHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_html(REQUESTER_PAGE, status=200 if self.path.startswith("/task?") else 404)


@pytest.fixture
def requester_page():
    """The requester's site: a small HTTP server on a port of its own (another origin)."""
    with serve(_RequesterPage) as url:
        yield url


def test_worker_answers_on_the_requesters_external_page(
    page, context, live_server, client, requester_page
):
    project = _one_task_project(
        TemplateKind.EXTERNAL_PAGE,
        {
            "url_template": requester_page + "/task?item=${item_id}",
            "frame_height": 400,
            "answer_fields": "rating | number\nlabel | choice\nitem | text",
        },
        {"item_id": "kettle 7/b&c"},
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    # The work page frames the page itself, with its own origin (work/frame.py, direct_frame).
    # In preview the page is told there is no assignment yet.
    page.goto(f"{live_server.url}/work/projects/{project.public_id}/")
    preview = page.frame_locator("iframe.task-frame")
    expect(preview.locator("#send")).to_be_disabled()
    assert preview.locator("#assignmentId").input_value() == "ASSIGNMENT_ID_NOT_AVAILABLE"

    accept_previewed(page)
    assignment = Assignment.objects.select_related("task").get(worker=worker)
    external = page.frame_locator("iframe.task-frame")
    # The row's value is URL-encoded into the address, and the page gets MTurk's parameters.
    expect(external.locator("#item")).to_have_text("kettle 7/b&c")
    [framed] = [frame for frame in page.frames if frame.url.startswith(requester_page)]
    address = urlsplit(framed.url)
    assert address.path == "/task"
    query = parse_qs(address.query)
    turk_submit_to = query.pop("turkSubmitTo")[0]
    assert query == {
        "item": ["kettle 7/b&c"],
        "assignmentId": [assignment.public_id],
        "hitId": [assignment.task.public_id],
        "workerId": [worker.worker_id],
    }
    assert turk_submit_to.startswith(f"{live_server.url}/mturk/")

    # A rating that is not a number: the server refuses it, naming the field, and keeps nothing.
    external.locator("#rating").fill("five")
    external.locator("#send").click()
    expect(external.locator("#mw-result")).to_contain_text("rating: give a number.")
    expect(page.locator("#work-status")).to_have_text("rating: give a number.")
    _assert_open_and_unanswered(assignment)

    # The worker opens the task again and answers well.
    page.reload()
    page.uncheck("#submit-and-next")
    external.locator("#rating").fill("4")
    external.locator("#label").select_option("no")
    save_screenshot(page, "external_page")
    external.locator("#send").click()

    # The page's answer reaches the work page too, which moves on.
    page.wait_for_url("**/work/history/")
    assert _submitted(worker).answers == {"rating": 4, "label": "no", "item": "kettle 7/b&c"}


# A hostile template: it says "submitted" as soon as it loads, and again every 300 ms, without
# submitting anything (with "Submit and next", a page that believed it would accept task after
# task). Said again, so that it is heard even if it loads before the work page's script.
FAKE_SUBMITTED_TEMPLATE = """
<p>${text}</p>
<label><input type="radio" name="answer" value="yes" required> yes</label>
<script>
function claim() { window.parent.postMessage({ type: "microwork:submitted" }, "*"); }
claim();
setInterval(claim, 300);
</script>
"""


def test_the_work_page_moves_on_only_when_the_server_holds_the_answer(
    page, context, live_server, client
):
    project = ProjectFactory(
        template_kind=TemplateKind.CUSTOM_HTML,
        template_html=FAKE_SUBMITTED_TEMPLATE,
        assignments_per_task=1,
    )
    make_tasks(PublishedBatchFactory(project=project), 2)
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    frame = accept(page, live_server, project, and_next=True)
    first = Assignment.objects.get(worker=worker)
    expect(page.locator("#work-status")).to_contain_text("the server has no answer")

    assert page.url.endswith(f"/work/assignments/{first.public_id}/")
    assert Assignment.objects.filter(worker=worker).count() == 1  # no accept-next loop
    _assert_open_and_unanswered(first)

    # The real submission still goes through, and then the page moves on.
    frame.locator("input[name=answer]").check()
    frame.locator("button[type=submit]").click()
    _next_assignment(page, worker, first)
    first.refresh_from_db()
    assert (first.state, first.answers) == (AssignmentState.SUBMITTED, {"answer": "yes"})


def test_the_admin_works_under_the_platforms_strict_policy(page, context, live_server, client):
    """The admin's pages carry the platform's CSP: its scripts still run (the changelist's
    select-all) and the browser reports no violation."""
    from tests.accounts.factories import UserFactory

    staff = UserFactory(role="requester", is_staff=True, is_superuser=True)
    log_in(context, live_server, client, staff)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.check("#action-toggle")  # actions.js selects every row
    expect(page.locator("input.action-select:checked")).to_have_count(1)
    page.goto(f"{live_server.url}/admin/accounts/user/{staff.pk}/change/")
    expect(page.locator("input[name=email]")).to_have_value(staff.email)

    assert violations == []
