"""MTurk Question XML on its own: parsing, the fields a QuestionForm becomes, and the
QuestionFormAnswers XML an assignment's answers come back as."""

import xml.etree.ElementTree as ET

import pytest

from microwork.projects.questions import (
    ANSWERS_NS,
    NAMESPACES,
    QuestionInvalid,
    answers_xml,
    html_question_document,
    parse_question,
    question_form_html,
)

FORM_NS = sorted(NAMESPACES["QuestionForm"])[-1]
QUESTION_FORM = f"""<QuestionForm xmlns="{FORM_NS}">
  <Overview><Text>Read the tweet: &lt;b&gt;hi&lt;/b&gt;</Text></Overview>
  <Question>
    <QuestionIdentifier>sentiment</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>How does it feel?</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <StyleSuggestion>radiobutton</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>pos</SelectionIdentifier><Text>Positive</Text></Selection>
        <Selection><SelectionIdentifier>neg</SelectionIdentifier><Text>Negative</Text></Selection>
        <OtherSelection><FreeTextAnswer/></OtherSelection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>topics</QuestionIdentifier>
    <QuestionContent><Text>Topics</Text></QuestionContent>
    <AnswerSpecification><SelectionAnswer>
      <StyleSuggestion>checkbox</StyleSuggestion>
      <Selections>
        <Selection><SelectionIdentifier>sport</SelectionIdentifier><Text>Sport</Text></Selection>
        <Selection><SelectionIdentifier>food</SelectionIdentifier><Text>Food</Text></Selection>
      </Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>comment</QuestionIdentifier>
    <QuestionContent><Text>Anything else?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>"""


def test_question_form_parses_free_text_and_selections():
    question = parse_question(QUESTION_FORM)

    assert question.kind == "QuestionForm"
    assert question.overview == "Read the tweet: <b>hi</b>"
    sentiment, topics, comment = question.questions
    assert (sentiment.kind, sentiment.is_required, sentiment.is_multiple, sentiment.has_other) == (
        "selection",
        True,
        False,
        True,
    )
    assert [(s.identifier, s.text) for s in sentiment.selections] == [
        ("pos", "Positive"),
        ("neg", "Negative"),
    ]
    assert (topics.kind, topics.is_required, topics.is_multiple) == ("selection", False, True)
    assert (comment.kind, comment.identifier) == ("free_text", "comment")


def test_question_form_becomes_escaped_native_fields():
    fields = question_form_html(parse_question(QUESTION_FORM))

    assert "&lt;b&gt;hi&lt;/b&gt;" in fields  # overview text is text, not markup
    assert '<input type="radio" name="sentiment" value="pos" required>' in fields
    assert '<input type="checkbox" name="topics" value="food">' in fields
    assert 'name="sentiment.OtherSelectionText"' in fields
    assert '<textarea name="comment"></textarea>' in fields


def test_answers_come_back_as_question_form_answers_xml():
    answers = {
        "sentiment": "neg",
        "sentiment.OtherSelectionText": "mixed <really>",
        "topics": ["sport", "food"],
        "comment": "a & b",
    }

    document = answers_xml(answers, QUESTION_FORM)

    root = ET.fromstring(document)
    assert root.tag == f"{{{ANSWERS_NS}}}QuestionFormAnswers"
    ns = {"a": ANSWERS_NS}
    parsed = {
        answer.findtext("a:QuestionIdentifier", namespaces=ns): (
            [item.text for item in answer.findall("a:SelectionIdentifier", ns)],
            answer.findtext("a:OtherSelectionText", namespaces=ns),
            answer.findtext("a:FreeText", namespaces=ns),
        )
        for answer in root.findall("a:Answer", ns)
    }
    assert parsed == {
        "sentiment": (["neg"], "mixed <really>", None),
        "topics": (["sport", "food"], None, None),
        "comment": ([], None, "a & b"),
    }


def test_html_question_posts_to_the_platform_not_mturk():
    html_ns = next(iter(NAMESPACES["HTMLQuestion"]))
    xml = (
        f'<HTMLQuestion xmlns="{html_ns}"><HTMLContent><![CDATA['
        '<form action="https://www.mturk.com/mturk/externalSubmit"><input name="a"></form>'
        "]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"
    )

    question = parse_question(xml)
    document = html_question_document(
        question, submit_url="/mturk/externalSubmit", script_url="/s.js"
    )

    assert question.frame_height == 450
    assert 'action="/mturk/externalSubmit"' in document
    assert "mturk.com" not in document


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<QuestionForm", "well-formed"),
        ('<QuestionForm xmlns="urn:other"/>', "namespace"),
        (f'<QuestionForm xmlns="{FORM_NS}"/>', "at least one Question"),
        (
            f'<ExternalQuestion xmlns="{next(iter(NAMESPACES["ExternalQuestion"]))}">'
            "<ExternalURL>javascript:alert(1)</ExternalURL><FrameHeight>0</FrameHeight>"
            "</ExternalQuestion>",
            "http(s)",
        ),
    ],
)
def test_bad_questions_are_refused_with_the_reason(xml, message):
    with pytest.raises(QuestionInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_question(xml)
