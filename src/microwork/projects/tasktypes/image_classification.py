"""Image classification: one image per row, one label (or several), keys 1–9 to answer fast."""

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    CATEGORICAL,
    MULTILABEL,
    ConfigInvalid,
    TaskType,
    choice_option_fields,
    column_name,
    esc,
    flag,
    hotkey_attribute,
    hotkey_hint,
    image_column_field,
    label_list,
    text,
)
from microwork.projects.templating import AnswerInvalid

ANSWER_FIELD = "label"
# The stored answer of a worker who cannot tell; never one of the requester's labels.
CANT_TELL = "__cant_tell__"


def choices_html(
    *, name: str, labels: list[str], question: str, multiple: bool, cant_tell: bool
) -> str:
    """A fieldset of radio buttons (or checkboxes) with hotkeys 1–9 and an optional "can't tell"
    (key 0). Shared by the image and text classification types."""
    kind = "checkbox" if multiple else "radio"
    # A radio group is required in HTML; "at least one checkbox" is checked on the server.
    required = "" if multiple else " required"
    options = [
        f'  <label class="mw-choice"{hotkey_attribute(index)}>{hotkey_hint(index)}'
        f'<input type="{kind}" name="{name}" value="{esc(label)}"{required}> {esc(label)}</label>'
        for index, label in enumerate(labels)
    ]
    if cant_tell:
        cant_tell_label = esc(_("I can’t tell"))  # outside the f-string, where xgettext finds it
        options.append(
            f'  <label class="mw-choice mw-cant-tell" data-hotkey="0">'
            f'<kbd class="mw-key" aria-hidden="true">0</kbd>'
            f'<input type="{kind}" name="{name}" value="{CANT_TELL}"{required}> '
            f"{cant_tell_label}</label>"
        )
    hint = esc(_("Keys 1–9 choose a label, Enter submits."))
    body = "\n".join(options)
    return (
        f'<fieldset class="mw-choices" data-mw-choices="{kind}">\n'
        f"  <legend>{esc(question)}</legend>\n{body}\n"
        f'  <p class="mw-hint">{hint}</p>\n</fieldset>\n'
    )


def clean_choices(
    fields: Mapping, *, name: str, labels: list[str], multiple: bool, cant_tell: bool
) -> str | list[str]:
    allowed = set(labels) | ({CANT_TELL} if cant_tell else set())
    values = list(fields.get(name, []))
    if multiple:
        if not values or any(value not in allowed for value in values):
            raise AnswerInvalid(name, _("Choose one or more of the labels."))
        if CANT_TELL in values and len(values) > 1:
            raise AnswerInvalid(name, _("“I can’t tell” cannot go with a label."))
        if len(set(values)) != len(values):
            raise AnswerInvalid(name, _("Choose each label once."))
        # Stored in the requester's order, so equal answers compare equal.
        return [label for label in [*labels, CANT_TELL] if label in values]
    if len(values) != 1 or values[0] not in allowed:
        raise AnswerInvalid(name, _("Choose exactly one of the labels."))
    return values[0]


class ImageClassification(TaskType):
    key = TemplateKind.IMAGE_CLASSIFICATION
    label = gettext_lazy("Image classification")
    scripts = ("projects/tasktypes/choices.js",)
    # The first ready-made type kept its unprefixed form fields (and its stored configs).
    form_prefix = ""

    def config_fields(self):
        return {
            "image_column": image_column_field(),
            "labels": forms.CharField(
                label=gettext_lazy("Labels"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=gettext_lazy(
                    "One per line; keys 1 to 9 choose the first nine. Workers choose exactly "
                    "one, or several if you allow it below."
                ),
            ),
            "question": forms.CharField(
                label=gettext_lazy("Question"),
                max_length=500,
                required=False,
                help_text=gettext_lazy("E.g. “Which animal is in this picture?”"),
            ),
            **choice_option_fields(),
        }

    def form_initial(self, config):
        return {**config, "labels": "\n".join(config.get("labels", []))}

    def parse(self, config):
        labels = label_list(config.get("labels"), field="labels")
        try:
            image_column = column_name(config.get("image_column"), field="image_column")
        except ConfigInvalid:
            raise ConfigInvalid(
                _("The image column name may hold letters, digits, spaces, “_”, “.” and “-”."),
                field="image_column",
            ) from None
        parsed = {
            "image_column": image_column,
            "labels": labels,
            "question": text(config.get("question")),
        }
        # Options are stored only when set, so the configurations saved before they existed
        # read back unchanged (and editing such a project does not look like a change of terms).
        if flag(config.get("multiple")):
            parsed["multiple"] = True
        if flag(config.get("cant_tell")):
            parsed["cant_tell"] = True
        return parsed

    def build(self, config):
        alt = esc(_("The image to classify"))
        multiple = config.get("multiple", False)
        default = (
            _("Which labels fit this image?")
            if multiple
            else _("Which label fits this image best?")
        )
        return (
            f'<figure class="mw-image"><img src="${{{config["image_column"]}}}" alt="{alt}">'
            "</figure>\n"
            + choices_html(
                name=ANSWER_FIELD,
                labels=config["labels"],
                question=config["question"] or default,
                multiple=multiple,
                cant_tell=config.get("cant_tell", False),
            )
        )

    def clean_answer(self, config, fields, files, row=None):
        label = clean_choices(
            fields,
            name=ANSWER_FIELD,
            labels=config["labels"],
            multiple=config.get("multiple", False),
            cant_tell=config.get("cant_tell", False),
        )
        return {ANSWER_FIELD: label}

    def aggregation_fields(self, config):
        return {ANSWER_FIELD: MULTILABEL if config.get("multiple") else CATEGORICAL}
