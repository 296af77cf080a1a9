import pytest

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid
from microwork.projects.tasktypes.image_classification import CANT_TELL
from microwork.projects.templating import AnswerInvalid
from microwork.work import results, services
from microwork.work.enums import AssignmentState
from tests.projects.tasktypes.conftest import XSS, answer, parsed, rendered

IMAGE = TemplateKind.IMAGE_CLASSIFICATION
TEXT = TemplateKind.TEXT_CLASSIFICATION
MULTI = {"image_column": "u", "labels": ["cat", "dog", "bird"], "multiple": True, "cant_tell": True}
TEXT_CONFIG = {"text_column": "text", "labels": "positive\nnegative", "context_column": "query"}


def test_image_config_stores_options_only_when_set():
    assert parsed(IMAGE, {"image_column": "u", "labels": ["a", "b"]}) == {
        "image_column": "u",
        "labels": ["a", "b"],
        "question": "",
    }
    assert parsed(IMAGE, {**MULTI, "multiple": "on"})["multiple"] is True


def test_image_multilabel_renders_checkboxes_with_hotkeys_and_cant_tell():
    html = rendered(IMAGE, MULTI, {"u": "https://example.org/a.png"})

    assert '<label class="mw-choice" data-hotkey="1"><kbd class="mw-key"' in html
    assert '<input type="checkbox" name="label" value="cat">' in html
    assert (
        f'data-hotkey="0"><kbd class="mw-key" aria-hidden="true">0</kbd><input type="checkbox" name="label" value="{CANT_TELL}">'
        in html
    )
    assert "Which labels fit this image?" in html


def test_image_multilabel_answer_is_a_list_in_label_order():
    assert answer(IMAGE, MULTI, {"label": ["bird", "cat"]}) == {"label": ["cat", "bird"]}
    assert answer(IMAGE, MULTI, {"label": [CANT_TELL]}) == {"label": [CANT_TELL]}


@pytest.mark.parametrize("labels", [[], ["horse"], ["cat", CANT_TELL], ["cat", "cat"]], ids=str)
def test_image_multilabel_refuses(labels):
    fields = {"label": labels} if labels else {"other": ["x"]}

    with pytest.raises(AnswerInvalid) as raised:
        answer(IMAGE, MULTI, fields)

    assert raised.value.field == "label"


def test_image_single_label_refuses_cant_tell_unless_offered():
    config = {"image_column": "u", "labels": ["a", "b"]}

    with pytest.raises(AnswerInvalid):
        answer(IMAGE, config, {"label": [CANT_TELL]})
    assert answer(IMAGE, {**config, "cant_tell": True}, {"label": [CANT_TELL]}) == {
        "label": CANT_TELL
    }


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"text_column": "", "labels": "a\nb"}, "text_column"),
        ({"text_column": "t", "labels": "a"}, "labels"),
        ({"text_column": "t", "labels": "a\nb", "context_column": "x}"}, "context_column"),
    ],
)
def test_text_config_refuses_naming_the_key(config, field):
    with pytest.raises(ConfigInvalid) as raised:
        parsed(TEXT, config)

    assert raised.value.field == field


def test_text_classification_escapes_the_text_and_the_labels():
    config = {**TEXT_CONFIG, "labels": ['<b>"good"</b>', "bad"], "question": "<i>Tone?</i>"}

    html = rendered(TEXT, config, {"text": XSS, "query": XSS})

    assert "<script>" not in html
    assert '<blockquote class="mw-text">&quot;&gt;&lt;script&gt;' in html
    assert 'value="&lt;b&gt;&quot;good&quot;&lt;/b&gt;"' in html
    assert "<legend>&lt;i&gt;Tone?&lt;/i&gt;</legend>" in html


def test_text_classification_needs_the_text_and_context_columns():
    from microwork.projects.tasktypes import template_source
    from microwork.projects.templating import placeholders

    assert placeholders(template_source(TEXT, "", TEXT_CONFIG)) == ["query", "text"]


def test_text_classification_answer_keeps_only_the_label():
    assert answer(TEXT, TEXT_CONFIG, {"label": ["negative"], "x": ["y"]}) == {"label": "negative"}


def test_text_classification_refused_answer_stores_nothing(make_assignment):
    assignment = make_assignment(TEXT, TEXT_CONFIG, {"text": "fine", "query": "q"})

    with pytest.raises(services.WorkRefused, match="Choose exactly one"):
        services.assignment_submit(assignment=assignment, fields={"label": ["maybe"]})

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert assignment.answers is None or assignment.answers == {}


def test_multilabel_answers_export_as_semicolon_lists(make_assignment):
    assignment = make_assignment(IMAGE, MULTI, {"u": "https://example.org/a.png"})
    services.assignment_submit(assignment=assignment, fields={"label": ["dog", "cat"]})

    lines = list(results.results_csv(assignment.task.batch))

    assert lines[0].rstrip("\r\n").split(",")[-2] == "Answer.label"
    assert lines[1].rstrip("\r\n").split(",")[-2] == "cat;dog"
