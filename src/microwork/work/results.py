"""Batch results as MTurk's batch-results CSV and as JSONL, streamed with constant memory.

The CSV needs every answer field up front for its header: the database lists them (a DISTINCT
over the answers' keys). The rows are then read CHUNK at a time through a server-side cursor,
so a million answers cost time, not memory.

The rows bypass the ORM's per-row machinery on purpose (issue #4: a million answers at over
50,000 rows/s): the ORM writes the query, and this module decodes the few column types it
selects, once per cell, knowing which is which.

Both files are yielded in pieces of up to PIECE lines (the CSV's header line first, alone):
a streamed download pays per piece in Django and the WSGI server, and one piece per line
took as long again as making the lines.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice

from django.db import connection
from psycopg.types.datetime import TimestamptzLoader

from microwork.common.csvsafe import csv_lines
from microwork.common.parquet import ParquetSink
from microwork.projects import tasktypes
from microwork.projects.models import Batch
from microwork.work.enums import ANSWERED_STATES
from microwork.work.models import Assignment

CHUNK = 2000
PIECE = 500  # lines per yielded piece of a results file (~170 KB of CSV)
ANSWER_MEMO = 10_000  # distinct answers decoded once each, per export
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

# The keys of every answered assignment's answers in a batch, per database; {states} is one
# placeholder per answered state.
_ANSWER_KEYS_SQL = {
    "postgresql": """
        SELECT DISTINCT jsonb_object_keys(a.answers)
        FROM work_assignment a JOIN projects_task t ON t.id = a.task_id
        WHERE t.batch_id = %s AND a.state IN ({states}) AND jsonb_typeof(a.answers) = 'object'
    """,
    "sqlite": """
        SELECT DISTINCT j.key
        FROM work_assignment a JOIN projects_task t ON t.id = a.task_id, json_each(a.answers) j
        WHERE t.batch_id = %s AND a.state IN ({states}) AND json_type(a.answers) = 'object'
    """,
}


def _answered(batch: Batch):
    return Assignment.objects.filter(task__batch=batch, state__in=list(ANSWERED_STATES))


def answer_fields(batch: Batch) -> list[str]:
    """Every answer field used in the batch, sorted (a stable header)."""
    sql = _ANSWER_KEYS_SQL.get(connection.vendor)
    if sql is None:  # any other database: the same union, computed here
        fields: set[str] = set()
        for answers in _answered(batch).values_list("answers", flat=True).iterator(CHUNK):
            fields.update(answers or {})
        return sorted(fields)
    states = list(ANSWERED_STATES)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(states=", ".join(["%s"] * len(states))), [batch.pk, *states])
        return sorted(key for (key,) in cursor.fetchall())


def _json(value):
    """A JSON column's value: Django's drivers hand it over as text (jsonb too)."""
    return json.loads(value) if isinstance(value, str) else value


def _utc(value):
    """A timestamp column's value on SQLite: naive (or text), in UTC; PostgreSQL's are aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _records(batch: Batch) -> Iterator[tuple]:
    """The answered assignments' decoded values in file order: by row, then submission."""
    queryset = (
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
    )
    sql, params = queryset.query.sql_with_params()
    # A named (server-side) cursor on PostgreSQL, unless DISABLE_SERVER_SIDE_CURSORS is set.
    with connection.chunked_cursor() as cursor:
        is_postgresql = connection.vendor == "postgresql"
        if is_postgresql:
            # psycopg's own timestamp loader (in C), for this cursor only: Django's, in Python,
            # cost more than everything else in the fetch. Same values: aware, in UTC.
            cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        raw_inputs = inputs = None
        decoded_answers: dict[str, dict] = {}
        while chunk := cursor.fetchmany(CHUNK):
            for hit, assignment, worker, state, accepted, submitted, *rest in chunk:
                seconds, task_input, answers, feedback = rest
                # The rows come task by task: decode a task's input once, not once per answer.
                if task_input != raw_inputs:
                    raw_inputs, inputs = task_input, _json(task_input)
                # Many answers are alike (a label out of a few): decode each distinct one once.
                # Bounded, so a million free-text answers cannot fill the memory.
                if (decoded := decoded_answers.get(answers)) is None:
                    if len(decoded_answers) >= ANSWER_MEMO:
                        decoded_answers.clear()
                    decoded = decoded_answers[answers] = _json(answers) or {}
                if not is_postgresql:
                    accepted, submitted = _utc(accepted), _utc(submitted)
                yield (
                    hit,
                    assignment,
                    worker,
                    ANSWERED_STATES[state],
                    accepted.isoformat(),
                    submitted,
                    seconds,
                    inputs,
                    decoded,
                    feedback,
                )


def answer_cell(value, *, separator: str = ";") -> str:
    """Checkbox lists as "a;b"; structured answers (boxes) as JSON; None as empty. The results
    files and the review page show answers this way."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return separator.join(value)
    if isinstance(value, list | dict):
        # Sorted keys: PostgreSQL's jsonb reorders them, SQLite keeps them; the file must not
        # depend on the database.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return "" if value is None else str(value)


def _exporter(project):
    """A ready-made type's view of the answers (a stored photo becomes its download address),
    or None when the answers are exported as stored."""
    return tasktypes.answer_exporter(kind=project.template_kind, config=project.template_config)


def _pieces(lines: Iterable[str]) -> Iterator[str]:
    """The lines joined PIECE at a time."""
    lines = iter(lines)
    while piece := "".join(islice(lines, PIECE)):
        yield piece


def results_csv(batch: Batch) -> Iterator[str]:
    """Yield the MTurk batch-results CSV, formula-looking cells neutralised: the header line,
    then pieces of up to PIECE lines."""
    fields = answer_fields(batch)
    columns = list(batch.columns)
    export = _exporter(batch.project)
    hit_type_id = batch.project.public_id
    header = [
        *FIXED_COLUMNS,
        *(f"Input.{column}" for column in columns),
        *(f"Answer.{name}" for name in fields),
        "RequesterFeedback",
    ]

    def rows():
        for hit, assignment, worker, status, accepted, submitted, *rest in _records(batch):
            seconds, inputs, answers, feedback = rest
            if export is not None:
                answers = export(answers, assignment)
            cells = [
                hit,
                hit_type_id,
                assignment,
                worker,
                status,
                accepted,
                submitted.isoformat() if submitted else "",
                seconds,
            ]
            cells += [inputs.get(column, "") for column in columns]
            # A plain string answer is its own cell: skip the call for the common case.
            for name in fields:
                value = answers.get(name)
                cells.append(value if type(value) is str else answer_cell(value))
            cells.append(feedback)
            yield cells

    def pieces():
        yield from csv_lines([header])
        yield from _pieces(csv_lines(rows()))

    return pieces()


def results_jsonl(batch: Batch) -> Iterator[str]:
    """Yield one JSON object per answered assignment and line, answers kept with their types,
    in pieces of up to PIECE lines."""
    return _pieces(_jsonl_lines(batch))


def _jsonl_lines(batch: Batch) -> Iterator[str]:
    export = _exporter(batch.project)
    hit_type_id = batch.project.public_id
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for hit, assignment, worker, status, accepted, submitted, *rest in _records(batch):
        seconds, inputs, answers, feedback = rest
        yield (
            dumps(
                {
                    "HITId": hit,
                    "HITTypeId": hit_type_id,
                    "AssignmentId": assignment,
                    "WorkerId": worker,
                    "AssignmentStatus": status,
                    "AcceptTime": accepted,
                    "SubmitTime": submitted.isoformat() if submitted else None,
                    "WorkTimeInSeconds": seconds,
                    "Input": inputs,
                    "Answer": export(answers, assignment) if export is not None else answers,
                    "RequesterFeedback": feedback,
                }
            )
            + "\n"
        )


def results_parquet(batch: Batch) -> Iterator[bytes]:
    """Yield the results CSV's table as a Parquet file, one row group per CHUNK rows: the same
    columns, every cell text as in the CSV (a formula-looking cell is kept as typed: Parquet is
    not opened by spreadsheets), WorkTimeInSeconds a number. Needs pyarrow (the parquet
    extra): ImportError otherwise, before anything is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = answer_fields(batch)
    columns = list(batch.columns)
    export = _exporter(batch.project)
    hit_type_id = batch.project.public_id
    names = [
        *FIXED_COLUMNS,
        *(f"Input.{column}" for column in columns),
        *(f"Answer.{name}" for name in fields),
        "RequesterFeedback",
    ]
    schema = pa.schema(
        [(name, pa.int64() if name == "WorkTimeInSeconds" else pa.string()) for name in names]
    )

    def generate() -> Iterator[bytes]:
        sink = ParquetSink()
        writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
        rows: list[list] = []

        def flush() -> None:
            writer.write_table(
                pa.Table.from_arrays(
                    [
                        pa.array(list(column), type=schema.field(index).type)
                        for index, column in enumerate(zip(*rows, strict=True))
                    ],
                    schema=schema,
                )
            )
            rows.clear()

        for hit, assignment, worker, status, accepted, submitted, *rest in _records(batch):
            seconds, inputs, answers, feedback = rest
            if export is not None:
                answers = export(answers, assignment)
            rows.append(
                [
                    hit,
                    hit_type_id,
                    assignment,
                    worker,
                    status,
                    accepted,
                    submitted.isoformat() if submitted else "",
                    seconds,
                    *(str(inputs.get(column, "")) for column in columns),
                    *(answer_cell(answers.get(name)) for name in fields),
                    feedback,
                ]
            )
            if len(rows) >= CHUNK:
                flush()
                yield sink.take()
        if rows:
            flush()
        writer.close()
        yield sink.take()

    return generate()
