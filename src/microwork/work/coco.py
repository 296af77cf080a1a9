"""A bounding-boxes batch's answers as a COCO object-detection file.

One image per task that has an answer (its address from the image column, its width and height
those of the original image, as the worker's browser measured it), one category per configured
label, one annotation per box a worker drew, with bbox [x, y, width, height] in the original
image's pixels and the assignment, worker and task ids in `attributes` (the convention of CVAT
and other annotation tools). Rejected work is left out: the requester said not to trust it.

Streamed with constant memory, like the other results files (work/results.py): two passes over
the batch's answers through a server-side cursor, one for the images, one for the annotations;
image ids are the tasks' row numbers, so the passes agree without keeping a table.
"""

import json
from collections.abc import Iterator

from django.utils import timezone

from microwork.projects import tasktypes
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Batch
from microwork.projects.tasktypes.bounding_boxes import BOXES_FIELD, HEIGHT_FIELD, WIDTH_FIELD
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment

CHUNK = 2000
EXPORTED_STATES = (AssignmentState.SUBMITTED, AssignmentState.APPROVED)


def is_exportable(batch: Batch) -> bool:
    return batch.project.template_kind == TemplateKind.BOUNDING_BOXES


def _records(batch: Batch):
    return (
        Assignment.objects.filter(task__batch=batch, state__in=EXPORTED_STATES)
        .order_by("task__row_number", "submitted_at", "pk")
        .values_list(
            "task__row_number",
            "task__public_id",
            "task__input",
            "public_id",
            "worker__worker_id",
            "state",
            "answers",
        )
        .iterator(chunk_size=CHUNK)
    )


def _size(answers: dict) -> tuple[int, int] | None:
    width, height = (answers or {}).get(WIDTH_FIELD), (answers or {}).get(HEIGHT_FIELD)
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _images(batch: Batch, image_column: str) -> Iterator[dict]:
    """One image per answered task; its size is the first answer's (every worker's browser
    measures the same original image)."""
    last_row = None
    for row_number, task_id, inputs, _a, _w, _s, answers in _records(batch):
        size = _size(answers)
        if row_number == last_row or size is None:
            continue
        last_row = row_number
        yield {
            "id": row_number,
            "file_name": str((inputs or {}).get(image_column, "")),
            "width": size[0],
            "height": size[1],
            "hit_id": task_id,
        }


def _annotations(batch: Batch, categories: dict[str, int]) -> Iterator[dict]:
    """One annotation per box; a worker whose browser measured another size (a rescaled copy
    of the image) has their boxes scaled to the image's first measured size."""
    number = 0
    last_row, image_size = None, None
    for row_number, task_id, _i, assignment_id, worker_id, state, answers in _records(batch):
        size = _size(answers)
        if size is None:
            continue
        if row_number != last_row:
            last_row, image_size = row_number, size
        scale_x, scale_y = image_size[0] / size[0], image_size[1] / size[1]
        for box in (answers or {}).get(BOXES_FIELD) or []:
            x, y = box["x1"] * scale_x, box["y1"] * scale_y
            width, height = (box["x2"] - box["x1"]) * scale_x, (box["y2"] - box["y1"]) * scale_y
            number += 1
            yield {
                "id": number,
                "image_id": row_number,
                "category_id": categories.get(box["label"], 0),
                "bbox": [round(x, 1), round(y, 1), round(width, 1), round(height, 1)],
                "area": round(width * height, 2),
                "iscrowd": 0,
                "segmentation": [],
                "attributes": {
                    "assignment_id": assignment_id,
                    "worker_id": worker_id,
                    "hit_id": task_id,
                    "status": ANSWERED_STATES[state],
                },
            }


def _array(items: Iterator[dict]) -> Iterator[str]:
    yield "["
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n" + _dumps(item)
    yield "\n]"


def coco_json(batch: Batch) -> Iterator[str]:
    """Yield the COCO file of a bounding-boxes batch piece by piece."""
    project = batch.project
    config = tasktypes.parsed_config(project.template_kind, project.template_config)
    categories = {label: index for index, label in enumerate(config["labels"], start=1)}
    info = {
        "description": f"{project.title} — {batch.name}",
        "version": "1.0",
        "contributor": "microwork",
        "date_created": timezone.now().isoformat(timespec="seconds"),
        "hit_type_id": project.public_id,
    }
    yield '{"info":' + _dumps(info) + ',"licenses":[],"categories":'
    yield _dumps([{"id": i, "name": label, "supercategory": ""} for label, i in categories.items()])
    yield ',"images":'
    yield from _array(_images(batch, config["image_column"]))
    yield ',"annotations":'
    yield from _array(_annotations(batch, categories))
    yield "}\n"
