import json

import pytest

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid
from microwork.projects.tasktypes.bounding_boxes import BoundingBoxes, review_overlay
from microwork.projects.templating import AnswerInvalid
from microwork.quality.aggregation.batch import batch_aggregate
from microwork.work import results, services
from microwork.work.enums import AssignmentState
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.projects.tasktypes.conftest import XSS, answer, parsed, rendered
from tests.work.factories import AssignmentFactory

KIND = TemplateKind.BOUNDING_BOXES
CONFIG = {"image_column": "img", "labels": "car\nperson", "min_boxes": 1, "max_boxes": 3}
CAR = {"label": "car", "x1": 10, "y1": 20, "x2": 110.5, "y2": 80}


def fields(boxes, width="640", height="480"):
    return {"boxes": [json.dumps(boxes)], "image_width": [width], "image_height": [height]}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"image_column": "img", "labels": ""}, "labels"),
        ({"image_column": "img", "labels": "a", "min_boxes": 5, "max_boxes": 2}, "min_boxes"),
        ({"image_column": "img", "labels": "a", "max_boxes": 0}, "max_boxes"),
    ],
)
def test_config_refuses(config, field):
    with pytest.raises(ConfigInvalid) as raised:
        parsed(KIND, config)

    assert raised.value.field == field


def test_render_loads_no_inline_script_and_escapes():
    html = rendered(KIND, {**CONFIG, "labels": ["<i>car</i>"]}, {"img": XSS})

    assert "<script" not in html
    assert '<img src="&quot;&gt;&lt;script&gt;' in html
    assert 'value="&lt;i&gt;car&lt;/i&gt;" checked>' in html
    assert 'data-min="1" data-max="3"' in html


def test_good_boxes_are_kept_in_image_pixels():
    assert answer(KIND, CONFIG, fields([CAR])) == {
        "boxes": [CAR],
        "image_width": 640,
        "image_height": 480,
    }


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        ("not json", "could not be read"),
        ({"label": "car"}, "could not be read"),
        ([], "at least 1 box"),
        ([CAR] * 4, "at most 3"),
        ([{**CAR, "label": "dog"}], "unknown label"),
        ([{**CAR, "x2": 700}], "outside the image"),
        ([{**CAR, "y1": -5}], "outside the image"),
        ([{**CAR, "x1": "10"}], "outside the image"),
        ([{**CAR, "x1": True}], "outside the image"),
        ([{**CAR, "x2": 5}], "empty or upside down"),
        ([{**CAR, "extra": 1}], "malformed"),
    ],
    ids=str,
)
def test_bad_boxes_are_refused(boxes, message):
    posted = fields(boxes)
    if boxes == "not json":
        posted["boxes"] = ["not json"]

    with pytest.raises(AnswerInvalid, match=message) as raised:
        answer(KIND, CONFIG, posted)

    assert raised.value.field == "boxes"


@pytest.mark.parametrize(("width", "height"), [("", "480"), ("0", "480"), ("640", "99999")])
def test_implausible_image_size_is_refused(width, height):
    with pytest.raises(AnswerInvalid) as raised:
        answer(KIND, CONFIG, fields([CAR], width, height))

    assert raised.value.field == "image_width"


def test_refused_boxes_store_nothing_and_good_ones_export_as_json(make_assignment):
    assignment = make_assignment(KIND, CONFIG, {"img": "https://example.org/street.jpg"})

    with pytest.raises(services.WorkRefused):
        services.assignment_submit(assignment=assignment, fields=fields([{**CAR, "x2": 9999}]))
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert not assignment.answers

    services.assignment_submit(assignment=assignment, fields=fields([CAR]))
    csv_text = "".join(results.results_csv(assignment.task.batch))
    jsonl = json.loads(next(results.results_jsonl(assignment.task.batch)))
    assert '"[{""label"":""car"",""x1"":10,""x2"":110.5,""y1"":20,""y2"":80}]"' in csv_text
    assert jsonl["Answer"]["boxes"] == [CAR]


def _box(label, x1, y1, x2, y2):
    return {"label": label, "x1": x1, "y1": y1, "x2": x2, "y2": y2}


def test_three_workers_boxes_aggregate_to_the_averaged_boxes(db):
    project = ProjectFactory(
        template_kind=KIND, template_html="", template_config=CONFIG, assignments_per_task=3
    )
    batch = PublishedBatchFactory(project=project, columns=["img"])
    task = TaskFactory(batch=batch, input={"img": "https://example.org/street.jpg"})
    drawn = [
        [_box("car", 10, 20, 110, 80), _box("person", 200, 100, 260, 300)],
        [_box("person", 202, 98, 262, 302), _box("car", 12, 22, 112, 82)],
        # A stray box only one worker in three drew is not kept.
        [_box("car", 14, 18, 108, 84), _box("car", 500, 400, 520, 420)],
    ]
    for boxes in drawn:
        services.assignment_submit(assignment=AssignmentFactory(task=task), fields=fields(boxes))

    rows = list(batch_aggregate(batch, field="boxes", method="boxes"))

    assert len(rows) == 1
    assert rows[0].task_id == task.public_id
    assert rows[0].n_answers == 3
    assert rows[0].confidence == pytest.approx(2 / 3)
    assert rows[0].label == [
        {**_box("car", 12.0, 20.0, 110.0, 82.0), "support": 3, "confidence": 1.0},
        {**_box("person", 201.0, 99.0, 261.0, 301.0), "support": 2, "confidence": 2 / 3},
    ]


def test_workers_who_drew_nothing_count_against_a_box(db):
    config = {**CONFIG, "min_boxes": 0}
    project = ProjectFactory(
        template_kind=KIND, template_html="", template_config=config, assignments_per_task=3
    )
    batch = PublishedBatchFactory(project=project, columns=["img"])
    task = TaskFactory(batch=batch, input={"img": "https://example.org/empty.jpg"})
    for boxes in ([], [], [_box("car", 10, 20, 110, 80)]):
        services.assignment_submit(assignment=AssignmentFactory(task=task), fields=fields(boxes))

    [row] = batch_aggregate(batch, field="boxes", method="boxes")

    assert row.label == []
    assert row.n_answers == 3
    assert row.confidence == pytest.approx(2 / 3)


def test_aggregation_mapping_groups_boxes_by_configured_label():
    config = parsed(KIND, CONFIG)

    assert BoundingBoxes().aggregation_value(config, "boxes", [CAR]) == {
        "car": [(10, 20, 110.5, 80)],
        "person": [],
    }
    assert BoundingBoxes().aggregation_value(config, "image_width", 640) == 640


def test_review_overlay_gives_each_box_in_image_pixels_with_its_label_inside():
    config = parsed(KIND, CONFIG)
    stored = {
        "boxes": [CAR, {"label": "person", "x1": 300, "y1": 0, "x2": 640, "y2": 479.5}],
        "image_width": 640,
        "image_height": 480,
    }

    overlay = review_overlay(config, stored)

    # Labels are 640 / 16 = 40 pixels high, 10 in from the corner; outlined 8 wide.
    assert overlay == {
        "width": 640,
        "height": 480,
        "font_size": 40,
        "halo": "8",
        "boxes": [
            {
                "label": "car",
                "x": "10",
                "y": "20",
                "width": "100.5",
                "height": "60",
                "label_x": "20",
                "label_y": "62",
                "colour": 0,
            },
            {
                "label": "person",
                "x": "300",
                "y": "0",
                "width": "340",
                "height": "479.5",
                "label_x": "310",
                "label_y": "42",
                "colour": 1,
            },
        ],
    }


@pytest.mark.parametrize(
    "stored",
    [
        {"boxes": [CAR]},  # no size: an answer from before sizes were kept
        {"boxes": [CAR], "image_width": 0, "image_height": 480},
        {"boxes": [CAR], "image_width": "640", "image_height": 480},
        {},
    ],
)
def test_review_overlay_is_none_without_a_usable_image_size(stored):
    assert review_overlay(parsed(KIND, CONFIG), stored) is None


def test_review_overlay_of_no_box_is_an_empty_drawing():
    overlay = review_overlay(
        parsed(KIND, CONFIG), {"boxes": [], "image_width": 32, "image_height": 8}
    )

    assert overlay == {"width": 32, "height": 8, "font_size": 2, "halo": "0.4", "boxes": []}
