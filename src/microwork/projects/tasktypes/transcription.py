"""Transcription: an image (a line of a page, a receipt, a snippet) and a text box, with optional
rules on the characters and the case that the worker sees and the server checks."""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    TEXT,
    ConfigInvalid,
    TaskType,
    column_name,
    esc,
    flag,
    image_column_field,
    one_value,
    text,
)
from microwork.projects.templating import AnswerInvalid

ANSWER_FIELD = "text"
MAX_TEXT = 5000


class Case:
    ANY = "any"
    UPPER = "upper"
    LOWER = "lower"

    CHOICES = [
        (ANY, gettext_lazy("As written")),
        (UPPER, gettext_lazy("UPPER CASE")),
        (LOWER, gettext_lazy("lower case")),
    ]


def _character_class(value: str) -> str:
    """A regular expression character class, e.g. "A-Z0-9 ,.-", as one set (no anchors)."""
    allowed = value.strip()
    if not allowed:
        return ""
    if allowed.startswith("[") and allowed.endswith("]"):
        allowed = allowed[1:-1]
    try:
        re.compile(f"[{allowed}]")
    except re.error:
        raise ConfigInvalid(
            _("The allowed characters are not a valid character set (like A-Z0-9 .,-)."),
            field="allowed",
        ) from None
    if len(allowed) > 200:
        raise ConfigInvalid(_("Keep the allowed characters under 200 signs."), field="allowed")
    return allowed


# Signs that must be escaped inside an HTML pattern's character class (the `v` flag's rules).
_V_FLAG_SPECIAL = set("()[]{}/-\\|&!#%,:;<=>@`~^$.*+?")


def _v_escape(char: str) -> str:
    return "\\" + char if char in _V_FLAG_SPECIAL else char


def browser_pattern(allowed: str) -> str:
    """The same set as an HTML `pattern` (compiled with the `v` flag, stricter than Python's
    re about literal signs); "" when it cannot be said safely, the server checks anyway."""
    if not allowed or allowed.startswith("^"):
        return ""
    items, i = [], 0
    while i < len(allowed):
        char = allowed[i]
        if char == "\\" and i + 1 < len(allowed):
            following = allowed[i + 1]
            items.append("\\" + following if following in "dswDSW" else _v_escape(following))
            i += 2
        elif i + 2 < len(allowed) and allowed[i + 1] == "-" and allowed[i + 2] != "\\":
            items.append(f"{_v_escape(char)}-{_v_escape(allowed[i + 2])}")
            i += 3
        else:
            items.append(_v_escape(char))
            i += 1
    return "[" + "".join(items) + "]*"


class Transcription(TaskType):
    key = TemplateKind.TRANSCRIPTION
    label = gettext_lazy("Transcription")

    def config_fields(self):
        return {
            "image_column": image_column_field(),
            "question": forms.CharField(
                label=gettext_lazy("What to type"),
                max_length=500,
                required=False,
                help_text=gettext_lazy("E.g. “Type the total of this receipt.”"),
            ),
            "allowed": forms.CharField(
                label=gettext_lazy("Allowed characters (optional)"),
                max_length=200,
                required=False,
                help_text=gettext_lazy(
                    "As ranges and signs, e.g. A-Z0-9 .,- ; leave empty to allow anything."
                ),
            ),
            "case": forms.ChoiceField(
                label=gettext_lazy("Case"),
                choices=Case.CHOICES,
                required=False,
                initial=Case.ANY,
            ),
            "multiline": forms.BooleanField(
                label=gettext_lazy("Several lines (a text area instead of one line)"),
                required=False,
            ),
        }

    def parse(self, config):
        case = str(config.get("case") or Case.ANY)
        if case not in (Case.ANY, Case.UPPER, Case.LOWER):
            raise ConfigInvalid(_("Choose a case rule."), field="case")
        return {
            "image_column": column_name(config.get("image_column"), field="image_column"),
            "question": text(config.get("question")),
            "allowed": _character_class(str(config.get("allowed") or "")),
            "case": case,
            "multiline": flag(config.get("multiline")),
        }

    def rules_text(self, config) -> str:
        rules = []
        if config["allowed"]:
            rules.append(_("Use only these characters: %(set)s") % {"set": config["allowed"]})
        if config["case"] == Case.UPPER:
            rules.append(_("Type in UPPER CASE."))
        elif config["case"] == Case.LOWER:
            rules.append(_("Type in lower case."))
        return " ".join(rules)

    def build(self, config):
        question = esc(config["question"] or _("Type exactly what the image shows."))
        alt = esc(_("The image to transcribe"))
        attributes = f'name="{ANSWER_FIELD}" id="mw-text" required maxlength="{MAX_TEXT}"'
        attributes += ' autocomplete="off" autocapitalize="off" spellcheck="false"'
        pattern = browser_pattern(config["allowed"]) if not config["multiline"] else ""
        if pattern:
            # The browser's check, for quick feedback; the server checks the same set again.
            attributes += f' pattern="{esc(pattern)}"'
        rules = self.rules_text(config)
        if rules:
            attributes += ' aria-describedby="mw-rules"'
        field = (
            f'<textarea {attributes} rows="4"></textarea>'
            if config["multiline"]
            else f'<input type="text" {attributes}>'
        )
        rules_html = f'<p class="mw-rules" id="mw-rules">{esc(rules)}</p>\n' if rules else ""
        return (
            f'<figure class="mw-image"><img src="${{{config["image_column"]}}}" alt="{alt}">'
            "</figure>\n"
            f'<div class="mw-field"><label for="mw-text">{question}</label>\n'
            f"{rules_html}{field}</div>\n"
        )

    def clean_answer(self, config, fields, files, row=None):
        value = unicodedata.normalize("NFC", one_value(fields, ANSWER_FIELD))
        value = value.replace("\r\n", "\n")
        if not config["multiline"]:
            value = value.strip()
        if not value.strip():
            raise AnswerInvalid(ANSWER_FIELD, _("Type the text; it is empty."))
        if len(value) > MAX_TEXT:
            raise AnswerInvalid(
                ANSWER_FIELD, _("Keep the text under %(n)d characters.") % {"n": MAX_TEXT}
            )
        # The case rule first: a lower-case letter in an upper-case set is a case mistake.
        if config["case"] == Case.UPPER and value != value.upper():
            raise AnswerInvalid(ANSWER_FIELD, _("Type the text in UPPER CASE."))
        if config["case"] == Case.LOWER and value != value.lower():
            raise AnswerInvalid(ANSWER_FIELD, _("Type the text in lower case."))
        if config["allowed"]:
            allowed = re.compile(
                f"[{config['allowed']}]|\n" if config["multiline"] else f"[{config['allowed']}]"
            )
            wrong = sorted({char for char in value if not allowed.fullmatch(char)})
            if wrong:
                raise AnswerInvalid(
                    ANSWER_FIELD,
                    _("These characters are not allowed: %(chars)s") % {"chars": " ".join(wrong)},
                )
        return {ANSWER_FIELD: value}

    def aggregation_fields(self, config):
        return {ANSWER_FIELD: TEXT}
