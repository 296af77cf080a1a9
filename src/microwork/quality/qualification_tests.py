"""Qualification tests: MTurk's QuestionForm `Test` and its `AnswerKey`, read safely and scored.

The test is a QuestionForm whose questions take a FreeTextAnswer or a SelectionAnswer (radio
buttons, or checkboxes when several may be chosen); projects.questions reads its structure,
after defusedxml has refused what a hostile document could hide (a DTD, entities, external
references). The answer key (MTurk's AnswerKey data structure) gives each question AnswerOptions,
each a set of SelectionIdentifiers and the AnswerScore earned by choosing exactly that set, and a
DefaultScore (0 if absent) for any other answer; a free-text question scores its DefaultScore.
The question scores are summed, then QualificationValueMapping turns the sum into the value
granted:
- none: the sum itself;
- PercentageMapping: 100 x sum / MaximumSummedScore, rounded half up;
- ScaleMapping: sum x SummedScoreMultiplier, rounded half up;
- RangeMapping: the QualificationValue of the first SummedScoreRange holding the sum, else
  OutOfRangeQualificationValue.

A requester's test built on the web (build_test) is such a pair: one point per right answer and
a RangeMapping that grants 1 at or above the pass mark and 0 below it.
"""

import html
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from microwork.projects import questions
from microwork.projects.questions import FormQuestion, Question, QuestionInvalid

QUESTION_FORM_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
)
ANSWER_KEY_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"
)
MAX_XML_BYTES = 65_535
OTHER_SUFFIX = ".OtherSelectionText"


class TestInvalid(ValueError):
    """The Test or AnswerKey cannot be used; the message says why, in words."""


@dataclass(frozen=True)
class KeyQuestion:
    options: tuple[tuple[frozenset, int], ...]
    default_score: int = 0


@dataclass(frozen=True)
class AnswerKey:
    questions: dict
    mapping: str = ""  # "", "percentage", "scale" or "range"
    maximum: int = 0  # PercentageMapping's MaximumSummedScore
    multiplier: Decimal = Decimal(1)  # ScaleMapping's SummedScoreMultiplier
    ranges: tuple[tuple[int, int, int], ...] = ()  # (lower, upper, value), inclusive
    out_of_range: int | None = None


def _safe_root(xml: str, what: str):
    if len(xml.encode("utf-8")) > MAX_XML_BYTES:
        raise TestInvalid(
            _("The %(what)s is longer than %(n)d bytes.") % {"what": what, "n": MAX_XML_BYTES}
        )
    try:
        return SafeET.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise TestInvalid(
            _("The %(what)s may not declare a DTD or entities.") % {"what": what}
        ) from None
    except SafeET.ParseError as error:
        raise TestInvalid(
            _("The %(what)s is not well-formed XML: %(error)s.") % {"what": what, "error": error}
        ) from None


def parse_test(xml: str) -> Question:
    """The test's questions; raise TestInvalid unless it is a QuestionForm we can show."""
    _safe_root(xml, "Test")
    try:
        question = questions.parse_question(xml)
    except QuestionInvalid as error:
        raise TestInvalid(str(error)) from None
    if question.kind != "QuestionForm":
        raise TestInvalid(_("A qualification test must be a QuestionForm."))
    return question


def _local(element) -> str:
    return element.tag.rpartition("}")[2]


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _text(element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


def _integer(element, name: str, *, required: bool = True) -> int | None:
    raw = _text(element, name)
    if not raw and not required:
        return None
    try:
        return int(raw)
    except ValueError:
        raise TestInvalid(
            _("AnswerKey: %(name)s must be a whole number.") % {"name": name}
        ) from None


def parse_answer_key(xml: str, test: Question | None = None) -> AnswerKey:
    """The answer key; raise TestInvalid if it is malformed or names a question or selection
    that `test` does not have."""
    root = _safe_root(xml, "AnswerKey")
    if _local(root) != "AnswerKey":
        raise TestInvalid(_("The AnswerKey's root element must be AnswerKey."))
    known = {item.identifier: item for item in test.questions} if test is not None else None
    keyed = {}
    for element in _children(root, "Question"):
        identifier = _text(element, "QuestionIdentifier")
        if not identifier:
            raise TestInvalid(_("AnswerKey: each Question needs a QuestionIdentifier."))
        if known is not None and identifier not in known:
            raise TestInvalid(_("AnswerKey: the test has no question %(id)s.") % {"id": identifier})
        options = []
        for option in _children(element, "AnswerOption"):
            chosen = frozenset(
                (item.text or "").strip() for item in _children(option, "SelectionIdentifier")
            )
            if not chosen:
                raise TestInvalid(_("AnswerKey: an AnswerOption needs a SelectionIdentifier."))
            if known is not None:
                offered = {choice.identifier for choice in known[identifier].selections}
                unknown = sorted(chosen - offered)
                if unknown:
                    raise TestInvalid(
                        _("AnswerKey: question %(id)s has no selection %(selection)s.")
                        % {"id": identifier, "selection": unknown[0]}
                    )
            options.append((chosen, _integer(option, "AnswerScore")))
        default = _integer(element, "DefaultScore", required=False)
        keyed[identifier] = KeyQuestion(tuple(options), 0 if default is None else default)
    if not keyed:
        raise TestInvalid(_("The AnswerKey needs at least one Question."))
    mappings = _children(root, "QualificationValueMapping")
    if not mappings:
        return AnswerKey(questions=keyed)
    return _with_mapping(keyed, mappings[0])


def _with_mapping(keyed: dict, mapping) -> AnswerKey:
    percentage = _children(mapping, "PercentageMapping")
    if percentage:
        maximum = _integer(percentage[0], "MaximumSummedScore")
        if maximum <= 0:
            raise TestInvalid(_("AnswerKey: MaximumSummedScore must be more than 0."))
        return AnswerKey(questions=keyed, mapping="percentage", maximum=maximum)
    scale = _children(mapping, "ScaleMapping")
    if scale:
        try:
            multiplier = Decimal(_text(scale[0], "SummedScoreMultiplier"))
        except InvalidOperation:
            raise TestInvalid(_("AnswerKey: SummedScoreMultiplier must be a number.")) from None
        if not multiplier.is_finite():
            raise TestInvalid(_("AnswerKey: SummedScoreMultiplier must be a number."))
        return AnswerKey(questions=keyed, mapping="scale", multiplier=multiplier)
    ranged = _children(mapping, "RangeMapping")
    if ranged:
        ranges = tuple(
            (
                _integer(item, "InclusiveLowerBound"),
                _integer(item, "InclusiveUpperBound"),
                _integer(item, "QualificationValue"),
            )
            for item in _children(ranged[0], "SummedScoreRange")
        )
        if not ranges:
            raise TestInvalid(_("AnswerKey: a RangeMapping needs a SummedScoreRange."))
        return AnswerKey(
            questions=keyed,
            mapping="range",
            ranges=ranges,
            out_of_range=_integer(ranged[0], "OutOfRangeQualificationValue", required=False),
        )
    raise TestInvalid(
        _(
            "AnswerKey: QualificationValueMapping takes a PercentageMapping, ScaleMapping or "
            "RangeMapping."
        )
    )


def _as_set(value) -> frozenset:
    if value is None or value == "":
        return frozenset()
    values = value if isinstance(value, list) else [value]
    return frozenset(str(item) for item in values)


def question_score(key: KeyQuestion, value) -> int:
    chosen = _as_set(value)
    for selections, score in key.options:
        if chosen == selections:
            return score
    return key.default_score


def summed_score(key: AnswerKey, answers: dict) -> int:
    return sum(
        question_score(keyed, answers.get(identifier))
        for identifier, keyed in key.questions.items()
    )


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def qualification_value(key: AnswerKey, summed: int) -> int:
    """The value a summed score grants under the key's QualificationValueMapping.

    RangeMapping with no range holding the sum and no OutOfRangeQualificationValue grants 0.
    """
    if key.mapping == "percentage":
        return _round(Decimal(100 * summed) / Decimal(key.maximum))
    if key.mapping == "scale":
        return _round(Decimal(summed) * key.multiplier)
    if key.mapping == "range":
        for lower, upper, value in key.ranges:
            if lower <= summed <= upper:
                return value
        return 0 if key.out_of_range is None else key.out_of_range
    return summed


def score(key: AnswerKey, answers: dict) -> tuple[int, int]:
    """(summed score, value granted) of `answers` under `key`."""
    summed = summed_score(key, answers)
    return summed, qualification_value(key, summed)


# --- a worker's answers --------------------------------------------------------------------


def answers_from_form(test: Question, data) -> tuple[dict, dict]:
    """The answers a posted test form gives ({identifier: text or [selections]}), and the
    errors per question identifier (a required question left empty, a selection the question
    does not offer). `data` is a QueryDict."""
    answers, errors = {}, {}
    for item in test.questions:
        if item.kind == "free_text":
            text = (data.get(item.identifier) or "").strip()
            if text:
                answers[item.identifier] = text[:4000]
            elif item.is_required:
                errors[item.identifier] = _("Answer this question.")
            continue
        chosen = [value for value in data.getlist(item.identifier) if value]
        offered = {choice.identifier for choice in item.selections}
        if any(value not in offered for value in chosen) or (
            not item.is_multiple and len(chosen) > 1
        ):
            errors[item.identifier] = _("Choose among the options shown.")
            continue
        other = (data.get(item.identifier + OTHER_SUFFIX) or "").strip()
        if chosen:
            answers[item.identifier] = chosen if item.is_multiple else chosen[0]
        if other and item.has_other:
            answers[item.identifier + OTHER_SUFFIX] = other[:1000]
        if item.is_required and not chosen and not (other and item.has_other):
            errors[item.identifier] = _("Answer this question.")
    return answers, errors


def answers_xml(answers: dict, test_xml: str) -> str:
    """The answers as MTurk's QuestionFormAnswers (QualificationRequest.Answer)."""
    return questions.answers_xml(answers, test_xml)


# --- a test built on the web ----------------------------------------------------------------


@dataclass(frozen=True)
class BuiltQuestion:
    text: str
    options: tuple[str, ...]
    correct: int  # index into options


def _x(value: str) -> str:
    return html.escape(value, quote=False)


def build_test(built: list[BuiltQuestion], *, pass_count: int) -> tuple[str, str]:
    """A QuestionForm and its AnswerKey from a requester's questions: one radio question per
    item (selections "1", "2", ...), one point per right answer, value 1 from `pass_count`
    right answers up, 0 below."""
    form = [f'<QuestionForm xmlns="{QUESTION_FORM_NS}">']
    key = [f'<AnswerKey xmlns="{ANSWER_KEY_NS}">']
    for number, item in enumerate(built, start=1):
        form.append(
            f"<Question><QuestionIdentifier>q{number}</QuestionIdentifier>"
            "<IsRequired>true</IsRequired>"
            f"<QuestionContent><Text>{_x(item.text)}</Text></QuestionContent>"
            "<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion>"
            "<Selections>"
        )
        for index, option in enumerate(item.options, start=1):
            form.append(
                f"<Selection><SelectionIdentifier>{index}</SelectionIdentifier>"
                f"<Text>{_x(option)}</Text></Selection>"
            )
        form.append("</Selections></SelectionAnswer></AnswerSpecification></Question>")
        key.append(
            f"<Question><QuestionIdentifier>q{number}</QuestionIdentifier>"
            f"<AnswerOption><SelectionIdentifier>{item.correct + 1}</SelectionIdentifier>"
            "<AnswerScore>1</AnswerScore></AnswerOption><DefaultScore>0</DefaultScore>"
            "</Question>"
        )
    form.append("</QuestionForm>")
    total = len(built)
    key.append(
        "<QualificationValueMapping><RangeMapping>"
        f"<SummedScoreRange><InclusiveLowerBound>{pass_count}</InclusiveLowerBound>"
        f"<InclusiveUpperBound>{total}</InclusiveUpperBound>"
        "<QualificationValue>1</QualificationValue></SummedScoreRange>"
        "<OutOfRangeQualificationValue>0</OutOfRangeQualificationValue>"
        "</RangeMapping></QualificationValueMapping></AnswerKey>"
    )
    return "".join(form), "".join(key)


__all__ = [
    "AnswerKey",
    "BuiltQuestion",
    "FormQuestion",
    "TestInvalid",
    "answers_from_form",
    "answers_xml",
    "build_test",
    "parse_answer_key",
    "parse_test",
    "score",
]
