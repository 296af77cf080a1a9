"""Task templates: MTurk-style HTML with ${column} placeholders, and the ready-made kinds.

A template is HTML that the worker's browser shows inside a sandboxed frame; its form fields are
the answer. Placeholders are replaced by the row's values, HTML-escaped (quotes included), so a
value is safe in text and in a quoted attribute alike.
"""

import html
import re

from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z0-9_][A-Za-z0-9_.\- ]*?)\s*\}")
# Field names the platform adds to every task form; a template must not use them.
RESERVED_FIELDS = frozenset({"assignmentId", "mw_token"})
MAX_TEMPLATE_LENGTH = 200_000


class TemplateInvalid(ValueError):
    pass


def placeholders(template_html: str) -> list[str]:
    """The distinct column names a template uses, in order of first use."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(template_html):
        seen.setdefault(match.group(1), None)
    return list(seen)


def validate_custom_html(template_html: str) -> None:
    """Raise TemplateInvalid if the HTML cannot serve as a task template."""
    if not template_html.strip():
        raise TemplateInvalid(_("The template is empty."))
    if len(template_html) > MAX_TEMPLATE_LENGTH:
        raise TemplateInvalid(
            _("The template is longer than %(limit)d characters.") % {"limit": MAX_TEMPLATE_LENGTH}
        )
    if re.search(r"<\s*form[\s>]", template_html, re.IGNORECASE):
        raise TemplateInvalid(
            _("Leave out the <form> tag: the platform wraps your fields in its own form.")
        )
    for name in RESERVED_FIELDS:
        if re.search(rf"name\s*=\s*[\"']?{name}\b", template_html):
            raise TemplateInvalid(_("The field name “%(name)s” is reserved.") % {"name": name})
    if not re.search(r"<\s*(input|textarea|select|button)[\s>]", template_html, re.IGNORECASE):
        raise TemplateInvalid(_("The template has no form field, so workers could not answer."))


def render(source: str, row: dict) -> str:
    """Fill each ${column} with the row's value, escaped for HTML text and attributes."""
    return PLACEHOLDER.sub(
        lambda match: html.escape(str(row.get(match.group(1), "")), quote=True), source
    )


class AnswerInvalid(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


MAX_ANSWER_FIELDS = 200
MAX_ANSWER_CHARS = 65_536


def clean_form_fields(fields: dict[str, list[str]]) -> dict:
    """Turn submitted form fields into an answer, or raise AnswerInvalid: a field sent once is
    a string, a field sent several times (checkboxes) a list; reserved fields are dropped and
    the answer's size is bounded. tasktypes.clean_answers() then lets a ready-made kind check
    and shape it."""
    answers: dict[str, str | list[str]] = {}
    total = 0
    for name, values in fields.items():
        if name in RESERVED_FIELDS or name == "csrfmiddlewaretoken":
            continue
        total += len(name) + sum(len(value) for value in values)
        if "\x00" in name or any("\x00" in value for value in values):
            # PostgreSQL stores no NUL in text or JSON: refused here, named, not a 500 later.
            raise AnswerInvalid(name, _("This field contains a NUL character, which is not text."))
        answers[name] = values[0] if len(values) == 1 else list(values)
    if not answers:
        raise AnswerInvalid("", _("The answer is empty: fill in the task before submitting."))
    if len(answers) > MAX_ANSWER_FIELDS:
        raise AnswerInvalid(
            "", _("The answer has more than %(n)d fields.") % {"n": MAX_ANSWER_FIELDS}
        )
    if total > MAX_ANSWER_CHARS:
        raise AnswerInvalid(
            "", _("The answer is longer than %(n)d characters.") % {"n": MAX_ANSWER_CHARS}
        )
    return answers
