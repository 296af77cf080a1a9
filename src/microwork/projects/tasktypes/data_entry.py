"""Data entry and reformatting: typed fields beside the source record, checked twice.

The browser checks each field through its HTML attributes (type, pattern, min, max, step,
required), so a worker sees a mistake at once; the server checks the same rules again, because
anything posted can be forged.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    CATEGORICAL,
    NUMERIC,
    TEXT,
    ConfigInvalid,
    TaskType,
    column_name,
    esc,
    field_name,
    is_optional,
    labelled,
    lines,
    one_value,
    spec_rows,
    text,
)
from microwork.projects.templating import AnswerInvalid

KINDS = ("text", "number", "date", "choice", "url", "email")
MAX_TEXT = 1000
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SPEC_HELP = gettext_lazy(
    "One field per line: name | kind | label | rule | optional. Kinds: text (rule: a regular "
    "expression the whole value must match), number (rule: min..max, and “step 0.01” for "
    "decimals), date (rule: 2024-01-01..2024-12-31), choice (rule: a, b, c), url, email. "
    "Write “optional” last for a field workers may leave empty."
)


def _number(value: str, *, field: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ConfigInvalid(_("“%(v)s” is not a number.") % {"v": value}, field=field) from None
    if not number.is_finite():
        raise ConfigInvalid(_("“%(v)s” is not a number.") % {"v": value}, field=field)
    return number


def _date(value: str, *, field: str) -> str:
    value = value.strip()
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ConfigInvalid(
            _("“%(v)s” is not a date like 2024-12-31.") % {"v": value}, field=field
        ) from None
    return value


def _range(rule: str, parse, *, field: str) -> tuple:
    low, _sep, high = rule.partition("..")
    low = parse(low, field=field) if low.strip() else None
    high = parse(high, field=field) if high.strip() else None
    if low is not None and high is not None and low > high:
        raise ConfigInvalid(_("The range “%(r)s” is empty.") % {"r": rule}, field=field)
    return low, high


def split_line(parts: list[str]) -> tuple[str, str, str, str, bool]:
    """name | kind | label | rule | optional; a rule may hold "|" itself (a pattern's "or")."""
    parts = list(parts)
    required = not (len(parts) > 3 and is_optional(parts[-1]))
    if not required:
        parts.pop()
    name, kind, label = [*parts, "", "", ""][:3]
    return name, kind, label, "|".join(parts[3:]).strip(), required


def parse_field(
    name: str, kind: str, label: str, rule: str, required: bool, *, seen: set, config_field: str
) -> dict:
    name = field_name(name, field=config_field, seen=seen)
    kind = kind.lower() or "text"
    if kind not in KINDS:
        raise ConfigInvalid(
            _("“%(kind)s” is not a field kind; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            field=config_field,
        )
    spec = {"name": name, "kind": kind, "label": text(label, limit=200) or name}
    spec["required"] = bool(required)
    if kind == "text" and rule:
        try:
            re.compile(rule)
        except re.error:
            raise ConfigInvalid(
                _("The pattern of “%(name)s” is not a valid regular expression.") % {"name": name},
                field=config_field,
            ) from None
        spec["pattern"] = rule
    elif kind == "number":
        rule, _sep, step = rule.partition("step")
        low, high = _range(rule, _number, field=config_field) if rule.strip() else (None, None)
        spec["min"] = str(low) if low is not None else ""
        spec["max"] = str(high) if high is not None else ""
        spec["step"] = str(_number(step, field=config_field)) if step.strip() else "1"
        if Decimal(spec["step"]) <= 0:
            raise ConfigInvalid(_("A step must be above zero."), field=config_field)
    elif kind == "date" and rule:
        low, high = _range(rule, _date, field=config_field)
        spec["min"], spec["max"] = low or "", high or ""
    elif kind == "choice":
        options = [option.strip() for option in rule.split(",") if option.strip()]
        if len(options) < 2 or len(set(options)) != len(options):
            raise ConfigInvalid(
                _("Give “%(name)s” at least two different options, separated by commas.")
                % {"name": name},
                field=config_field,
            )
        spec["options"] = options
    return spec


def field_input_html(spec: dict, *, id_prefix: str = "mw-f-") -> str:
    """One field as HTML whose attributes say the same rules the server checks."""
    name = spec["name"]
    attributes = f'name="{name}" id="{id_prefix}{name}"'
    if spec["required"]:
        attributes += " required"
    kind = spec["kind"]
    if kind == "choice":
        options = "".join(
            f'<option value="{esc(option)}">{esc(option)}</option>' for option in spec["options"]
        )
        # Outside the f-string: xgettext does not find gettext calls inside one.
        prompt = esc(_("Choose…"))
        return f'<select {attributes}><option value="">{prompt}</option>{options}</select>'
    if kind == "number":
        attributes += f' step="{esc(spec["step"])}" inputmode="decimal"'
        for bound in ("min", "max"):
            if spec[bound]:
                attributes += f' {bound}="{esc(spec[bound])}"'
        return f'<input type="number" {attributes}>'
    if kind == "date":
        for bound in ("min", "max"):
            if spec.get(bound):
                attributes += f' {bound}="{esc(spec[bound])}"'
        return f'<input type="date" {attributes}>'
    if kind in ("url", "email"):
        return f'<input type="{kind}" {attributes} autocomplete="off">'
    if spec.get("pattern"):
        attributes += f' pattern="{esc(spec["pattern"])}"'
    return f'<input type="text" {attributes} maxlength="{MAX_TEXT}" autocomplete="off">'


def clean_field(spec: dict, fields) -> str | int | float:
    """The checked value of one field, or AnswerInvalid naming it; "" when optional and empty."""
    name = spec["name"]
    value = one_value(fields, name, required=spec["required"]).strip()
    if value == "":
        if spec["required"]:
            raise AnswerInvalid(name, _("This answer is required."))
        return ""
    kind = spec["kind"]
    if kind == "text":
        if len(value) > MAX_TEXT:
            raise AnswerInvalid(name, _("Keep it under %(n)d characters.") % {"n": MAX_TEXT})
        if spec.get("pattern") and not re.fullmatch(spec["pattern"], value):
            raise AnswerInvalid(name, _("This does not have the expected form."))
        return value
    if kind == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise AnswerInvalid(name, _("Type a number.")) from None
        if not number.is_finite():
            raise AnswerInvalid(name, _("Type a number."))
        if spec["min"] and number < Decimal(spec["min"]):
            raise AnswerInvalid(name, _("The smallest value is %(v)s.") % {"v": spec["min"]})
        if spec["max"] and number > Decimal(spec["max"]):
            raise AnswerInvalid(name, _("The largest value is %(v)s.") % {"v": spec["max"]})
        base = Decimal(spec["min"] or 0)
        if (number - base) % Decimal(spec["step"]) != 0:
            raise AnswerInvalid(name, _("Use steps of %(v)s.") % {"v": spec["step"]})
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        try:
            if not DATE.fullmatch(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise AnswerInvalid(name, _("Give a date like 2024-12-31.")) from None
        if spec.get("min") and value < spec["min"]:
            raise AnswerInvalid(name, _("The earliest date is %(v)s.") % {"v": spec["min"]})
        if spec.get("max") and value > spec["max"]:
            raise AnswerInvalid(name, _("The latest date is %(v)s.") % {"v": spec["max"]})
        return value
    if kind == "choice":
        if value not in spec["options"]:
            raise AnswerInvalid(name, _("Choose one of the options."))
        return value
    validator = URLValidator(schemes=["http", "https"]) if kind == "url" else EmailValidator()
    try:
        validator(value)
    except ValidationError:
        message = (
            _("Give a web address (https://…).") if kind == "url" else _("Give an email address.")
        )
        raise AnswerInvalid(name, message) from None
    return value


def optional_mark(spec: dict) -> str:
    if spec["required"]:
        return ""
    mark = esc(_("(optional)"))  # outside the f-string, where xgettext finds it
    return f' <span class="mw-optional">{mark}</span>'


def spec_rule(spec: dict) -> str:
    rule = ""
    if spec["kind"] == "text":
        rule = spec.get("pattern", "")
    elif spec["kind"] == "number":
        rule = f"{spec['min']}..{spec['max']}" if spec["min"] or spec["max"] else ""
        if spec["step"] != "1":
            rule += f" step {spec['step']}"
    elif spec["kind"] == "date" and (spec.get("min") or spec.get("max")):
        rule = f"{spec.get('min', '')}..{spec.get('max', '')}"
    elif spec["kind"] == "choice":
        rule = ", ".join(spec["options"])
    return rule.strip()


def spec_line(spec: dict) -> str:
    """A field spec written back as its line on the project form."""
    parts = [spec["name"], spec["kind"], spec["label"], spec_rule(spec)]
    if not spec["required"]:
        parts.append("optional")
    return " | ".join(parts).rstrip(" |")


class DataEntry(TaskType):
    key = TemplateKind.DATA_ENTRY
    label = gettext_lazy("Data entry")

    def config_fields(self):
        return {
            "source_columns": forms.CharField(
                label=gettext_lazy("Columns shown as the source record"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=gettext_lazy("One column of your file per line."),
            ),
            "fields": forms.CharField(
                label=gettext_lazy("Fields to fill in"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
                initial="name | text | Company name\n"
                "employees | number | Employees | 0..1000000 | optional\n"
                "website | url | Website | optional",
                help_text=SPEC_HELP,
            ),
        }

    def form_initial(self, config):
        return {
            "source_columns": "\n".join(config.get("source_columns", [])),
            "fields": "\n".join(spec_line(spec) for spec in config.get("fields", [])),
        }

    def parse(self, config):
        columns = [
            column_name(column, field="source_columns")
            for column in lines(config.get("source_columns"))
        ]
        if not columns:
            raise ConfigInvalid(_("Name at least one column to show."), field="source_columns")
        raw = config.get("fields")
        seen: set[str] = set()
        if isinstance(raw, list) and raw and all(isinstance(item, dict) for item in raw):
            # A stored (or API-given) configuration: the same checks on the same values.
            rows = [
                (
                    str(item.get("name", "")),
                    str(item.get("kind", "")),
                    str(item.get("label", "")),
                    spec_rule({"step": "1", "min": "", "max": "", "options": [], **item}),
                    item.get("required", True) is not False,
                )
                for item in raw
            ]
        else:
            rows = [split_line(parts) for parts in spec_rows(raw, field="fields")]
        return {
            "source_columns": columns,
            "fields": [parse_field(*row, seen=seen, config_field="fields") for row in rows],
        }

    def build(self, config):
        record = "\n".join(
            f"    <dt>{esc(column)}</dt><dd>${{{column}}}</dd>"
            for column in config["source_columns"]
        )
        inputs = "\n".join(
            f'    <div class="mw-field"><label for="mw-f-{spec["name"]}">{esc(spec["label"])}'
            f"{optional_mark(spec)}</label>{field_input_html(spec)}</div>"
            for spec in config["fields"]
        )
        # Outside the f-string: xgettext does not find gettext calls inside one.
        source, entry = esc(_("Source")), esc(_("Your entry"))
        return (
            '<div class="mw-columns">\n'
            f'  <section class="mw-record"><h2>{source}</h2>\n  <dl>\n{record}\n  </dl>'
            "</section>\n"
            f'  <section class="mw-fields"><h2>{entry}</h2>\n{inputs}\n  </section>\n'
            "</div>\n"
        )

    def clean_answer(self, config, fields, files, row=None):
        answers = {}
        for spec in config["fields"]:
            try:
                answers[spec["name"]] = clean_field(spec, fields)
            except AnswerInvalid as error:
                # The worker sees only the message: say which field it is about.
                raise AnswerInvalid(error.field, labelled(spec["label"], error.message)) from None
        return answers

    def aggregation_fields(self, config):
        kinds = {"number": NUMERIC, "choice": CATEGORICAL}
        return {spec["name"]: kinds.get(spec["kind"], TEXT) for spec in config["fields"]}
