"""What every ready-made task type provides, and the small helpers they share.

A task type turns a requester's configuration (a JSON object stored in Project.template_config)
into an ordinary task template with ${column} placeholders, and checks the answers posted to it.
Everything after that — batch upload, the sandboxed frame, claim and submit, review, results,
aggregation — is the same path as for custom HTML.
"""

import html
import re
from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.templating import PLACEHOLDER, AnswerInvalid, TemplateInvalid, placeholders

# The kinds of answer the quality app can aggregate (quality/aggregation/).
CATEGORICAL = "categorical"
MULTILABEL = "multilabel"
TEXT = "text"
NUMERIC = "numeric"
BOXES = "boxes"

FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
MAX_LABELS = 50
MAX_LABEL_LENGTH = 200


class ConfigInvalid(TemplateInvalid):
    """A configuration the type cannot build a template from; `field` names the config key."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


class TaskType:
    """One ready-made kind of task. Subclasses set `key` (a TemplateKind value) and `label`.

    `parse` is the one place a configuration is checked: the project form, the project services
    and every other method go through it, and every other method takes its (normalised) result.
    """

    key: str = ""
    label: str = ""
    # Static files (paths for {% static %}) the task frame loads for this type. The frame allows
    # inline requester scripts, but the platform's own scripts are files, as on every other page.
    scripts: tuple[str, ...] = ()
    stylesheets: tuple[str, ...] = ("projects/tasktypes/tasktypes.css",)
    # The answer carries files: the frame form posts multipart/form-data.
    accepts_files = False
    # Browser features the work page's iframe delegates to the frame (its `allow` attribute),
    # and scripts the work page itself loads around the frame.
    frame_allow = ""
    page_scripts: tuple[str, ...] = ()
    # Project form fields are named "<prefix>-<name>"; "" keeps the bare names.
    form_prefix: str | None = None

    # --- configuration -----------------------------------------------------------------------

    def config_fields(self) -> dict[str, forms.Field]:
        """The project form's fields for this type; all optional at the form level (only the
        chosen type's are read), `parse` says what is really required."""
        return {}

    def config_from_form(self, values: dict) -> dict:
        """The raw configuration from this type's cleaned form values (then `parse`d)."""
        return dict(values)

    def form_initial(self, config: dict) -> dict:
        """The form values that show a stored configuration again."""
        return dict(config)

    def parse(self, config: Mapping) -> dict:
        """Check a configuration and return it normalised; raise ConfigInvalid naming the key."""
        raise NotImplementedError

    # --- template ----------------------------------------------------------------------------

    def build(self, config: dict) -> str:
        """The template HTML with ${column} placeholders, every configured text escaped."""
        raise NotImplementedError

    def required_columns(self, config: dict) -> list[str]:
        return placeholders(self.build(config))

    # --- answers -----------------------------------------------------------------------------

    def clean_answer(
        self, config: dict, fields: dict[str, list[str]], files: Mapping, row: dict | None = None
    ) -> dict:
        """The stored answer from the posted fields (and files); raise AnswerInvalid naming the
        field. Anything the type does not ask for is dropped."""
        raise NotImplementedError

    def result_columns(self, config: dict) -> list[str]:
        """The answer fields, in the order the results show them."""
        return list(self.aggregation_fields(config))

    def aggregation_fields(self, config: dict) -> dict[str, str]:
        """{answer field: CATEGORICAL | MULTILABEL | TEXT | NUMERIC | BOXES}."""
        return {}

    def aggregation_value(self, config: dict, field: str, value):
        """A stored answer value as quality/aggregation reads it for `field`'s kind; most types
        store it that way already."""
        return value

    def file_fields(self, config: dict) -> tuple[str, ...]:
        """Answer fields that hold the storage name of an uploaded file."""
        return ()

    def export_answer(self, config: dict, answers: dict, *, assignment_public_id: str) -> dict:
        """The answer as results files show it (e.g. a stored file as a download address)."""
        return answers


# --- helpers ----------------------------------------------------------------------------------


def column_name(value, *, field: str) -> str:
    """A batch column name usable in a ${column} placeholder."""
    name = str(value or "").strip()
    if not PLACEHOLDER.fullmatch("${" + name + "}"):
        raise ConfigInvalid(
            _("A column name may hold letters, digits, spaces, “_”, “.” and “-”."), field=field
        )
    return name


def optional_column(value, *, field: str) -> str:
    return column_name(value, field=field) if str(value or "").strip() else ""


def label_list(value, *, field: str, minimum: int = 2) -> list[str]:
    """Distinct, non-empty labels: a list, or text with one label per line."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    labels = [str(label).strip() for label in items if str(label).strip()]
    if len(labels) < minimum:
        raise ConfigInvalid(
            _("Give at least two labels.") if minimum == 2 else _("Give at least one label."),
            field=field,
        )
    if len(set(labels)) != len(labels):
        raise ConfigInvalid(_("Each label must be different."), field=field)
    if len(labels) > MAX_LABELS:
        raise ConfigInvalid(_("Give at most 50 labels."), field=field)
    if any(len(label) > MAX_LABEL_LENGTH for label in labels):
        raise ConfigInvalid(_("A label may be at most 200 characters long."), field=field)
    return labels


def lines(value) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    return [str(item).strip() for item in items if str(item).strip()]


def flag(value) -> bool:
    return value is True or str(value).lower() in ("1", "true", "on", "yes")


def text(value, *, limit: int = 500) -> str:
    return str(value or "").strip()[:limit]


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def one_value(fields: Mapping, name: str, *, required: bool = True) -> str:
    """The single value posted for `name` ("" if absent and optional)."""
    values = [value for value in fields.get(name, []) if value != ""]
    if len(values) > 1:
        raise AnswerInvalid(name, _("Give one answer only."))
    if not values:
        if required:
            raise AnswerInvalid(name, _("This answer is required."))
        return ""
    return values[0]


def hotkey_attribute(index: int) -> str:
    """Keys 1–9 choose the first nine options (projects/tasktypes/choices.js)."""
    return f' data-hotkey="{index + 1}"' if index < 9 else ""


def hotkey_hint(index: int) -> str:
    return f'<kbd class="mw-key" aria-hidden="true">{index + 1}</kbd>' if index < 9 else ""


def spec_rows(value, *, field: str, limit: int = 50) -> list[list[str]]:
    """The lines of a "name | kind | label | rule | optional" spec, split and stripped."""
    rows = [[part.strip() for part in line.split("|")] for line in lines(value)]
    if not rows:
        raise ConfigInvalid(_("Give at least one line."), field=field)
    if len(rows) > limit:
        raise ConfigInvalid(_("Give at most %(n)d lines.") % {"n": limit}, field=field)
    return rows


def field_name(value: str, *, field: str, seen: set[str]) -> str:
    from microwork.projects.templating import RESERVED_FIELDS

    if not FIELD_NAME.fullmatch(value) or value in RESERVED_FIELDS:
        raise ConfigInvalid(
            _(
                "“%(name)s” cannot name a field: use a letter, then letters, digits or “_” "
                "(at most 40)."
            )
            % {"name": value},
            field=field,
        )
    if value in seen:
        raise ConfigInvalid(
            _("The field name “%(name)s” is used twice.") % {"name": value}, field=field
        )
    seen.add(value)
    return value


def is_optional(word: str) -> bool:
    return word.strip().lower() in ("optional", str(_("optional")).lower())


def labelled(label: str, message: str) -> str:
    """A refusal message that names the field it is about, e.g. "Website: give a web address"."""
    short = label if len(label) <= 60 else label[:59] + "…"
    if short.endswith(("?", "!", ":", ".", "…")):
        # A question already ends its sentence: "Which one did you try? This question needs…".
        return _("%(field)s %(message)s") % {"field": short, "message": message}
    return _("%(field)s: %(message)s") % {"field": short, "message": message}


# Form fields several types share, so their wording and limits stay the same everywhere.


def image_column_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Image column"),
        max_length=100,
        required=False,
        initial="image_url",
        help_text=gettext_lazy("The column of your file that holds each image's URL."),
    )


def choice_option_fields() -> dict[str, forms.Field]:
    """Multi-label and "I can't tell", for the types where workers pick labels."""
    return {
        "multiple": forms.BooleanField(
            label=gettext_lazy("Workers may choose several labels (multi-label)"),
            required=False,
        ),
        "cant_tell": forms.BooleanField(
            label=gettext_lazy("Offer “I can’t tell” (key 0)"), required=False
        ),
    }
