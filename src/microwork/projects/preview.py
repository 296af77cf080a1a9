"""The project form's live preview: the template being configured, filled with a sample row.

projects/static/projects/tasktypes/preview.js posts the form here as the requester edits it
(views.template_preview). The template part of the form is checked as the form itself checks
it, and a bad setting comes back as one message naming its field. A good one is kept in the
session, and the preview frame (views.template_preview_frame) shows it as a worker would see
it, in the same sandboxed frame, with submitting disabled.
"""

import csv
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from microwork.projects import tasktypes, templating
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Project

SESSION_KEY = "microwork.template_preview"
MAX_SAMPLE_CHARS = 20_000
# Kinds the form offers a preview of: an MTurk question comes with each task, not the form.
PREVIEWABLE = [kind for kind in TemplateKind if kind != TemplateKind.MTURK_QUESTION]


class PreviewInvalid(ValueError):
    """A setting or the sample row cannot be previewed; `field` is the form field's name."""

    def __init__(self, *, field: str, label: str, message: str):
        self.field = field
        self.message = _("%(field)s: %(message)s") % {"field": label, "message": message}
        super().__init__(self.message)


@dataclass(frozen=True)
class Draft:
    kind: str
    template_html: str
    config: dict

    def columns(self) -> list[str]:
        return templating.placeholders(
            tasktypes.template_source(self.kind, self.template_html, self.config)
        )


def _type_field_name(task_type, name: str) -> str:
    from microwork.projects.forms import type_field_name  # forms imports this module's users

    return type_field_name(task_type, name)


def draft_from_form(data: QueryDict) -> Draft:
    """The template the form's data describes; raise PreviewInvalid naming the bad field."""
    kind = data.get("template_kind", "")
    if kind not in PREVIEWABLE:
        raise PreviewInvalid(
            field="template_kind", label=_("Template"), message=_("Choose a template.")
        )
    task_type = tasktypes.task_type(kind)
    if task_type is None:
        html = data.get("template_html", "")
        try:
            templating.validate_custom_html(html)
        except templating.TemplateInvalid as error:
            raise PreviewInvalid(
                field="template_html", label=_("Custom HTML"), message=str(error)
            ) from None
        return Draft(kind=kind, template_html=html, config={})
    fields = task_type.config_fields()
    values = {}
    for name, field in fields.items():
        form_name = _type_field_name(task_type, name)
        try:
            values[name] = field.clean(field.widget.value_from_datadict(data, {}, form_name))
        except ValidationError as error:
            raise PreviewInvalid(
                field=form_name, label=str(field.label), message=" ".join(error.messages)
            ) from None
    try:
        config = task_type.parse(task_type.config_from_form(values))
    except tasktypes.ConfigInvalid as error:
        field = fields.get(error.field)
        raise PreviewInvalid(
            field=_type_field_name(task_type, error.field) if field else "template_kind",
            label=str(field.label) if field else str(task_type.label),
            message=str(error),
        ) from None
    return Draft(kind=kind, template_html="", config=config)


def _invalid_row(message: str) -> PreviewInvalid:
    return PreviewInvalid(field="sample_row", label=_("Sample row"), message=message)


def typed_row(text: str, columns: list[str]) -> dict:
    """A sample row typed as a JSON object, a CSV line of values in the order of `columns`, or
    a CSV header line and a line of values."""
    if len(text) > MAX_SAMPLE_CHARS:
        raise _invalid_row(_("Keep it under %(n)d characters.") % {"n": MAX_SAMPLE_CHARS})
    if text.startswith("{"):
        try:
            row = json.loads(text)
        except ValueError as error:
            raise _invalid_row(
                _("This is not valid JSON (%(error)s).") % {"error": error}
            ) from None
        if not isinstance(row, dict):
            raise _invalid_row(_("Give one JSON object."))
        return {str(key): value for key, value in row.items()}
    lines = list(csv.reader(text.splitlines()))
    if len(lines) > 2:
        raise _invalid_row(_("Give one line of values, or a header line and one line of values."))
    header, values = (lines[0], lines[1]) if len(lines) == 2 else (columns, lines[0])
    if len(values) != len(header):
        raise _invalid_row(
            _("%(n)d values for %(m)d columns (%(columns)s).")
            % {"n": len(values), "m": len(header), "columns": ", ".join(header) or "—"}
        )
    return dict(zip((name.strip() for name in header), values, strict=True))


def batch_row(project: Project | None) -> dict | None:
    """The first row of the project's last uploaded batch, if it has one."""
    if project is None:
        return None
    batch = project.batches.order_by("-created_at", "-pk").first()
    task = batch.tasks.order_by("row_number").first() if batch else None
    return task.input if task else None


def sample_row(text: str, *, columns: list[str], project: Project | None) -> tuple[dict, str]:
    """The row to preview with, and where it came from: "typed", "batch" or "columns" (each
    column shows its own name when there is nothing else)."""
    text = (text or "").strip()
    if text:
        return typed_row(text, columns), "typed"
    row = batch_row(project)
    if row is not None:
        return row, "batch"
    return {column: f"[{column}]" for column in columns}, "columns"
