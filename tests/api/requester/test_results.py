import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from django.http import StreamingHttpResponse

from microwork.quality.aggregation import DEFAULT_METHOD
from microwork.quality.models import BatchAggregation
from tests.api.conftest import assert_problem
from tests.api.requester.conftest import make_batch, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(callers):
    batch = make_batch(callers.owner, rows=2, slots=2)
    submit(batch, 3)
    return batch


def _download(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


def test_results_stream_as_csv_with_a_filename(callers, answered):
    response, content = _download(callers.api, f"/api/v1/batches/{answered.pk}/results")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="batch-{answered.pk}-results.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(rows) == 3
    assert {row["Answer.answer"] for row in rows} == {"positive"}
    assert rows[0]["Input.text"] == "sentence 1"


def test_results_as_jsonl_and_parquet_hold_the_same_rows(callers, answered):
    url = f"/api/v1/batches/{answered.pk}/results"
    jsonl_response, jsonl = _download(callers.api, url, format="jsonl")
    parquet_response, parquet = _download(callers.api, url, format="parquet")

    assert jsonl_response["Content-Type"] == "application/x-ndjson"
    assert parquet_response["Content-Type"] == "application/vnd.apache.parquet"
    assert parquet_response["Content-Disposition"].endswith('results.parquet"')
    lines = [json.loads(line) for line in jsonl.decode().splitlines()]
    table = pq.read_table(io.BytesIO(parquet)).to_pylist()
    assert [line["AssignmentId"] for line in lines] == [row["AssignmentId"] for row in table]
    assert [row["Answer.answer"] for row in table] == ["positive"] * 3
    assert [row["WorkTimeInSeconds"] for row in table] == [42] * 3


def test_an_unknown_format_is_422_naming_it(callers, answered):
    body = assert_problem(
        callers.api.get(f"/api/v1/batches/{answered.pk}/results", {"format": "xml"}),
        422,
        "validation-error",
    )
    assert [error["field"] for error in body["errors"]] == ["format"]


@pytest.mark.parametrize("file_format", ["csv", "jsonl", "parquet"])
def test_the_data_set_streams_one_row_per_task(callers, answered, file_format):
    response, content = _download(
        callers.api, f"/api/v1/batches/{answered.pk}/dataset", format=file_format
    )

    assert response["Content-Disposition"] == (
        f'attachment; filename="batch-{answered.pk}-aggregated.{file_format}"'
    )
    if file_format == "csv":
        records = list(csv.DictReader(io.StringIO(content.decode())))
    elif file_format == "jsonl":
        records = [json.loads(line) for line in content.decode().splitlines()]
    else:
        records = pq.read_table(io.BytesIO(content)).to_pylist()
    assert [str(record["row_number"]) for record in records] == ["1", "2"]
    assert [record["answer"] for record in records] == ["positive", "positive"]


def test_a_large_batchs_data_set_is_202_until_computed_and_a_get_queues_nothing(
    callers, answered, settings
):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    url = f"/api/v1/batches/{answered.pk}/dataset"

    pending = callers.api.get(url)

    assert pending.status_code == 202
    assert pending.json() == {
        "state": "not_requested",
        "method": DEFAULT_METHOD,
        "n_answers": 3,
        "latest_result": None,
        "error": "",
    }
    assert not BatchAggregation.objects.exists()
    asked = callers.api.post(f"{url}/aggregation")
    assert asked.status_code == 200, asked.content
    assert asked.json()["state"] in ("queued", "running")
    assert BatchAggregation.objects.count() == 1
