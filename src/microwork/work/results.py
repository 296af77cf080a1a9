"""Batch results as MTurk's batch-results CSV and as JSONL, streamed with constant memory.

Each file is two passes over the batch's answered assignments: one for the set of answer
fields (the CSV header needs them up front), one for the rows. Both read in chunks through a
server-side cursor, so a million answers cost time, not memory.
"""

import json
from collections.abc import Iterator

from microwork.common.csvsafe import csv_lines
from microwork.projects import tasktypes
from microwork.projects.models import Batch
from microwork.work.enums import ANSWERED_STATES
from microwork.work.models import Assignment

CHUNK = 2000
FIXED_COLUMNS = [
    "HITId",
    "HITTypeId",
    "AssignmentId",
    "WorkerId",
    "AssignmentStatus",
    "AcceptTime",
    "SubmitTime",
    "WorkTimeInSeconds",
]


def _answered(batch: Batch):
    return Assignment.objects.filter(task__batch=batch, state__in=list(ANSWERED_STATES))


def answer_fields(batch: Batch) -> list[str]:
    """Every answer field used in the batch, sorted (a stable header)."""
    fields: set[str] = set()
    for answers in _answered(batch).values_list("answers", flat=True).iterator(chunk_size=CHUNK):
        fields.update(answers or {})
    return sorted(fields)


def _records(batch: Batch):
    return (
        _answered(batch)
        .order_by("task__row_number", "submitted_at", "pk")
        .values_list(
            "task__public_id",
            "public_id",
            "worker__worker_id",
            "state",
            "accepted_at",
            "submitted_at",
            "work_seconds",
            "task__input",
            "answers",
            "feedback",
        )
        .iterator(chunk_size=CHUNK)
    )


def _cell(value) -> str:
    """Checkbox lists as "a;b"; structured answers (boxes) as JSON; None as empty."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ";".join(value)
    if isinstance(value, list | dict):
        # Sorted keys: PostgreSQL's jsonb reorders them, SQLite keeps them; the file must not
        # depend on the database.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return "" if value is None else str(value)


def _exporter(project):
    """A ready-made type's view of the answers (a stored photo becomes its download address)."""
    export = tasktypes.answer_exporter(kind=project.template_kind, config=project.template_config)
    if export is None:
        return lambda answers, assignment_id: answers or {}
    return lambda answers, assignment_id: export(answers or {}, assignment_id)


def results_csv(batch: Batch) -> Iterator[str]:
    """Yield the MTurk batch-results CSV line by line, formula-looking cells neutralised."""
    fields = answer_fields(batch)
    columns = list(batch.columns)
    exported_answers = _exporter(batch.project)
    hit_type_id = batch.project.public_id
    header = [
        *FIXED_COLUMNS,
        *(f"Input.{column}" for column in columns),
        *(f"Answer.{name}" for name in fields),
        "RequesterFeedback",
    ]

    def rows():
        yield header
        for (
            hit_id,
            assignment_id,
            worker_id,
            state,
            accepted,
            submitted,
            seconds,
            inputs,
            answers,
            feedback,
        ) in _records(batch):
            exported = exported_answers(answers, assignment_id)
            yield [
                hit_id,
                hit_type_id,
                assignment_id,
                worker_id,
                ANSWERED_STATES[state],
                accepted.isoformat(),
                submitted.isoformat() if submitted else "",
                seconds,
                *(inputs.get(column, "") for column in columns),
                *(_cell(exported.get(name)) for name in fields),
                feedback,
            ]

    return csv_lines(rows())


def results_jsonl(batch: Batch) -> Iterator[str]:
    """Yield one JSON object per answered assignment, answers kept with their types."""
    exported_answers = _exporter(batch.project)
    hit_type_id = batch.project.public_id
    for (
        hit_id,
        assignment_id,
        worker_id,
        state,
        accepted,
        submitted,
        seconds,
        inputs,
        answers,
        feedback,
    ) in _records(batch):
        yield (
            json.dumps(
                {
                    "HITId": hit_id,
                    "HITTypeId": hit_type_id,
                    "AssignmentId": assignment_id,
                    "WorkerId": worker_id,
                    "AssignmentStatus": ANSWERED_STATES[state],
                    "AcceptTime": accepted.isoformat(),
                    "SubmitTime": submitted.isoformat() if submitted else None,
                    "WorkTimeInSeconds": seconds,
                    "Input": inputs,
                    "Answer": exported_answers(answers, assignment_id),
                    "RequesterFeedback": feedback,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
