import pytest

from microwork.projects import templating
from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import clean_answers, template_source
from microwork.projects.templating import (
    AnswerInvalid,
    TemplateInvalid,
    placeholders,
    render,
    validate_custom_html,
)

# Image classification is a ready-made task type now (projects/tasktypes/); these tests of its
# template and configuration go through the type.
IMAGE = TemplateKind.IMAGE_CLASSIFICATION


def image_classification_html(config: dict) -> str:
    return template_source(IMAGE, "", config)


IMAGE_CONFIG = {"image_column": "image_url", "labels": ["cat", "dog"], "question": "Which?"}


def test_placeholders_are_distinct_in_order_of_first_use():
    source = "${b} ${ a } ${b} ${c.d-e f} $notone {x} ${}"

    assert placeholders(source) == ["b", "a", "c.d-e f"]


def test_render_fills_placeholders_and_leaves_unknown_ones_empty():
    assert render("<p>${name} / ${ missing }</p>", {"name": "Ada"}) == "<p>Ada / </p>"


def test_render_escapes_markup_in_text():
    html = render("<p>${text}</p>", {"text": "<script>alert(1)</script>"})

    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_render_escapes_quotes_in_attributes():
    html = render("<img src=\"${url}\" alt='${alt}'>", {"url": '" onmouseover="x()', "alt": "'a'"})

    assert html == "<img src=\"&quot; onmouseover=&quot;x()\" alt='&#x27;a&#x27;'>"


def test_render_does_not_expand_placeholders_inside_values():
    assert render("${a}", {"a": "${b}", "b": "secret"}) == "${b}"


def test_validate_custom_html_accepts_a_template_with_a_field():
    validate_custom_html('<p>${text}</p><textarea name="why"></textarea>')


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("   ", "The template is empty."),
        ("<p>${text}</p>", "The template has no form field, so workers could not answer."),
        (
            '<FORM action="x"><input name="a"></FORM>',
            "Leave out the <form> tag: the platform wraps your fields in its own form.",
        ),
        ('<input name="assignmentId">', "The field name “assignmentId” is reserved."),
        ("<input name=mw_token>", "The field name “mw_token” is reserved."),
    ],
)
def test_validate_custom_html_refuses(source, message):
    with pytest.raises(TemplateInvalid) as raised:
        validate_custom_html(source)

    assert str(raised.value) == message


def test_validate_custom_html_refuses_an_overlong_template():
    source = '<input name="a">' + "x" * templating.MAX_TEMPLATE_LENGTH

    with pytest.raises(TemplateInvalid, match="longer than"):
        validate_custom_html(source)


def test_image_classification_html_has_one_required_radio_per_label():
    config = dict({"image_column": "photo", "labels": ["cat", 'd"og'], "question": "<b>Which?</b>"})

    html = image_classification_html(config)

    assert '<img src="${photo}" alt="The image to classify">' in html
    assert "<legend>&lt;b&gt;Which?&lt;/b&gt;</legend>" in html
    assert '<input type="radio" name="label" value="cat" required> cat</label>' in html
    assert '<input type="radio" name="label" value="d&quot;og" required> d&quot;og</label>' in html
    assert placeholders(html) == ["photo"]


def test_image_classification_html_has_a_default_question():
    config = dict({"image_column": "u", "labels": ["a", "b"]})

    assert "<legend>Which label fits this image best?</legend>" in image_classification_html(config)


def test_image_classification_rendered_escapes_the_image_url():
    source = template_source(TemplateKind.IMAGE_CLASSIFICATION, "", IMAGE_CONFIG)

    html = render(source, {"image_url": 'x" onerror="alert(1)'})

    assert '<img src="x&quot; onerror=&quot;alert(1)"' in html


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"image_column": "u", "labels": ["only"]}, "Give at least two labels."),
        ({"image_column": "u", "labels": ["a", "a"]}, "Each label must be different."),
        ({"image_column": "u", "labels": [str(i) for i in range(51)]}, "Give at most 50 labels."),
        ({"image_column": "a}b", "labels": ["a", "b"]}, "The image column name may hold"),
        ({"image_column": "", "labels": ["a", "b"]}, "The image column name may hold"),
    ],
)
def test_image_classification_config_refuses(config, message):
    with pytest.raises(TemplateInvalid) as raised:
        template_source(IMAGE, "", config)

    assert str(raised.value).startswith(message)


def test_template_source_of_custom_html_is_the_html():
    assert template_source(TemplateKind.CUSTOM_HTML, "<p>${a}</p>", {}) == "<p>${a}</p>"


def test_clean_answers_keeps_single_values_as_strings_and_repeats_as_lists():
    fields = {
        "answer": ["yes"],
        "tags": ["a", "b"],
        "assignmentId": ["X"],
        "mw_token": ["t"],
        "csrfmiddlewaretoken": ["c"],
    }

    assert clean_answers(TemplateKind.CUSTOM_HTML, {}, fields) == {
        "answer": "yes",
        "tags": ["a", "b"],
    }


def test_clean_answers_refuses_an_empty_answer():
    with pytest.raises(AnswerInvalid, match="empty"):
        clean_answers(TemplateKind.CUSTOM_HTML, {}, {"mw_token": ["t"]})


def test_clean_answers_refuses_too_many_fields():
    fields = {f"f{i}": ["x"] for i in range(templating.MAX_ANSWER_FIELDS + 1)}

    with pytest.raises(AnswerInvalid, match="more than"):
        clean_answers(TemplateKind.CUSTOM_HTML, {}, fields)


def test_clean_answers_refuses_an_overlong_answer():
    fields = {"text": ["x" * templating.MAX_ANSWER_CHARS]}

    with pytest.raises(AnswerInvalid, match="longer than"):
        clean_answers(TemplateKind.CUSTOM_HTML, {}, fields)


def test_clean_answers_for_image_classification_keeps_only_the_label():
    fields = {"label": ["dog"], "comment": ["cute"]}

    assert clean_answers(TemplateKind.IMAGE_CLASSIFICATION, IMAGE_CONFIG, fields) == {
        "label": "dog"
    }


@pytest.mark.parametrize("labels", [["horse"], ["cat", "dog"], []])
def test_clean_answers_for_image_classification_needs_exactly_one_known_label(labels):
    fields = {"label": labels} if labels else {"comment": ["x"]}

    with pytest.raises(AnswerInvalid) as raised:
        clean_answers(TemplateKind.IMAGE_CLASSIFICATION, IMAGE_CONFIG, fields)

    assert raised.value.field == "label"
