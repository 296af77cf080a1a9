"""Reading and scoring MTurk qualification tests (quality/qualification_tests.py), with scores
computed by hand in each test."""

import pytest
from django.http import QueryDict

from microwork.quality import qualification_tests as qt

NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01"


def question_form(*questions: str) -> str:
    return f'<QuestionForm xmlns="{NS}/QuestionForm.xsd">{"".join(questions)}</QuestionForm>'


def selection(identifier: str, options: str, *, checkbox: bool = False, required=True) -> str:
    style = "checkbox" if checkbox else "radiobutton"
    choices = "".join(
        f"<Selection><SelectionIdentifier>{o}</SelectionIdentifier><Text>Option {o}</Text>"
        "</Selection>"
        for o in options
    )
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        f"<IsRequired>{'true' if required else 'false'}</IsRequired>"
        f"<QuestionContent><Text>Question {identifier}</Text></QuestionContent>"
        f"<AnswerSpecification><SelectionAnswer><StyleSuggestion>{style}</StyleSuggestion>"
        f"<Selections>{choices}</Selections></SelectionAnswer></AnswerSpecification></Question>"
    )


def free_text(identifier: str, *, required=True) -> str:
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        f"<IsRequired>{'true' if required else 'false'}</IsRequired>"
        f"<QuestionContent><Text>Say something</Text></QuestionContent>"
        "<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>"
    )


def key_question(identifier: str, options: list[tuple[str, int]], default=None) -> str:
    parts = "".join(
        "<AnswerOption>"
        + "".join(f"<SelectionIdentifier>{s}</SelectionIdentifier>" for s in chosen)
        + f"<AnswerScore>{score}</AnswerScore></AnswerOption>"
        for chosen, score in options
    )
    default_xml = "" if default is None else f"<DefaultScore>{default}</DefaultScore>"
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>{parts}{default_xml}"
        "</Question>"
    )


def answer_key(*questions: str, mapping: str = "") -> str:
    mapping_xml = f"<QualificationValueMapping>{mapping}</QualificationValueMapping>"
    return (
        f'<AnswerKey xmlns="{NS}/AnswerKey.xsd">{"".join(questions)}'
        f"{mapping_xml if mapping else ''}</AnswerKey>"
    )


TEST = question_form(
    selection("q1", "ABCD"), selection("q2", "XYZ", checkbox=True), free_text("q3")
)
KEY_QUESTIONS = (
    key_question("q1", [("D", 5), ("B", 10)]),
    key_question("q2", [("XZ", 7)], default=1),
    key_question("q3", [], default=2),
)


def scored(answers: dict, mapping: str = "") -> tuple[int, int]:
    test = qt.parse_test(TEST)
    return qt.score(qt.parse_answer_key(answer_key(*KEY_QUESTIONS, mapping=mapping), test), answers)


def test_score_sums_answer_option_scores_and_defaults():
    # q1 "B" = 10; q2 exactly {X, Z} = 7; q3 free text = its DefaultScore 2 -> 19.
    assert scored({"q1": "B", "q2": ["Z", "X"], "q3": "hello"}) == (19, 19)


def test_score_of_a_partial_checkbox_answer_is_the_default_score():
    # q1 "D" = 5; q2 {X} matches no option: DefaultScore 1; q3 unanswered: 2 -> 8.
    assert scored({"q1": "D", "q2": ["X"]}) == (8, 8)


def test_score_of_an_unmatched_selection_without_default_is_zero():
    # q1 "A" = 0 (no option, no default); q2 {X, Y, Z} = 1; q3 = 2 -> 3.
    assert scored({"q1": "A", "q2": ["X", "Y", "Z"]}) == (3, 3)


def test_percentage_mapping_rounds_half_up():
    mapping = "<PercentageMapping><MaximumSummedScore>19</MaximumSummedScore></PercentageMapping>"
    # 8 / 19 = 42.105...% -> 42; 19 / 19 -> 100; 3 / 19 = 15.789...% -> 16.
    assert scored({"q1": "D", "q2": ["X"]}, mapping) == (8, 42)
    assert scored({"q1": "B", "q2": ["X", "Z"]}, mapping) == (19, 100)
    assert scored({"q1": "A", "q2": ["X", "Y", "Z"]}, mapping) == (3, 16)


def test_percentage_mapping_half_rounds_up():
    mapping = "<PercentageMapping><MaximumSummedScore>8</MaximumSummedScore></PercentageMapping>"
    # 3 / 8 = 37.5 % -> 38.
    assert scored({"q1": "A", "q2": ["X", "Y", "Z"]}, mapping) == (3, 38)


def test_scale_mapping_multiplies():
    mapping = "<ScaleMapping><SummedScoreMultiplier>2.5</SummedScoreMultiplier></ScaleMapping>"
    # 8 x 2.5 = 20; 3 x 2.5 = 7.5 -> 8.
    assert scored({"q1": "D", "q2": ["X"]}, mapping) == (8, 20)
    assert scored({"q1": "A", "q2": ["X", "Y", "Z"]}, mapping) == (3, 8)


def test_range_mapping_picks_the_range_or_the_out_of_range_value():
    mapping = (
        "<RangeMapping>"
        "<SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound>"
        "<InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>10</QualificationValue>"
        "</SummedScoreRange>"
        "<SummedScoreRange><InclusiveLowerBound>6</InclusiveLowerBound>"
        "<InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>50</QualificationValue>"
        "</SummedScoreRange>"
        "<OutOfRangeQualificationValue>99</OutOfRangeQualificationValue></RangeMapping>"
    )
    assert scored({"q1": "A", "q2": ["X", "Y", "Z"]}, mapping) == (3, 10)
    assert scored({"q1": "D", "q2": ["X"]}, mapping) == (8, 50)
    assert scored({"q1": "B", "q2": ["X", "Z"]}, mapping) == (19, 99)


def test_parse_test_refuses_entities_and_dtds():
    bomb = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa">]>' + TEST.replace(
        "Option A", "&a;"
    )
    with pytest.raises(qt.TestInvalid, match="DTD or entities"):
        qt.parse_test(bomb)


def test_parse_test_refuses_other_question_kinds():
    html_question = (
        '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2011-11-11/HTMLQuestion.xsd"><HTMLContent>x</HTMLContent>'
        "<FrameHeight>0</FrameHeight></HTMLQuestion>"
    )
    with pytest.raises(qt.TestInvalid, match="QuestionForm"):
        qt.parse_test(html_question)


def test_parse_answer_key_refuses_unknown_question_and_selection():
    test = qt.parse_test(TEST)
    with pytest.raises(qt.TestInvalid, match="no question q9"):
        qt.parse_answer_key(answer_key(key_question("q9", [("A", 1)])), test)
    with pytest.raises(qt.TestInvalid, match="no selection E"):
        qt.parse_answer_key(answer_key(key_question("q1", [("E", 1)])), test)


def test_answers_from_form_reads_radio_checkbox_and_text_and_names_errors():
    test = qt.parse_test(TEST)
    data = QueryDict(mutable=True)
    data.setlist("q1", ["B"])
    data.setlist("q2", ["X", "Z"])
    data["q3"] = "  fine  "
    assert qt.answers_from_form(test, data) == ({"q1": "B", "q2": ["X", "Z"], "q3": "fine"}, {})

    bad = QueryDict(mutable=True)
    bad.setlist("q1", ["B", "C"])  # two choices on a radio question
    bad.setlist("q2", ["W"])  # not offered
    answers, errors = qt.answers_from_form(test, bad)
    assert answers == {}
    assert set(errors) == {"q1", "q2", "q3"}


def test_build_test_makes_a_form_and_key_granting_one_at_the_pass_mark():
    built = [
        qt.BuiltQuestion("2 + 2?", ("3", "4"), correct=1),
        qt.BuiltQuestion("Capital of France?", ("Paris", "Lyon", "Nice"), correct=0),
        qt.BuiltQuestion("Blue & red?", ("<purple>", "green"), correct=0),
    ]
    form_xml, key_xml = qt.build_test(built, pass_count=2)
    test = qt.parse_test(form_xml)
    key = qt.parse_answer_key(key_xml, test)
    assert [q.text for q in test.questions] == ["2 + 2?", "Capital of France?", "Blue & red?"]
    assert test.questions[2].selections[0].text == "<purple>"
    assert qt.score(key, {"q1": "2", "q2": "1", "q3": "2"}) == (2, 1)
    assert qt.score(key, {"q1": "1", "q2": "1", "q3": "2"}) == (1, 0)
    assert qt.score(key, {"q1": "2", "q2": "1", "q3": "1"}) == (3, 1)
