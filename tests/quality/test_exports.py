"""The aggregated data set of a batch: CSV, JSONL and Parquet, and the download views."""

import csv
import io
import json

import pytest
from django.urls import reverse

from microwork.quality.aggregation import UnknownMethod
from microwork.quality.exports import export_csv, export_fields, export_jsonl, export_parquet
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import (
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
)
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

COLUMNS = [
    "task_id",
    "row_number",
    "is_gold",
    "input.text",
    "answer",
    "answer.confidence",
    "answer.n_answers",
    "answer.agreement",
]


@pytest.fixture
def batch():
    """Two answered tasks (cat 2:1, dog 2:0), one gold task, one task nobody answered."""
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    workers = WorkerFactory.create_batch(3)
    first = TaskFactory(batch=batch, row_number=2, input={"text": "=1+1"})
    second = TaskFactory(batch=batch, row_number=3, input={"text": "b"}, gold={"answer": "dog"})
    TaskFactory(batch=batch, row_number=4, input={"text": "c"})
    for worker, label in zip(workers, ["cat", "cat", "dog"], strict=True):
        SubmittedAssignmentFactory(task=first, worker=worker, answers={"answer": label})
    SubmittedAssignmentFactory(task=second, worker=workers[0], answers={"answer": "dog"})
    SubmittedAssignmentFactory(
        task=second,
        worker=workers[1],
        answers={"answer": "dog"},
        state=AssignmentState.APPROVED,
    )
    batch.first, batch.second = first, second
    return batch


def test_export_jsonl_has_one_record_per_task_in_row_order(batch):
    records = [json.loads(line) for line in export_jsonl(batch, method="majority_vote")]

    assert list(records[0]) == COLUMNS
    assert records == [
        {
            "task_id": batch.first.public_id,
            "row_number": 2,
            "is_gold": False,
            "input.text": "=1+1",
            "answer": "cat",
            "answer.confidence": pytest.approx(2 / 3),
            "answer.n_answers": 3,
            "answer.agreement": pytest.approx(2 / 3),
        },
        {
            "task_id": batch.second.public_id,
            "row_number": 3,
            "is_gold": True,
            "input.text": "b",
            "answer": "dog",
            "answer.confidence": 1.0,
            "answer.n_answers": 2,
            "answer.agreement": 1.0,
        },
        {
            "task_id": records[2]["task_id"],
            "row_number": 4,
            "is_gold": False,
            "input.text": "c",
            "answer": None,
            "answer.confidence": None,
            "answer.n_answers": 0,
            "answer.agreement": None,
        },
    ]


def test_export_csv_matches_jsonl_and_neutralises_formulas(batch):
    rows = list(csv.reader(io.StringIO("".join(export_csv(batch, method="majority_vote")))))

    assert rows[0] == COLUMNS
    assert rows[1][:5] == [batch.first.public_id, "2", "false", "'=1+1", "cat"]
    assert float(rows[1][5]) == pytest.approx(2 / 3)
    assert rows[1][6] == "3"
    assert rows[2][2:] == ["true", "b", "dog", "1.0", "2", "1.0"]
    assert rows[3][3:] == ["c", "", "", "0", ""]


def test_export_uses_gold_as_a_fixed_truth():
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    task = TaskFactory(batch=batch, row_number=2, gold={"answer": "dog"})
    for worker in WorkerFactory.create_batch(3):
        SubmittedAssignmentFactory(task=task, worker=worker, answers={"answer": "cat"})

    (record,) = [json.loads(line) for line in export_jsonl(batch, method="dawid_skene")]

    assert (record["answer"], record["answer.confidence"], record["answer.agreement"]) == (
        "dog",
        1.0,
        0.0,
    )


def test_export_fields_read_a_task_types_kinds():
    project = ImageProjectFactory(
        template_config={
            "image_column": "image_url",
            "labels": ["cat", "dog"],
            "question": "Which?",
            "multiple": True,
        }
    )
    batch = PublishedBatchFactory(project=project, columns=["image_url"])
    task = TaskFactory(batch=batch, row_number=2, input={"image_url": "https://x/1.png"})
    SubmittedAssignmentFactory(task=task, answers={"label": ["cat", "dog"]})
    SubmittedAssignmentFactory(task=task, answers={"label": ["dog", "cat"]})

    (field,) = export_fields(batch)
    (record,) = [json.loads(line) for line in export_jsonl(batch)]

    assert (field.kind, field.method) == ("multilabel", "multilabel")
    assert sorted(record[field.name]) == ["cat", "dog"]
    assert record[f"{field.name}.agreement"] == 1.0


def test_export_refuses_an_unknown_method_before_reading(batch):
    with pytest.raises(UnknownMethod):
        export_jsonl(batch, method="median")


def test_export_parquet_loads_as_the_same_table(batch):
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")

    data = b"".join(export_parquet(batch, method="majority_vote"))
    table = pyarrow_parquet.read_table(io.BytesIO(data))

    assert table.column_names == COLUMNS
    assert table.column("answer").to_pylist() == ["cat", "dog", None]
    assert table.column("answer.n_answers").to_pylist() == [3, 2, 0]
    assert table.column("is_gold").to_pylist() == [False, True, False]


def test_export_parquet_streams_one_row_group_per_chunk(batch, monkeypatch):
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setattr("microwork.quality.exports.CHUNK", 2)

    parts = list(export_parquet(batch, method="majority_vote"))
    parquet_file = pyarrow_parquet.ParquetFile(io.BytesIO(b"".join(parts)))

    assert len(parts) == 2
    assert parquet_file.num_row_groups == 2
    assert parquet_file.read().column("row_number").to_pylist() == [2, 3, 4]


# --- views ---------------------------------------------------------------------------------


def _url(batch, file_format, **query):
    url = reverse("quality:batch-export", args=[batch.pk, file_format])
    return url + "".join(f"?{k}={v}" for k, v in query.items())


def test_batch_export_view_downloads_jsonl_for_the_owner(client, batch):
    client.force_login(batch.project.requester)

    response = client.get(_url(batch, "jsonl", method="majority_vote"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == (
        f'attachment; filename="batch-{batch.pk}-aggregated-majority_vote.jsonl"'
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["answer"] for line in lines] == ["cat", "dog", None]


def test_batch_export_view_default_method_csv(client, batch):
    client.force_login(batch.project.requester)

    response = client.get(_url(batch, "csv"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="batch-{batch.pk}-aggregated.csv"'
    )
    assert b"".join(response.streaming_content).decode().startswith(",".join(COLUMNS))


def test_batch_export_view_is_404_for_another_requester(client, batch):
    client.force_login(RequesterFactory())

    assert client.get(_url(batch, "csv")).status_code == 404


def test_batch_export_view_refuses_workers_and_anonymous(client, batch):
    assert client.get(_url(batch, "csv")).status_code == 302
    client.force_login(WorkerFactory())

    assert client.get(_url(batch, "csv")).status_code in (302, 403)


def test_batch_export_view_refuses_an_unknown_method_and_format(client, batch):
    client.force_login(batch.project.requester)

    assert client.get(_url(batch, "csv", method="nope")).status_code == 400
    assert client.get(_url(batch, "xlsx")).status_code == 404


def test_batch_export_view_says_when_parquet_is_unavailable(client, batch, monkeypatch):
    monkeypatch.setattr("microwork.quality.exports.parquet_available", lambda: False)
    client.force_login(batch.project.requester)

    response = client.get(_url(batch, "parquet"))

    assert response.status_code == 501


def test_batch_detail_links_to_the_quality_page(client, batch):
    client.force_login(batch.project.requester)

    response = client.get(reverse("projects:batch-detail", args=[batch.pk]))

    assert reverse("quality:batch-quality", args=[batch.pk]).encode() in response.content


def _box(label, x1, y1, x2, y2):
    return {"label": label, "x1": x1, "y1": y1, "x2": x2, "y2": y2}


@pytest.fixture
def boxes_batch():
    """One image two of three workers boxed alike: one car kept, one stray box dropped."""
    from microwork.projects.enums import TemplateKind
    from microwork.work import services

    config = {"image_column": "img", "labels": "car\nperson", "min_boxes": 0, "max_boxes": 3}
    project = ProjectFactory(
        template_kind=TemplateKind.BOUNDING_BOXES,
        template_html="",
        template_config=config,
        assignments_per_task=3,
    )
    batch = PublishedBatchFactory(project=project, columns=["img"])
    task = TaskFactory(batch=batch, row_number=2, input={"img": "https://example.org/a.jpg"})
    drawn = [[_box("car", 10, 20, 110, 80)], [_box("car", 12, 22, 112, 82)], []]
    for boxes in drawn:
        fields = {"boxes": [json.dumps(boxes)], "image_width": ["640"], "image_height": ["480"]}
        services.assignment_submit(
            assignment=AssignmentFactory(task=task, worker=WorkerFactory()), fields=fields
        )
    return batch


CAR_KEPT = {
    "label": "car", "x1": 11.0, "y1": 21.0, "x2": 111.0, "y2": 81.0, "support": 2,
    "confidence": pytest.approx(2 / 3),
}  # fmt: skip


def test_export_of_a_boxes_batch_holds_the_averaged_boxes_in_every_format(boxes_batch):
    assert [(f.name, f.kind, f.method) for f in export_fields(boxes_batch)] == [
        ("boxes", "boxes", "boxes"),
        ("image_width", "numeric", "median"),
        ("image_height", "numeric", "median"),
    ]

    [record] = [json.loads(line) for line in export_jsonl(boxes_batch)]
    assert record["boxes"] == [CAR_KEPT]
    assert record["boxes.n_answers"] == 3
    assert record["boxes.confidence"] == pytest.approx(2 / 3)
    assert record["boxes.agreement"] == pytest.approx(2 / 3)
    assert record["image_width"] == 640.0

    [row] = csv.DictReader(io.StringIO("".join(export_csv(boxes_batch))))
    assert json.loads(row["boxes"]) == [CAR_KEPT]
    assert row["boxes.n_answers"] == "3"

    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    table = pyarrow_parquet.read_table(io.BytesIO(b"".join(export_parquet(boxes_batch))))
    assert json.loads(table.column("boxes")[0].as_py()) == [CAR_KEPT]
