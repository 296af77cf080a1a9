import pytest

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid
from microwork.projects.tasktypes.transcription import browser_pattern
from microwork.projects.templating import AnswerInvalid
from microwork.work import services
from microwork.work.enums import AssignmentState
from tests.projects.tasktypes.conftest import XSS, answer, parsed, rendered

KIND = TemplateKind.TRANSCRIPTION
CONFIG = {"image_column": "img", "allowed": "A-Z0-9 .,-", "case": "upper"}


def test_config_refuses_a_broken_character_set():
    with pytest.raises(ConfigInvalid) as raised:
        parsed(KIND, {"image_column": "img", "allowed": "z-a"})

    assert raised.value.field == "allowed"


def test_config_refuses_an_unknown_case_rule():
    with pytest.raises(ConfigInvalid) as raised:
        parsed(KIND, {"image_column": "img", "case": "title"})

    assert raised.value.field == "case"


def test_rules_are_shown_and_the_browser_checks_the_set():
    html = rendered(KIND, CONFIG, {"img": XSS})

    assert "Use only these characters: A-Z0-9 .,-" in html
    assert "Type in UPPER CASE." in html
    assert 'pattern="[A-Z0-9 \\.\\,\\-]*"' in html
    assert 'aria-describedby="mw-rules"' in html
    assert "<script>" not in html


def test_browser_pattern_escapes_what_the_v_flag_forbids_and_skips_negations():
    assert browser_pattern("a-z|/") == "[a-z\\|\\/]*"
    assert browser_pattern("^abc") == ""


def test_answer_is_trimmed_and_checked():
    assert answer(KIND, CONFIG, {"text": ["  TOTAL 12.50  "]}) == {"text": "TOTAL 12.50"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("total 12", "UPPER CASE"),
        ("TOTAL €12", "not allowed: €"),
        ("   ", "empty"),
    ],
)
def test_answer_refused_names_the_field(value, message):
    with pytest.raises(AnswerInvalid, match=message) as raised:
        answer(KIND, CONFIG, {"text": [value]})

    assert raised.value.field == "text"


def test_missing_answer_is_refused():
    with pytest.raises(AnswerInvalid) as raised:
        answer(KIND, CONFIG, {"other": ["x"]})

    assert raised.value.field == "text"


def test_refused_submission_stores_nothing(make_assignment):
    assignment = make_assignment(KIND, CONFIG, {"img": "https://example.org/r.png"})

    with pytest.raises(services.WorkRefused, match="UPPER CASE"):
        services.assignment_submit(assignment=assignment, fields={"text": ["lower"]})

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert not assignment.answers
