"""Bounding boxes: draw, move, resize and delete labelled boxes on an image.

The drawing is projects/tasktypes/boxes.js (mouse, touch and keyboard). It posts the boxes as
JSON in one hidden field, in pixels of the original image, with the image's natural size; the
server checks the JSON's shape, the labels and that every box lies inside the image.
"""

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    BOXES,
    NUMERIC,
    ConfigInvalid,
    TaskType,
    column_name,
    esc,
    hotkey_attribute,
    hotkey_hint,
    image_column_field,
    label_list,
    one_value,
    text,
)
from microwork.projects.templating import AnswerInvalid

BOXES_FIELD = "boxes"
WIDTH_FIELD = "image_width"
HEIGHT_FIELD = "image_height"
MAX_BOXES = 200
MAX_SIDE = 20_000  # pixels; larger images are not a micro-task
MIN_BOX = 1  # pixels


def _int_option(value, *, default: int, low: int, high: int, field: str) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigInvalid(_("Give a whole number."), field=field) from None
    if not low <= number <= high:
        raise ConfigInvalid(
            _("Give a number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field
        )
    return number


def _pixels(value, *, limit: int) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError
    if value != value or not -0.5 <= value <= limit + 0.5:  # NaN, or off the image
        raise ValueError
    return round(min(max(value, 0), limit), 1)


class BoundingBoxes(TaskType):
    key = TemplateKind.BOUNDING_BOXES
    label = gettext_lazy("Bounding boxes")
    scripts = ("projects/tasktypes/boxes.js",)
    stylesheets = ("projects/tasktypes/tasktypes.css", "projects/tasktypes/boxes.css")

    def config_fields(self):
        return {
            "image_column": image_column_field(),
            "labels": forms.CharField(
                label=gettext_lazy("Box labels"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=gettext_lazy("One per line, e.g. car, person; keys 1 to 9 choose one."),
            ),
            "question": forms.CharField(
                label=gettext_lazy("What to draw"),
                max_length=500,
                required=False,
                help_text=gettext_lazy("E.g. “Draw a box around every car.”"),
            ),
            "min_boxes": forms.IntegerField(
                label=gettext_lazy("Fewest boxes"),
                required=False,
                min_value=0,
                max_value=MAX_BOXES,
                initial=1,
                help_text=gettext_lazy("0 lets a worker say there is nothing to box."),
            ),
            "max_boxes": forms.IntegerField(
                label=gettext_lazy("Most boxes"),
                required=False,
                min_value=1,
                max_value=MAX_BOXES,
                initial=50,
            ),
        }

    def form_initial(self, config):
        return {**config, "labels": "\n".join(config.get("labels", []))}

    def parse(self, config):
        minimum = _int_option(
            config.get("min_boxes"), default=1, low=0, high=MAX_BOXES, field="min_boxes"
        )
        maximum = _int_option(
            config.get("max_boxes"), default=50, low=1, high=MAX_BOXES, field="max_boxes"
        )
        if minimum > maximum:
            raise ConfigInvalid(_("The fewest boxes cannot exceed the most."), field="min_boxes")
        return {
            "image_column": column_name(config.get("image_column"), field="image_column"),
            "labels": label_list(config.get("labels"), field="labels", minimum=1),
            "question": text(config.get("question")),
            "min_boxes": minimum,
            "max_boxes": maximum,
        }

    def build(self, config):
        question = esc(config["question"] or _("Draw a box around each object and label it."))
        labels = "\n".join(
            f'    <label class="mw-choice"{hotkey_attribute(index)}>{hotkey_hint(index)}'
            f'<input type="radio" name="mw_box_label" value="{esc(label)}"'
            f"{' checked' if index == 0 else ''}> {esc(label)}</label>"
            for index, label in enumerate(config["labels"])
        )
        help_text = esc(
            _(
                "Drag on the image to draw a box; drag a box to move it, its corner to resize "
                "it. Keyboard: N adds a box, Tab or [ ] picks one, arrows move it, Shift+arrows "
                "resize it, 1–9 change its label, Delete removes it."
            )
        )
        messages = {
            "minBoxes": ngettext(
                "Draw at least %(n)d box.", "Draw at least %(n)d boxes.", config["min_boxes"]
            )
            % {"n": config["min_boxes"]},
            "maxBoxes": _("Draw at most %(n)d boxes.") % {"n": config["max_boxes"]},
            "noImage": _("The image did not load, so no box can be drawn."),
            "box": _("Box"),
            "remove": _("Remove"),
        }
        data = " ".join(f'data-msg-{key.lower()}="{esc(value)}"' for key, value in messages.items())
        # Outside the f-string: xgettext does not find gettext calls inside one.
        legend = esc(pgettext("the class a drawn box belongs to", "Label"))
        stage_label = esc(_("Image to draw boxes on"))
        image_alt = esc(_("The image to annotate"))
        return (
            f'<p class="mw-question">{question}</p>\n'
            f'<fieldset class="mw-choices mw-box-labels"><legend>{legend}</legend>\n'
            f"{labels}\n</fieldset>\n"
            f'<div class="mw-boxes" data-min="{config["min_boxes"]}" '
            f'data-max="{config["max_boxes"]}" {data}>\n'
            f'  <div class="mw-stage" tabindex="0" role="application" '
            f'aria-label="{stage_label}" aria-describedby="mw-box-help">'
            f'<img src="${{{config["image_column"]}}}" alt="{image_alt}" '
            'draggable="false"></div>\n'
            f'  <p class="mw-hint" id="mw-box-help">{help_text}</p>\n'
            '  <ol class="mw-box-list" aria-live="polite"></ol>\n'
            '  <p class="mw-box-error" role="alert" hidden></p>\n'
            f'  <input type="hidden" name="{BOXES_FIELD}" value="[]">\n'
            f'  <input type="hidden" name="{WIDTH_FIELD}" value="">\n'
            f'  <input type="hidden" name="{HEIGHT_FIELD}" value="">\n'
            "</div>\n"
        )

    def clean_answer(self, config, fields, files, row=None):
        try:
            width = int(one_value(fields, WIDTH_FIELD))
            height = int(one_value(fields, HEIGHT_FIELD))
        except ValueError:
            raise AnswerInvalid(
                WIDTH_FIELD, _("The image size is missing: reload the task.")
            ) from None
        if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
            raise AnswerInvalid(WIDTH_FIELD, _("The image size is not plausible."))
        try:
            raw = json.loads(one_value(fields, BOXES_FIELD))
        except ValueError:
            raise AnswerInvalid(BOXES_FIELD, _("The boxes could not be read.")) from None
        if not isinstance(raw, list):
            raise AnswerInvalid(BOXES_FIELD, _("The boxes could not be read."))
        if len(raw) < config["min_boxes"]:
            raise AnswerInvalid(
                BOXES_FIELD,
                ngettext(
                    "Draw at least %(n)d box.", "Draw at least %(n)d boxes.", config["min_boxes"]
                )
                % {"n": config["min_boxes"]},
            )
        if len(raw) > config["max_boxes"]:
            raise AnswerInvalid(
                BOXES_FIELD, _("Draw at most %(n)d boxes.") % {"n": config["max_boxes"]}
            )
        boxes = []
        for number, item in enumerate(raw, start=1):
            if not isinstance(item, dict) or set(item) != {"label", "x1", "y1", "x2", "y2"}:
                raise AnswerInvalid(BOXES_FIELD, _("Box %(n)d is malformed.") % {"n": number})
            if item["label"] not in config["labels"]:
                raise AnswerInvalid(
                    BOXES_FIELD, _("Box %(n)d has an unknown label.") % {"n": number}
                )
            try:
                x1, x2 = (_pixels(item[key], limit=width) for key in ("x1", "x2"))
                y1, y2 = (_pixels(item[key], limit=height) for key in ("y1", "y2"))
            except ValueError:
                raise AnswerInvalid(
                    BOXES_FIELD, _("Box %(n)d lies outside the image.") % {"n": number}
                ) from None
            if x2 - x1 < MIN_BOX or y2 - y1 < MIN_BOX:
                raise AnswerInvalid(
                    BOXES_FIELD, _("Box %(n)d is empty or upside down.") % {"n": number}
                )
            boxes.append({"label": item["label"], "x1": x1, "y1": y1, "x2": x2, "y2": y2})
        return {BOXES_FIELD: boxes, WIDTH_FIELD: width, HEIGHT_FIELD: height}

    def result_columns(self, config):
        return [BOXES_FIELD, WIDTH_FIELD, HEIGHT_FIELD]

    def aggregation_fields(self, config):
        return {BOXES_FIELD: BOXES, WIDTH_FIELD: NUMERIC, HEIGHT_FIELD: NUMERIC}

    def aggregation_value(self, config, field, value):
        """Stored boxes ({label, x1, y1, x2, y2} objects) as quality/aggregation/boxes.py reads
        them: {label: [(x1, y1, x2, y2), ...]}, every configured label present, so a worker
        who drew no box of a label counts as saying there is none."""
        if field != BOXES_FIELD:
            return value
        by_label: dict[str, list[tuple]] = {label: [] for label in config["labels"]}
        for box in value or []:
            by_label.setdefault(box["label"], []).append(
                (box["x1"], box["y1"], box["x2"], box["y2"])
            )
        return by_label


# The review page draws a worker's boxes over the task's picture: an SVG laid exactly over the
# <img>, its viewBox the image's natural size (as the worker's browser measured it), so the
# boxes stay in the image's own pixels whatever size the picture is shown at.
OVERLAY_COLOURS = 6  # box-c0 … box-c5 in projects/review-boxes.css
OVERLAY_TEXT_PER_SIDE = 16  # a label's height: 1/16 of the image's longer side


def _number(value: float) -> str:
    """SVG's number for a pixel: 12.0 -> "12", 12.5 -> "12.5"."""
    return f"{round(value, 1):g}"


def review_overlay(config: dict, answers: dict) -> dict | None:
    """The geometry of a stored answer's boxes over its image for the review page:
    {"width", "height", "font_size", "halo", "boxes": [{"label", "x", "y", "width", "height",
    "label_x", "label_y", "colour"}]}, numbers as SVG text; None when the answer has no
    usable image size (older or malformed answers). Each box's label sits inside its
    top-left corner; a label's colour class follows its place in the project's labels."""
    answers = answers or {}
    width, height = answers.get(WIDTH_FIELD), answers.get(HEIGHT_FIELD)
    if not all(isinstance(side, int) and 0 < side <= MAX_SIDE for side in (width, height)):
        return None
    labels = list(config.get("labels") or [])
    font_size = max(1, round(max(width, height) / OVERLAY_TEXT_PER_SIDE))
    pad = max(1, font_size // 4)
    boxes = []
    for box in answers.get(BOXES_FIELD) or []:
        if not isinstance(box, dict):
            continue
        try:
            x1, y1, x2, y2 = (float(box[key]) for key in ("x1", "y1", "x2", "y2"))
        except (KeyError, TypeError, ValueError):
            continue
        label = str(box.get("label", ""))
        colour = labels.index(label) % OVERLAY_COLOURS if label in labels else 0
        boxes.append(
            {
                "label": label,
                "x": _number(x1),
                "y": _number(y1),
                "width": _number(x2 - x1),
                "height": _number(y2 - y1),
                "label_x": _number(x1 + pad),
                "label_y": _number(y1 + pad + font_size * 0.8),
                "colour": colour,
            }
        )
    return {
        "width": width,
        "height": height,
        "font_size": font_size,
        "halo": _number(font_size / 5),  # the white outline that keeps a label readable
        "boxes": boxes,
    }
