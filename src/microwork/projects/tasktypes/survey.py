"""Survey: Likert scales, single and multiple choice and free text, each required or optional."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    CATEGORICAL,
    MULTILABEL,
    NUMERIC,
    TEXT,
    ConfigInvalid,
    TaskType,
    esc,
    field_name,
    is_optional,
    labelled,
    optional_column,
    spec_rows,
    text,
)
from microwork.projects.templating import AnswerInvalid

KINDS = ("likert", "single", "multiple", "text")
MAX_TEXT = 2000
DEFAULT_LIKERT = (
    gettext_lazy("Strongly disagree"),
    gettext_lazy("Disagree"),
    gettext_lazy("Neither agree nor disagree"),
    gettext_lazy("Agree"),
    gettext_lazy("Strongly agree"),
)
SPEC_HELP = gettext_lazy(
    "One question per line: name | kind | question | options | optional. Kinds: likert "
    "(options: the points of the scale, from low to high, separated by commas; five from "
    "“Strongly disagree” to “Strongly agree” if left empty), single, multiple (options: a, b, "
    "c), text. Write “optional” last for a question workers may skip."
)


def _split(parts: list[str]) -> tuple[str, str, str, str, bool]:
    parts = list(parts)
    required = not (len(parts) > 3 and is_optional(parts[-1]))
    if not required:
        parts.pop()
    name, kind, question = [*parts, "", "", ""][:3]
    return name, kind, question, "|".join(parts[3:]), required


def _question(name, kind, question, options, required, *, seen) -> dict:
    name = field_name(name, field="questions", seen=seen)
    kind = kind.lower()
    if kind not in KINDS:
        raise ConfigInvalid(
            _("“%(kind)s” is not a question kind; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            field="questions",
        )
    if not question.strip():
        raise ConfigInvalid(
            _("Question “%(name)s” has no text.") % {"name": name}, field="questions"
        )
    spec = {"name": name, "kind": kind, "text": text(question, limit=500), "required": required}
    if kind != "text":
        items = options if isinstance(options, list) else options.split(",")
        choices = [str(option).strip() for option in items if str(option).strip()]
        if kind == "likert" and not choices:
            choices = [str(point) for point in DEFAULT_LIKERT]
        if not 2 <= len(choices) <= 11 or len(set(choices)) != len(choices):
            raise ConfigInvalid(
                _("Give question “%(name)s” between 2 and 11 different options.") % {"name": name},
                field="questions",
            )
        spec["options"] = choices
    return spec


class Survey(TaskType):
    key = TemplateKind.SURVEY
    label = gettext_lazy("Survey")

    def config_fields(self):
        return {
            "intro_column": forms.CharField(
                label=gettext_lazy("Column shown above the questions (optional)"),
                max_length=100,
                required=False,
                help_text=gettext_lazy("E.g. a product name or a text to react to."),
            ),
            "questions": forms.CharField(
                label=gettext_lazy("Questions"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
                initial="clear | likert | The instructions were clear.\n"
                "device | single | What did you use? | phone, tablet, computer\n"
                "comments | text | Anything else? | optional",
                help_text=SPEC_HELP,
            ),
        }

    def form_initial(self, config):
        rows = []
        for spec in config.get("questions", []):
            parts = [spec["name"], spec["kind"], spec["text"], ", ".join(spec.get("options", []))]
            if not spec["required"]:
                parts.append("optional")
            rows.append(" | ".join(parts).rstrip(" |"))
        return {"intro_column": config.get("intro_column", ""), "questions": "\n".join(rows)}

    def parse(self, config):
        raw = config.get("questions")
        seen: set[str] = set()
        if isinstance(raw, list) and raw and all(isinstance(item, dict) for item in raw):
            rows = [
                (
                    str(item.get("name", "")),
                    str(item.get("kind", "")),
                    str(item.get("text", "")),
                    list(item.get("options", [])),
                    item.get("required", True) is not False,
                )
                for item in raw
            ]
        else:
            rows = [_split(parts) for parts in spec_rows(raw, field="questions")]
        return {
            "intro_column": optional_column(config.get("intro_column"), field="intro_column"),
            "questions": [_question(*row, seen=seen) for row in rows],
        }

    def _question_html(self, spec: dict) -> str:
        name, kind = spec["name"], spec["kind"]
        # The mark is translated outside the f-string: xgettext does not look inside one.
        mark = esc(_("(optional)"))
        optional = "" if spec["required"] else f' <span class="mw-optional">{mark}</span>'
        if kind == "text":
            required = " required" if spec["required"] else ""
            return (
                f'<div class="mw-field"><label for="mw-q-{name}">{esc(spec["text"])}{optional}'
                f'</label><textarea name="{name}" id="mw-q-{name}" rows="3" '
                f'maxlength="{MAX_TEXT}"{required}></textarea></div>'
            )
        input_type = "checkbox" if kind == "multiple" else "radio"
        required = " required" if spec["required"] and kind != "multiple" else ""
        options = "".join(
            f'<label class="mw-choice"><input type="{input_type}" name="{name}" '
            f'value="{index + 1 if kind == "likert" else esc(option)}"{required}> '
            f"{esc(option)}</label>"
            for index, option in enumerate(spec["options"])
        )
        css = "mw-choices mw-likert" if kind == "likert" else "mw-choices"
        return (
            f'<fieldset class="{css}"><legend>{esc(spec["text"])}{optional}</legend>'
            f"{options}</fieldset>"
        )

    def build(self, config):
        intro = ""
        if config["intro_column"]:
            intro = f'<blockquote class="mw-text">${{{config["intro_column"]}}}</blockquote>\n'
        return intro + "\n".join(self._question_html(spec) for spec in config["questions"]) + "\n"

    def clean_answer(self, config, fields, files, row=None):
        answers = {}
        for spec in config["questions"]:
            try:
                answers[spec["name"]] = self._clean_one(spec, fields)
            except AnswerInvalid as error:
                # The worker sees only the message: say which question it is about.
                raise AnswerInvalid(error.field, labelled(spec["text"], error.message)) from None
        return answers

    def _clean_one(self, spec: dict, fields):
        name = spec["name"]
        values = [value for value in fields.get(name, []) if value.strip()]
        if not values:
            if spec["required"]:
                raise AnswerInvalid(name, _("This question needs an answer."))
            return [] if spec["kind"] == "multiple" else ""
        if spec["kind"] == "multiple":
            unknown = any(value not in spec["options"] for value in values)
            if unknown or len(set(values)) != len(values):
                raise AnswerInvalid(name, _("Choose among the options, each once."))
            return [option for option in spec["options"] if option in values]
        if len(values) > 1:
            raise AnswerInvalid(name, _("Give one answer only."))
        value = values[0]
        if spec["kind"] == "likert":
            points = [str(n) for n in range(1, len(spec["options"]) + 1)]
            if value not in points:
                raise AnswerInvalid(name, _("Choose a point of the scale."))
            return int(value)
        elif spec["kind"] == "single":
            if value not in spec["options"]:
                raise AnswerInvalid(name, _("Choose one of the options."))
            return value
        else:
            if len(value) > MAX_TEXT:
                raise AnswerInvalid(name, _("Keep it under %(n)d characters.") % {"n": MAX_TEXT})
            return value.strip()

    def aggregation_fields(self, config):
        kinds = {"likert": NUMERIC, "single": CATEGORICAL, "multiple": MULTILABEL, "text": TEXT}
        return {spec["name"]: kinds[spec["kind"]] for spec in config["questions"]}
