"""The aggregated data set of a batch: one record per task, in CSV, JSONL or Parquet.

Each record holds the task's id, row number and inputs, then for every answer field the
aggregated label, its confidence, the number of answers and the agreement (the share of the
task's answers that match the label). The columns are flat and the same in every format, so
`pandas.read_csv`, `pandas.read_json(lines=True)`, `pandas.read_parquet` and Hugging Face's
`load_dataset("csv" | "json" | "parquet", ...)` all give the same table:

    task_id, row_number, is_gold, input.<column>..., <field>, <field>.confidence,
    <field>.n_answers, <field>.agreement, ...

Labels come from quality.aggregation.batch.batch_aggregate with, per field, the method for its
kind of answer: the categorical `method` (DEFAULT_METHOD unless chosen), "multilabel" for
checkbox lists, "text" for free text, "median" for numbers, "boxes" for bounding boxes; gold
answers (quality/gold.py) are fixed truths for the categorical methods. An aggregated boxes
label is a list of {label, x1, y1, x2, y2, support, confidence} in original image pixels:
JSON text in CSV and Parquet cells, a list in JSONL.

Memory: the aggregation holds one field's answers at a time (the methods need them all); the
tasks are then read in chunks and each record written out as it is built, so the file itself
never sits in memory. Parquet is written one row group per chunk.

Parquet needs pyarrow, a dependency since issue 16 (a default install answered 501); an
installation without it still answers CSV and JSONL and says why Parquet is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from microwork.common.csvsafe import csv_lines
from microwork.common.parquet import ParquetSink
from microwork.projects import tasktypes
from microwork.projects.models import Batch, Task
from microwork.quality.aggregation.batch import (
    BOXES_METHOD,
    MULTILABEL_METHOD,
    TEXT_METHOD,
    _answers,
    _hashable,
    batch_aggregate,
)
from microwork.quality.aggregation.categorical import DEFAULT_METHOD, METHODS, UnknownMethod
from microwork.quality.aggregation.text import normalise_text
from microwork.quality.gold import batch_gold
from microwork.work.results import answer_fields

CHUNK = 2000
CATEGORICAL, MULTILABEL, TEXT, NUMERIC, BOXES = (
    "categorical",
    "multilabel",
    "text",
    "numeric",
    "boxes",
)
NUMERIC_METHOD = "median"
FORMATS = ("csv", "jsonl", "parquet")


class ParquetUnavailable(RuntimeError):
    """pyarrow is not installed (the `parquet` extra)."""


@dataclass(frozen=True)
class ExportField:
    name: str
    kind: str  # CATEGORICAL, MULTILABEL, TEXT, NUMERIC or BOXES
    method: str


def export_fields(batch: Batch, *, method: str = DEFAULT_METHOD) -> list[ExportField]:
    """The answer fields of the export and how each is aggregated.

    A ready-made task type says each field's kind; a custom HTML template's fields are every
    field answered in the batch, read as categorical. Raise UnknownMethod unless `method` is a
    categorical method.
    """
    if method not in METHODS:
        raise UnknownMethod(method)
    project = batch.project
    found = tasktypes.task_type(project.template_kind)
    if found is not None:
        kinds = found.aggregation_fields(found.parse(project.template_config or {}))
    else:
        kinds = dict.fromkeys(answer_fields(batch), CATEGORICAL)
    by_kind = {CATEGORICAL: method, MULTILABEL: MULTILABEL_METHOD, TEXT: TEXT_METHOD}
    by_kind[NUMERIC] = NUMERIC_METHOD
    by_kind[BOXES] = BOXES_METHOD
    return [
        ExportField(name, kind, by_kind[kind]) for name, kind in kinds.items() if kind in by_kind
    ]


def _agrees(kind: str, value, label) -> bool:
    if kind == TEXT:
        return normalise_text(str(value)) == normalise_text(str(label))
    if kind == MULTILABEL:
        values = value if isinstance(value, list) else [value]
        return set(values) == set(label)
    return _hashable(value) == label


def _aggregate_field(batch: Batch, field: ExportField) -> dict:
    """{task public id: (label, confidence, n_answers, agreement)} for one field."""
    gold = batch_gold(batch, field.name) if field.kind == CATEGORICAL else None
    rows = {
        row.task_id: row
        for row in batch_aggregate(batch, field=field.name, method=field.method, gold=gold or None)
    }
    if field.kind in (NUMERIC, BOXES):
        # The numeric confidence is already the share of answers within tolerance of the value;
        # a boxes confidence the share of workers behind its least supported box.
        return {t: (r.label, r.confidence, r.n_answers, r.confidence) for t, r in rows.items()}
    matching: dict[str, int] = {}
    triples, _rows = _answers(batch, field.name)
    for _worker, task_id, value in triples:
        row = rows.get(task_id)
        if row is not None and _agrees(field.kind, value, row.label):
            matching[task_id] = matching.get(task_id, 0) + 1
    return {
        t: (r.label, r.confidence, r.n_answers, matching.get(t, 0) / r.n_answers)
        for t, r in rows.items()
    }


def aggregate_fields(batch: Batch, fields: list[ExportField]) -> list[tuple[ExportField, dict]]:
    """Per field, {task public id: (label, confidence, n_answers, agreement)}: what the export
    holds beyond the tasks themselves. Computed here in the request, or read back from a
    stored aggregation (quality/stored.py) for a large batch; both give the same file."""
    return [(field, _aggregate_field(batch, field)) for field in fields]


def columns(batch: Batch, fields: list[ExportField]) -> list[str]:
    names = ["task_id", "row_number", "is_gold", *(f"input.{c}" for c in batch.columns)]
    for field in fields:
        names += [
            field.name,
            *(f"{field.name}.{part}" for part in ("confidence", "n_answers", "agreement")),
        ]
    return names


def aggregated_records(
    batch: Batch,
    *,
    method: str = DEFAULT_METHOD,
    fields: list[ExportField] | None = None,
    aggregated: list[tuple[ExportField, dict]] | None = None,
) -> tuple[list[str], Iterator[dict]]:
    """The column names and an iterator of one flat record per task of the batch, by row.

    A task nobody answered has no label (None), no confidence and 0 answers. `aggregated`
    (aggregate_fields' result, e.g. read back from a stored aggregation) spares computing it.
    Raise UnknownMethod (before reading anything) for a method that is not categorical.
    """
    if aggregated is not None:
        fields = [field for field, _results in aggregated]
    elif fields is None:
        fields = export_fields(batch, method=method)
    names = columns(batch, fields)

    def records() -> Iterator[dict]:
        nonlocal aggregated
        if aggregated is None:
            aggregated = aggregate_fields(batch, fields)
        tasks = (
            Task.objects.filter(batch=batch)
            .order_by("row_number")
            .values_list("public_id", "row_number", "gold", "input")
            .iterator(chunk_size=CHUNK)
        )
        for public_id, row_number, gold, inputs in tasks:
            record = {"task_id": public_id, "row_number": row_number, "is_gold": gold is not None}
            for column in batch.columns:
                record[f"input.{column}"] = (inputs or {}).get(column)
            for field, results in aggregated:
                label, confidence, n_answers, agreement = results.get(
                    public_id, (None, None, 0, None)
                )
                if isinstance(label, tuple):
                    label = list(label)
                record[field.name] = label
                record[f"{field.name}.confidence"] = confidence
                record[f"{field.name}.n_answers"] = n_answers
                record[f"{field.name}.agreement"] = agreement
            yield record

    return names, records()


# --- formats -------------------------------------------------------------------------------


def _csv_cell(value):
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return json.dumps(value, ensure_ascii=False)  # aggregated boxes
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Decimal: written as is by csvsafe (a negative median is a number, not a formula).
        return Decimal(repr(value))
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return value


def export_csv(
    batch: Batch, *, method: str = DEFAULT_METHOD, aggregated: list | None = None
) -> Iterator[str]:
    """Yield the aggregated data set as CSV lines; a multi-label label is "a;b"."""
    names, records = aggregated_records(batch, method=method, aggregated=aggregated)

    def rows():
        yield names
        for record in records:
            yield [_csv_cell(record[name]) for name in names]

    return csv_lines(rows())


def export_jsonl(
    batch: Batch, *, method: str = DEFAULT_METHOD, aggregated: list | None = None
) -> Iterator[str]:
    """Yield the aggregated data set as JSON Lines, labels with their types."""
    _names, records = aggregated_records(batch, method=method, aggregated=aggregated)
    return (json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _arrow_schema(batch: Batch, fields: list[ExportField]):
    import pyarrow as pa

    label_types = {
        CATEGORICAL: pa.string(),
        MULTILABEL: pa.list_(pa.string()),
        TEXT: pa.string(),
        NUMERIC: pa.float64(),
        BOXES: pa.string(),  # JSON text, as in CSV
    }
    schema = [
        ("task_id", pa.string()),
        ("row_number", pa.int64()),
        ("is_gold", pa.bool_()),
        *((f"input.{column}", pa.string()) for column in batch.columns),
    ]
    for field in fields:
        schema += [
            (field.name, label_types[field.kind]),
            (f"{field.name}.confidence", pa.float64()),
            (f"{field.name}.n_answers", pa.int64()),
            (f"{field.name}.agreement", pa.float64()),
        ]
    return pa.schema(schema)


def export_parquet(
    batch: Batch, *, method: str = DEFAULT_METHOD, aggregated: list | None = None
) -> Iterator[bytes]:
    """Yield the aggregated data set as a Parquet file, one row group per CHUNK tasks.

    Raise ParquetUnavailable when pyarrow is not installed, UnknownMethod for a bad method,
    both before anything is read.
    """
    if not parquet_available():
        raise ParquetUnavailable("Parquet export needs pyarrow: pip install pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    if aggregated is not None:
        fields = [field for field, _results in aggregated]
    else:
        fields = export_fields(batch, method=method)
    schema = _arrow_schema(batch, fields)
    _names, records = aggregated_records(batch, fields=fields, aggregated=aggregated)
    categorical = {field.name for field in fields if field.kind == CATEGORICAL}
    boxes = {field.name for field in fields if field.kind == BOXES}

    def generate() -> Iterator[bytes]:
        sink = ParquetSink()
        writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
        drain = sink.take

        chunk: list[dict] = []
        for record in records:
            for name in categorical:
                if record[name] is not None and not isinstance(record[name], str):
                    record[name] = str(record[name])
            for name in boxes:
                if record[name] is not None:
                    record[name] = json.dumps(record[name], ensure_ascii=False)
            chunk.append(record)
            if len(chunk) >= CHUNK:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                chunk.clear()
                yield drain()
        if chunk:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
        writer.close()
        yield drain()

    return generate()
