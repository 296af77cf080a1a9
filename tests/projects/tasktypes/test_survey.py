import pytest

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid, task_type
from microwork.projects.templating import AnswerInvalid
from tests.projects.tasktypes.conftest import XSS, answer, parsed, rendered

KIND = TemplateKind.SURVEY
QUESTIONS = (
    "clear | likert | The task was clear.\n"
    "device | single | What did you use? | phone, computer\n"
    "uses | multiple | Where? | home, work, bus | optional\n"
    "more | text | Anything else? | optional"
)
CONFIG = {"intro_column": "product", "questions": QUESTIONS}


def test_likert_has_five_default_points_and_round_trips():
    config = parsed(KIND, CONFIG)

    assert len(config["questions"][0]["options"]) == 5
    assert parsed(KIND, task_type(KIND).form_initial(config)) == config


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ("a | poll | A", "not a question kind"),
        ("a | single | A | one", "between 2 and 11"),
        ("a | likert |", "has no text"),
        ("", "at least one line"),
    ],
)
def test_config_refuses(questions, message):
    with pytest.raises(ConfigInvalid, match=message):
        parsed(KIND, {"questions": questions})


def test_render_marks_required_and_optional_and_escapes():
    html = rendered(
        KIND, {**CONFIG, "questions": QUESTIONS + "\nx | text | <b>?</b>"}, {"product": XSS}
    )

    assert "<script>" not in html
    assert '<input type="radio" name="clear" value="5" required> Strongly agree' in html
    assert '<input type="checkbox" name="uses" value="bus"> bus' in html
    assert 'Where? <span class="mw-optional">(optional)</span>' in html
    assert "&lt;b&gt;?&lt;/b&gt;" in html


def test_good_answer_types_each_question():
    fields = {"clear": ["4"], "device": ["phone"], "uses": ["bus", "home"], "more": [" ok "]}

    assert answer(KIND, CONFIG, fields) == {
        "clear": 4,
        "device": "phone",
        "uses": ["home", "bus"],
        "more": "ok",
    }
    assert answer(KIND, CONFIG, {"clear": ["1"], "device": ["computer"]})["uses"] == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"device": ["phone"]}, "clear"),
        ({"clear": ["6"], "device": ["phone"]}, "clear"),
        ({"clear": ["3"], "device": ["tablet"]}, "device"),
        ({"clear": ["3"], "device": ["phone", "computer"]}, "device"),
        ({"clear": ["3"], "device": ["phone"], "uses": ["car"]}, "uses"),
    ],
)
def test_bad_answer_is_refused_naming_the_question(fields, field):
    with pytest.raises(AnswerInvalid) as raised:
        answer(KIND, CONFIG, fields)

    assert raised.value.field == field


def test_aggregation_mapping():
    assert task_type(KIND).aggregation_fields(parsed(KIND, CONFIG)) == {
        "clear": "numeric",
        "device": "categorical",
        "uses": "multilabel",
        "more": "text",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"device": ["phone"]}, "The task was clear. This question needs an answer."),
        ({"clear": ["3"]}, "What did you use? This question needs an answer."),
        ({"clear": ["3"], "device": ["tablet"]}, "What did you use? Choose one of the options."),
    ],
)
def test_refusal_message_names_the_question_in_one_sentence(fields, message):
    with pytest.raises(AnswerInvalid) as raised:
        answer(KIND, CONFIG, fields)

    assert raised.value.message == message
