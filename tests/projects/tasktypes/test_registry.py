"""What every ready-made task type must do, checked over the whole registry, so a new type (or
a forgotten one) cannot skip a step: configuration, rendering, answers, results, form."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from microwork.projects import tasktypes
from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import base, template_source
from microwork.projects.templating import AnswerInvalid, placeholders, render
from microwork.work import results, services
from microwork.work.enums import AssignmentState
from tests.projects.tasktypes.conftest import XSS

BOX = {"label": "car", "x1": 1, "y1": 2, "x2": 30, "y2": 40}
# kind: (configuration, a row, a good answer as posted, the answer as stored)
SAMPLES = {
    TemplateKind.IMAGE_CLASSIFICATION: (
        {"image_column": "img", "labels": "cat\ndog", "cant_tell": True},
        {"img": "https://e.org/cat.jpg"},
        {"label": ["dog"]},
        {"label": "dog"},
    ),
    TemplateKind.TEXT_CLASSIFICATION: (
        {"text_column": "text", "context_column": "query", "labels": "relevant\nnot relevant"},
        {"text": "A red bike", "query": "bikes"},
        {"label": ["relevant"]},
        {"label": "relevant"},
    ),
    TemplateKind.TRANSCRIPTION: (
        {"image_column": "img", "allowed": "A-Z 0-9", "case": "upper"},
        {"img": "https://e.org/line.png"},
        {"text": [" AB 12 "]},
        {"text": "AB 12"},
    ),
    TemplateKind.DATA_ENTRY: (
        {"source_columns": "record", "fields": "staff | number | Staff | 0..100"},
        {"record": "Acme, 12 people"},
        {"staff": ["12"]},
        {"staff": 12},
    ),
    TemplateKind.SURVEY: (
        {"intro_column": "product", "questions": "clear | likert | The task was clear."},
        {"product": "Soap"},
        {"clear": ["4"]},
        {"clear": 4},
    ),
    TemplateKind.BOUNDING_BOXES: (
        {"image_column": "img", "labels": "car\nperson"},
        {"img": "https://e.org/street.jpg"},
        {"boxes": [json.dumps([BOX])], "image_width": ["64"], "image_height": ["48"]},
        {"boxes": [BOX], "image_width": 64, "image_height": 48},
    ),
    TemplateKind.FIELD_PHOTO: (
        {
            "place_column": "place",
            "latitude_column": "lat",
            "longitude_column": "lon",
            "radius_m": 200,
        },
        {"place": "Colosseum", "lat": "41.8902", "lon": "12.4922"},
        None,  # needs a photo file: tests/projects/tasktypes/test_field_photo.py
        None,
    ),
    TemplateKind.EXTERNAL_PAGE: (
        {"url_template": "https://e.org/t?id=${id}", "answer_fields": "score | number"},
        {"id": "7"},
        {"score": ["3"]},
        {"score": 3},
    ),
}
KINDS = list(SAMPLES)
ANSWERED = [kind for kind in KINDS if SAMPLES[kind][2] is not None]


def test_every_registered_type_has_a_sample_here():
    assert set(tasktypes.TASK_TYPES) == set(SAMPLES)
    assert set(tasktypes.TASK_TYPES) == {
        kind for kind in TemplateKind if kind not in ("custom_html", "mturk_question")
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_parsed_configuration_parses_to_itself(kind):
    once = tasktypes.parsed_config(kind, SAMPLES[kind][0])

    assert tasktypes.parsed_config(kind, once) == once


@pytest.mark.parametrize("kind", KINDS)
def test_configuration_round_trips_through_the_form_fields(kind):
    task_type = tasktypes.task_type(kind)
    config = task_type.parse(SAMPLES[kind][0])
    fields = task_type.config_fields()
    shown = task_type.form_initial(config)

    values = {name: field.clean(shown.get(name)) for name, field in fields.items()}

    assert task_type.parse(task_type.config_from_form(values)) == config


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_configuration_is_refused_naming_a_form_field(kind):
    task_type = tasktypes.task_type(kind)

    with pytest.raises(tasktypes.ConfigInvalid) as raised:
        task_type.parse({})

    assert raised.value.field in task_type.config_fields()


@pytest.mark.parametrize("kind", KINDS)
def test_rendering_fills_every_column_escaped_with_no_inline_script(kind):
    config, row = SAMPLES[kind][0], SAMPLES[kind][1]
    source = template_source(kind, "", config)

    html = render(source, dict.fromkeys(row, XSS))

    assert set(placeholders(source)) <= set(row)
    assert "${" not in html
    assert "<script" not in html
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize("kind", KINDS)
def test_aggregation_mapping_names_result_columns_with_known_kinds(kind):
    task_type = tasktypes.task_type(kind)
    config = task_type.parse(SAMPLES[kind][0])
    kinds = task_type.aggregation_fields(config)

    assert set(kinds) <= set(task_type.result_columns(config))
    assert set(kinds.values()) <= {
        base.CATEGORICAL,
        base.MULTILABEL,
        base.TEXT,
        base.NUMERIC,
        base.BOXES,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_missing_answer_is_refused_and_nothing_is_stored(kind, make_assignment):
    config, row = SAMPLES[kind][0], SAMPLES[kind][1]
    assignment = make_assignment(kind, config, row)

    with pytest.raises(services.WorkRefused):
        services.assignment_submit(assignment=assignment, fields={"unasked": ["x"]})

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert assignment.answers in (None, {})


@pytest.mark.parametrize("kind", ANSWERED)
def test_malformed_answer_is_refused_naming_an_answer_field(kind):
    config, row, good, _stored = SAMPLES[kind]
    task_type = tasktypes.task_type(kind)
    parsed = task_type.parse(config)
    malformed = {name: ["\x00not an answer\x00", "twice"] for name in good}

    with pytest.raises(AnswerInvalid) as raised:
        task_type.clean_answer(parsed, malformed, {}, row)

    assert raised.value.field in good


@pytest.mark.parametrize("kind", ANSWERED)
def test_good_answer_is_stored_and_exported_in_csv_and_jsonl(kind, make_assignment):
    config, row, good, stored = SAMPLES[kind]
    assignment = make_assignment(kind, config, row)

    services.assignment_submit(assignment=assignment, fields=good)

    assignment.refresh_from_db()
    assert assignment.answers == stored
    batch = assignment.task.batch
    [exported] = csv.DictReader(io.StringIO("".join(results.results_csv(batch))))
    task_type = tasktypes.task_type(kind)
    for name in task_type.result_columns(task_type.parse(config)):
        value = stored[name]
        expected = (
            json.dumps(value, separators=(",", ":"), sort_keys=True)
            if isinstance(value, list)
            else str(value)
        )
        assert exported[f"Answer.{name}"] == expected
    for column, value in row.items():
        assert exported[f"Input.{column}"] == value
    jsonl = json.loads(next(results.results_jsonl(batch)))
    assert jsonl["Answer"] == stored


def test_project_form_offers_every_type_and_shows_its_settings(client, requester):
    client.force_login(requester)
    html = client.get(reverse("projects:project-create")).content.decode()
    css = (
        Path(tasktypes.__file__).parents[1] / "static/projects/tasktypes/project_form.css"
    ).read_text()

    for kind in KINDS:
        assert f'value="{kind}"' in html
        assert f'data-kind="{kind}"' in html
        # Without its rule the type's settings stay hidden once it is chosen.
        assert re.search(rf"\[value={kind}\]:checked\) \.template-type\[data-kind={kind}\]", css)
