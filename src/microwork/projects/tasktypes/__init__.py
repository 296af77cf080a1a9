"""The ready-made task types, one module each, found by their TemplateKind value.

template_source() and clean_answers() dispatch to them, the project form shows
their configuration fields, the frame loads their static files and the results use their
export mapping. Adding a type is a module here, a line in TASK_TYPES and a TemplateKind value.
"""

from collections.abc import Callable

from microwork.projects import templating
from microwork.projects.tasktypes.base import ConfigInvalid, TaskType
from microwork.projects.tasktypes.bounding_boxes import BoundingBoxes
from microwork.projects.tasktypes.data_entry import DataEntry
from microwork.projects.tasktypes.external_page import ExternalPage
from microwork.projects.tasktypes.field_photo import STORAGE_PREFIX, FieldPhoto
from microwork.projects.tasktypes.image_classification import ImageClassification
from microwork.projects.tasktypes.survey import Survey
from microwork.projects.tasktypes.text_classification import TextClassification
from microwork.projects.tasktypes.transcription import Transcription

TASK_TYPES: dict[str, TaskType] = {
    task_type.key: task_type
    for task_type in (
        ImageClassification(),
        TextClassification(),
        Transcription(),
        DataEntry(),
        Survey(),
        BoundingBoxes(),
        FieldPhoto(),
        ExternalPage(),
    )
}


def task_type(kind: str) -> TaskType | None:
    """The ready-made type of a template kind; None for custom HTML and MTurk questions."""
    return TASK_TYPES.get(kind)


def template_source(kind: str, template_html: str, config: dict) -> str:
    """The HTML with placeholders for any kind of template: a ready-made type builds its own,
    custom HTML and MTurk questions are their own."""
    found = TASK_TYPES.get(kind)
    if found is not None:
        return found.build(found.parse(config or {}))
    return template_html


def clean_answers(
    kind: str,
    config: dict,
    fields: dict[str, list[str]],
    files=None,
    row: dict | None = None,
) -> dict:
    """Turn submitted form fields into the stored answer, or raise AnswerInvalid naming the
    field (templating.clean_form_fields). A ready-made kind checks and shapes the answer itself;
    `files` are the uploaded files and `row` the task's input, which some kinds check against.
    """
    answers = templating.clean_form_fields(fields)
    found = TASK_TYPES.get(kind)
    if found is not None:
        answers = found.clean_answer(found.parse(config or {}), fields, files or {}, row)
    return answers


def parsed_config(kind: str, config: dict) -> dict:
    """The normalised configuration of a ready-made kind; raise ConfigInvalid."""
    return TASK_TYPES[kind].parse(config or {})


def answer_exporter(*, kind: str, config: dict) -> Callable[[dict, str], dict] | None:
    """How results files show a project's answers, or None when as stored (most types).

    Returned once per export, so the configuration is parsed once, not once per row.
    """
    found = TASK_TYPES.get(kind)
    if found is None or type(found).export_answer is TaskType.export_answer:
        return None
    parsed = found.parse(config or {})

    def export(answers: dict, assignment_public_id: str) -> dict:
        if not answers:
            return answers
        return found.export_answer(parsed, answers, assignment_public_id=assignment_public_id)

    return export


def answer_file_name(*, kind: str, config: dict, answers: dict, field: str) -> str | None:
    """The storage name of the file an answer holds in `field`, or None if it holds none."""
    found = TASK_TYPES.get(kind)
    if found is None or field not in found.file_fields(found.parse(config or {})):
        return None
    name = (answers or {}).get(field)
    # Only names the platform wrote itself (field_photo.STORAGE_PREFIX), never a path that
    # came from anywhere else.
    if not isinstance(name, str) or not name.startswith(f"{STORAGE_PREFIX}/") or ".." in name:
        return None
    return name


__all__ = [
    "TASK_TYPES",
    "ConfigInvalid",
    "TaskType",
    "answer_exporter",
    "answer_file_name",
    "clean_answers",
    "parsed_config",
    "task_type",
    "template_source",
]
