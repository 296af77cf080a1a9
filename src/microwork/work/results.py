"""Batch results as MTurk's batch-results CSV and as JSONL, streamed with constant memory.

Each file is two passes over the batch's answered assignments: one for the set of answer
fields (the CSV header needs them up front), one for the rows. Both read in chunks through a
server-side cursor, so a million answers cost time, not memory.
"""

import json
from collections.abc import Iterator

from microwork.common.csvsafe import csv_lines
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
    return ";".join(value) if isinstance(value, list) else ("" if value is None else str(value))


def results_csv(batch: Batch) -> Iterator[str]:
    """Yield the MTurk batch-results CSV line by line, formula-looking cells neutralised."""
    fields = answer_fields(batch)
    columns = list(batch.columns)
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
                *(_cell((answers or {}).get(name)) for name in fields),
                feedback,
            ]

    return csv_lines(rows())


def results_jsonl(batch: Batch) -> Iterator[str]:
    """Yield one JSON object per answered assignment, answers kept with their types."""
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
                    "Answer": answers,
                    "RequesterFeedback": feedback,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
