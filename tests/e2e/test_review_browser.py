"""The review page in a real browser (issue 16): a bounding-boxes batch's review, which used to
answer 500, draws each worker's boxes over the picture, exactly where they were drawn."""

import base64
import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from microwork.projects import services
from microwork.projects.enums import TemplateKind
from tests.accounts.factories import RequesterFactory
from tests.e2e.conftest import log_in, save_screenshot
from tests.e2e.test_accessibility import AXE_SOURCE, RUN_AXE
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 400, 200  # shown at most 10rem wide: 160 x 80 css pixels
BOXES = [
    {"label": "car", "x1": 40, "y1": 20, "x2": 200, "y2": 120},
    {"label": "person", "x1": 300, "y1": 100, "x2": 400, "y2": 200},
]


def _picture() -> str:
    out = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (200, 220, 240)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _boxes_batch(requester):
    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.BOUNDING_BOXES,
        template_html="",
        template_config={"image_column": "img", "labels": ["car", "person"], "min_boxes": 0},
    )
    batch = BatchFactory(project=project, columns=["img"])
    make_tasks(batch, 1)
    fund(requester, 10_000)
    services.batch_publish(batch=batch)
    task = batch.tasks.get()
    task.input = {"img": _picture()}
    task.save()
    return batch


def _box(locator) -> dict:
    return locator.bounding_box()


def test_a_boxes_batch_review_draws_the_boxes_over_the_picture(live_server, context, page, client):
    requester = RequesterFactory()
    batch = _boxes_batch(requester)
    SubmittedAssignmentFactory(
        task=batch.tasks.get(),
        answers={"boxes": BOXES, "image_width": WIDTH, "image_height": HEIGHT},
    )
    log_in(context, live_server, client, requester)

    response = page.goto(live_server.url + reverse("projects:batch-review", args=[batch.pk]))

    assert response.status == 200
    drawing = page.locator("svg.box-overlay-drawing")
    expect(drawing).to_have_attribute("aria-label", "2 boxes drawn: car, person")
    picture = page.locator(".box-overlay img.thumb")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [WIDTH, HEIGHT]
    shown, over = _box(picture), _box(drawing)
    assert (round(shown["width"]), round(shown["height"])) == (160, 80)
    assert over == shown  # the drawing covers the picture exactly
    scale = shown["width"] / WIDTH
    for index, box in enumerate(BOXES):
        rect = _box(drawing.locator("rect").nth(index))
        # The browser reports the outline's painted box: the 2 px stroke adds 1 px a side.
        assert rect["x"] == pytest.approx(shown["x"] + box["x1"] * scale, abs=1.01)
        assert rect["y"] == pytest.approx(shown["y"] + box["y1"] * scale, abs=1.01)
        assert rect["width"] == pytest.approx((box["x2"] - box["x1"]) * scale, abs=2.01)
        assert rect["height"] == pytest.approx((box["y2"] - box["y1"]) * scale, abs=2.01)
    expect(drawing.locator("text")).to_have_text(["car", "person"])
    page.evaluate(AXE_SOURCE)
    assert page.evaluate(RUN_AXE) == []
    page.locator(".box-overlay").scroll_into_view_if_needed()
    save_screenshot(page, "review/boxes-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert _box(drawing) == _box(picture)
    save_screenshot(page, "review/boxes-1280")
