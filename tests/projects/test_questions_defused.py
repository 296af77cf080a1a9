"""MTurk Question XML is parsed with defusedxml (projects/questions.py, found by bandit): a DTD,
an entity or an external reference is refused with a message, never expanded or fetched."""

import pytest

from microwork.projects.questions import QuestionInvalid, parse_question

NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        f'<HTMLQuestion xmlns="{NS}"><HTMLContent>&b;</HTMLContent>'
        "<FrameHeight>0</FrameHeight></HTMLQuestion>",
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<HTMLQuestion xmlns="{NS}"><HTMLContent>&e;</HTMLContent>'
        "<FrameHeight>0</FrameHeight></HTMLQuestion>",
    ],
)
def test_a_question_declaring_entities_is_refused(xml):
    with pytest.raises(QuestionInvalid, match="may not declare a DTD, entities"):
        parse_question(xml)


def test_a_question_that_is_not_xml_is_still_named_so():
    with pytest.raises(QuestionInvalid, match="not well-formed XML"):
        parse_question("<HTMLQuestion")
