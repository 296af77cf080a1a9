import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from microwork.work import results
from microwork.work.enums import AssignmentState
from microwork.work.results import answer_fields, results_csv, results_jsonl
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

ACCEPTED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
HEADER = (
    "HITId,HITTypeId,AssignmentId,WorkerId,AssignmentStatus,AcceptTime,SubmitTime,"
    "WorkTimeInSeconds,Input.text,Input.url,Answer.answer,Answer.tags,RequesterFeedback"
)


@pytest.fixture
def batch():
    project = ProjectFactory(public_id="P" * 30)
    return PublishedBatchFactory(project=project, columns=["text", "url"])


def _task(batch, row, **inputs):
    return TaskFactory(
        batch=batch,
        row_number=row,
        public_id=f"T{row}".ljust(30, "0"),
        input={"text": f"row {row}", "url": f"https://example.org/{row}.png", **inputs},
    )


def _answer(task, name, state=AssignmentState.SUBMITTED, seconds=42, **fields):
    return SubmittedAssignmentFactory(
        task=task,
        public_id=f"A{name}".ljust(30, "0"),
        worker__worker_id=f"AW{name}".ljust(14, "0"),
        state=state,
        accepted_at=ACCEPTED,
        deadline=ACCEPTED + timedelta(minutes=10),
        submitted_at=ACCEPTED + timedelta(seconds=seconds),
        work_seconds=seconds,
        **fields,
    )


def _csv(batch) -> str:
    return "".join(results_csv(batch))


def _rows(batch) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_csv(batch))))


def test_results_csv_header_is_mturks_with_inputs_and_sorted_answer_fields(batch):
    task = _task(batch, 1)
    _answer(task, "1", answers={"tags": ["a"], "answer": "yes"})

    assert _csv(batch).split("\r\n")[0] == HEADER


def test_results_csv_of_a_batch_without_answers_is_the_header_only():
    batch = PublishedBatchFactory(columns=["text"])
    AssignmentFactory(task=TaskFactory(batch=batch))

    assert _csv(batch) == (
        "HITId,HITTypeId,AssignmentId,WorkerId,AssignmentStatus,AcceptTime,SubmitTime,"
        "WorkTimeInSeconds,Input.text,RequesterFeedback\r\n"
    )


def test_results_csv_rows_are_exact(batch):
    task = _task(batch, 1)
    _answer(task, "1", answers={"answer": "yes", "tags": ["a", "b"]})
    _answer(
        task,
        "2",
        state=AssignmentState.APPROVED,
        seconds=7,
        answers={"answer": "no"},
        feedback="Thanks",
    )

    assert _csv(batch).split("\r\n")[1:] == [
        f"{'T1'.ljust(30, '0')},{'P' * 30},{'A2'.ljust(30, '0')},{'AW2'.ljust(14, '0')},Approved,"
        "2025-03-01T12:00:00+00:00,2025-03-01T12:00:07+00:00,7,row 1,https://example.org/1.png,"
        "no,,Thanks",
        f"{'T1'.ljust(30, '0')},{'P' * 30},{'A1'.ljust(30, '0')},{'AW1'.ljust(14, '0')},Submitted,"
        "2025-03-01T12:00:00+00:00,2025-03-01T12:00:42+00:00,42,row 1,https://example.org/1.png,"
        "yes,a;b,",
        "",
    ]


def test_results_csv_has_rows_only_for_answered_assignments(batch):
    task = _task(batch, 1)
    _answer(task, "S", state=AssignmentState.SUBMITTED)
    _answer(task, "A", state=AssignmentState.APPROVED)
    _answer(task, "R", state=AssignmentState.REJECTED, feedback="Blank")
    other = _task(batch, 2)
    AssignmentFactory(task=other)
    AssignmentFactory(task=other, state=AssignmentState.RETURNED)
    AssignmentFactory(task=other, state=AssignmentState.EXPIRED)

    rows = _rows(batch)[1:]

    assert sorted((row[3][:3], row[4]) for row in rows) == [
        ("AWA", "Approved"),
        ("AWR", "Rejected"),
        ("AWS", "Submitted"),
    ]


def test_results_csv_rows_follow_the_row_numbers(batch):
    third, first = _task(batch, 3), _task(batch, 1)
    _answer(third, "3")
    _answer(first, "1")

    assert [row[0][:2] for row in _rows(batch)[1:]] == ["T1", "T3"]


def test_results_csv_leaves_out_other_batches(batch):
    _answer(_task(batch, 1), "MINE")
    _answer(TaskFactory(batch=PublishedBatchFactory(project=batch.project)), "OTHER")

    assert [row[3][:4] for row in _rows(batch)[1:]] == ["AWMI"]


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx"])
def test_results_csv_neutralises_formula_cells(batch, value):
    task = _task(batch, 1, text=value)
    _answer(task, "1", answers={"answer": value, "tags": [value, "b"]}, feedback=value)

    row = _rows(batch)[1]

    assert row[8] == "'" + value
    assert row[10] == "'" + value
    assert row[11] == "'" + value + ";b"
    assert row[12] == "'" + value


def test_results_csv_keeps_commas_quotes_and_newlines_in_cells(batch):
    task = _task(batch, 1, text='a, "b"\nc')
    _answer(task, "1", answers={"answer": "x,y"})

    row = _rows(batch)[1]

    assert (row[8], row[10]) == ('a, "b"\nc', "x,y")


def test_answer_fields_are_the_union_over_the_batch_sorted(batch):
    task = _task(batch, 1)
    _answer(task, "1", answers={"b": "1"})
    _answer(task, "2", answers={"a": "1", "c": ["x"]})

    assert answer_fields(batch) == ["a", "b", "c"]


def test_results_jsonl_is_one_object_per_answered_assignment(batch):
    task = _task(batch, 1)
    _answer(task, "1", answers={"answer": "=1+1", "tags": ["a", "b"]})
    AssignmentFactory(task=task)

    lines = list(results_jsonl(batch))

    assert len(lines) == 1
    assert lines[0].endswith("\n")
    assert json.loads(lines[0]) == {
        "HITId": "T1".ljust(30, "0"),
        "HITTypeId": "P" * 30,
        "AssignmentId": "A1".ljust(30, "0"),
        "WorkerId": "AW1".ljust(14, "0"),
        "AssignmentStatus": "Submitted",
        "AcceptTime": "2025-03-01T12:00:00+00:00",
        "SubmitTime": "2025-03-01T12:00:42+00:00",
        "WorkTimeInSeconds": 42,
        "Input": {"text": "row 1", "url": "https://example.org/1.png"},
        "Answer": {"answer": "=1+1", "tags": ["a", "b"]},
        "RequesterFeedback": "",
    }


def test_results_jsonl_keeps_non_ascii_text(batch):
    _answer(_task(batch, 1, text="café"), "1", answers={"answer": "日本"})

    line = next(results_jsonl(batch))

    assert '"text": "café"' in line
    assert '"answer": "日本"' in line


def test_results_read_in_several_chunks_are_exact(batch, monkeypatch):
    """Rows cross the cursor's chunk boundaries and the decoded-answer memo's clearing."""
    monkeypatch.setattr(results, "CHUNK", 2)
    monkeypatch.setattr(results, "ANSWER_MEMO", 2)
    first, second, third = _task(batch, 1), _task(batch, 2), _task(batch, 3, text="=cmd")
    answers = [
        (first, "1", {"answer": "yes"}),
        (first, "2", {"answer": "no", "tags": ["a", "b"]}),
        (second, "3", {"answer": "yes"}),
        (second, "4", {"answer": "yes"}),
        (third, "5", {"answer": "-1", "tags": []}),
    ]
    for seconds, (task, name, fields) in enumerate(answers, start=10):
        _answer(task, name, seconds=seconds, answers=fields)

    def row(task_row, name, seconds, text, answer, tags):
        return (
            f"{f'T{task_row}'.ljust(30, '0')},{'P' * 30},{f'A{name}'.ljust(30, '0')},"
            f"{f'AW{name}'.ljust(14, '0')},Submitted,2025-03-01T12:00:00+00:00,"
            f"2025-03-01T12:00:{seconds}+00:00,{seconds},{text},"
            f"https://example.org/{task_row}.png,{answer},{tags},"
        )

    assert _csv(batch).split("\r\n") == [
        HEADER,
        row(1, "1", 10, "row 1", "yes", ""),
        row(1, "2", 11, "row 1", "no", "a;b"),
        row(2, "3", 12, "row 2", "yes", ""),
        row(2, "4", 13, "row 2", "yes", ""),
        row(3, "5", 14, "'=cmd", "'-1", ""),
        "",
    ]
    jsonl = [json.loads(line) for line in "".join(results_jsonl(batch)).splitlines()]
    assert [row["Answer"] for row in jsonl] == [fields for _, _, fields in answers]
    assert [row["Input"]["text"] for row in jsonl] == ["row 1", "row 1", "row 2", "row 2", "=cmd"]


def test_results_are_yielded_header_first_then_in_pieces(batch, monkeypatch):
    monkeypatch.setattr(results, "PIECE", 2)
    for row in range(1, 6):
        _answer(_task(batch, row), str(row), answers={"answer": str(row)})

    csv_pieces = list(results_csv(batch))
    jsonl_pieces = list(results_jsonl(batch))

    assert csv_pieces[0] == HEADER.replace(",Answer.tags", "") + "\r\n"
    assert [piece.count("\r\n") for piece in csv_pieces] == [1, 2, 2, 1]
    assert [piece.count("\n") for piece in jsonl_pieces] == [2, 2, 1]
    assert all(piece.endswith("\n") for piece in csv_pieces + jsonl_pieces)
