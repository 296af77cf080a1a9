"""MTurk Question XML: HTMLQuestion, ExternalQuestion and QuestionForm (FreeTextAnswer and
SelectionAnswer), for tasks of the MTURK_QUESTION template kind.

Such a task keeps its Question XML in its input under QUESTION_INPUT. This module parses it
(refusing anything that is not one of the three formats), turns a QuestionForm into form fields
for the sandboxed task frame, and writes an assignment's answers back as MTurk's
QuestionFormAnswers XML.
"""

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

QUESTION_INPUT = "Question"
MAX_QUESTION_BYTES = 65_535
ANSWERS_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd"
)
NAMESPACES = {
    "HTMLQuestion": {
        "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/"
        "HTMLQuestion.xsd"
    },
    "ExternalQuestion": {
        "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/"
        "ExternalQuestion.xsd"
    },
    "QuestionForm": {
        "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/"
        "QuestionForm.xsd",
        "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
        "QuestionForm.xsd",
    },
}
# Where MTurk pages post their answers; rewritten to the platform's own externalSubmit.
MTURK_SUBMIT_URLS = (
    "https://www.mturk.com/mturk/externalSubmit",
    "https://workersandbox.mturk.com/mturk/externalSubmit",
)
MTURK_SCRIPT_URLS = (
    "https://s3.amazonaws.com/mturk-public/externalHIT_v1.js",
    "http://s3.amazonaws.com/mturk-public/externalHIT_v1.js",
)


class QuestionInvalid(ValueError):
    """The Question is not well-formed XML of a supported format; the message says why."""


@dataclass(frozen=True)
class Selection:
    identifier: str
    text: str


@dataclass(frozen=True)
class FormQuestion:
    identifier: str
    text: str
    is_required: bool
    kind: str  # "free_text" or "selection"
    selections: tuple[Selection, ...] = ()
    is_multiple: bool = False  # checkboxes rather than radio buttons
    has_other: bool = False


@dataclass(frozen=True)
class Question:
    kind: str  # HTMLQuestion, ExternalQuestion or QuestionForm
    html_content: str = ""
    external_url: str = ""
    frame_height: int = 0
    overview: str = ""
    questions: tuple[FormQuestion, ...] = field(default_factory=tuple)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _brace, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _child(element, name: str):
    for child in element:
        if _local(child.tag)[1] == name:
            return child
    return None


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag)[1] == name]


def _text(element, name: str) -> str:
    child = _child(element, name) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _frame_height(root) -> int:
    raw = _text(root, "FrameHeight") or "0"
    if not raw.isdigit():
        raise QuestionInvalid("FrameHeight must be a whole number of pixels.")
    return int(raw)


def _content_text(element) -> str:
    """The words of a QuestionContent or Overview: its Text and FormattedContent parts."""
    if element is None:
        return ""
    parts = []
    for child in element:
        name = _local(child.tag)[1]
        if name in ("Text", "Title", "FormattedContent"):
            parts.append((child.text or "").strip())
    return "\n".join(part for part in parts if part)


def _form_question(element) -> FormQuestion:
    identifier = _text(element, "QuestionIdentifier")
    if not identifier:
        raise QuestionInvalid("Each Question needs a QuestionIdentifier.")
    text = _content_text(_child(element, "QuestionContent"))
    required = _text(element, "IsRequired").lower() == "true"
    spec = _child(element, "AnswerSpecification")
    if spec is None:
        raise QuestionInvalid(f"Question {identifier} has no AnswerSpecification.")
    if _child(spec, "FreeTextAnswer") is not None:
        return FormQuestion(identifier, text, required, "free_text")
    selection = _child(spec, "SelectionAnswer")
    if selection is None:
        raise QuestionInvalid(
            f"Question {identifier}: only FreeTextAnswer and SelectionAnswer are supported."
        )
    holder = _child(selection, "Selections")
    holder = selection if holder is None else holder
    selections = tuple(
        Selection(_text(item, "SelectionIdentifier"), _text(item, "Text"))
        for item in _children(holder, "Selection")
    )
    if not selections:
        raise QuestionInvalid(f"Question {identifier} has no Selection.")
    style = _text(selection, "StyleSuggestion")
    max_count = _text(selection, "MaxSelectionCount")
    return FormQuestion(
        identifier,
        text,
        required,
        "selection",
        selections=selections,
        is_multiple=style in ("checkbox", "multichooser") or (max_count not in ("", "1")),
        has_other=_child(holder, "OtherSelection") is not None,
    )


def parse_question(xml: str) -> Question:
    """Parse MTurk Question XML by its root element and namespace; raise QuestionInvalid."""
    if len(xml.encode("utf-8")) > MAX_QUESTION_BYTES:
        raise QuestionInvalid(f"The Question is longer than {MAX_QUESTION_BYTES} bytes.")
    try:
        # defusedxml: a requester's XML may declare no DTD, entity or external reference
        # (billion laughs, file and network reads).
        root = fromstring(xml)
    except ParseError as error:
        raise QuestionInvalid(f"The Question is not well-formed XML: {error}.") from None
    except DefusedXmlException:
        raise QuestionInvalid(
            "The Question may not declare a DTD, entities or external references."
        ) from None
    namespace, name = _local(root.tag)
    if name not in NAMESPACES or namespace not in NAMESPACES[name]:
        raise QuestionInvalid(
            "The Question must be an HTMLQuestion, ExternalQuestion or QuestionForm in its "
            "MTurk namespace."
        )
    if name == "HTMLQuestion":
        content = _text(root, "HTMLContent")
        if not content:
            raise QuestionInvalid("HTMLQuestion needs HTMLContent.")
        return Question(name, html_content=content, frame_height=_frame_height(root))
    if name == "ExternalQuestion":
        url = _text(root, "ExternalURL")
        if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).netloc:
            raise QuestionInvalid("ExternalURL must be an http(s) URL.")
        return Question(name, external_url=url, frame_height=_frame_height(root))
    questions = tuple(_form_question(element) for element in _children(root, "Question"))
    if not questions:
        raise QuestionInvalid("A QuestionForm needs at least one Question.")
    identifiers = [question.identifier for question in questions]
    if len(set(identifiers)) != len(identifiers):
        raise QuestionInvalid("Each QuestionIdentifier must be unique.")
    overview = "\n".join(_content_text(item) for item in _children(root, "Overview"))
    return Question(name, overview=overview, questions=questions)


def html_question_document(question: Question, *, submit_url: str, script_url: str) -> str:
    """The HTMLQuestion's own document, with MTurk's submit address and helper script pointed
    at the platform's (the frame's CSP lets it post and load scripts only there)."""
    content = question.html_content
    for url in MTURK_SUBMIT_URLS:
        content = content.replace(url, submit_url)
    for url in MTURK_SCRIPT_URLS:
        content = content.replace(url, script_url)
    return content


def question_form_html(question: Question) -> str:
    """Form fields for a QuestionForm, to go inside the platform's task form."""
    parts = []
    if question.overview:
        parts.append(f'<div class="mw-overview">{html.escape(question.overview)}</div>')
    for item in question.questions:
        name = html.escape(item.identifier, quote=True)
        required = " required" if item.is_required else ""
        label = html.escape(item.text or item.identifier)
        if item.kind == "free_text":
            parts.append(
                f'<label class="mw-question">{label}<br>'
                f'<textarea name="{name}"{required}></textarea></label>'
            )
            continue
        input_type = "checkbox" if item.is_multiple else "radio"
        choices = "".join(
            f'<label class="mw-choice"><input type="{input_type}" name="{name}" '
            f'value="{html.escape(choice.identifier, quote=True)}"'
            f"{required if input_type == 'radio' else ''}> {html.escape(choice.text)}</label>"
            for choice in item.selections
        )
        if item.has_other:
            choices += (
                f'<label class="mw-choice">Other: <input type="text" '
                f'name="{name}.OtherSelectionText"></label>'
            )
        parts.append(f'<fieldset class="mw-question"><legend>{label}</legend>{choices}</fieldset>')
    return "\n".join(parts)


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(value) -> str:
    return html.escape(_INVALID_XML_CHARS.sub("", str(value)), quote=False)


def answers_xml(answers: dict | None, question_xml: str = "") -> str:
    """An assignment's answers as QuestionFormAnswers XML, one Answer per field.

    A QuestionForm selection gives one SelectionIdentifier per chosen option (its "other" text
    an OtherSelectionText); every other field a FreeText, several values joined with "|".
    """
    selections: set[str] = set()
    if question_xml:
        try:
            parsed = parse_question(question_xml)
        except QuestionInvalid:
            parsed = None
        if parsed is not None and parsed.kind == "QuestionForm":
            selections = {q.identifier for q in parsed.questions if q.kind == "selection"}
    lines = [_XML_DECLARATION, f'<QuestionFormAnswers xmlns="{ANSWERS_NS}">']
    others = {
        name[: -len(".OtherSelectionText")]: value
        for name, value in (answers or {}).items()
        if name.endswith(".OtherSelectionText")
    }
    for name, value in (answers or {}).items():
        if name.endswith(".OtherSelectionText") and name[: -len(".OtherSelectionText")] in (
            selections
        ):
            continue
        values = value if isinstance(value, list) else [value]
        lines.append("<Answer>")
        lines.append(f"<QuestionIdentifier>{_xml_text(name)}</QuestionIdentifier>")
        if name in selections:
            for chosen in values:
                lines.append(f"<SelectionIdentifier>{_xml_text(chosen)}</SelectionIdentifier>")
            if others.get(name):
                lines.append(f"<OtherSelectionText>{_xml_text(others[name])}</OtherSelectionText>")
        else:
            lines.append(f"<FreeText>{_xml_text('|'.join(str(v) for v in values))}</FreeText>")
        lines.append("</Answer>")
    lines.append("</QuestionFormAnswers>")
    return "".join(lines)
