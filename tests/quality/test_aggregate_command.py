"""`microwork aggregate`: the offline aggregation of a worker,task,label file."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SHARED = Path("/work/shared/datasets")


def _write(path: Path, header: str, rows: list[tuple]) -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))
    return path


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("aggregate", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def answers(tmp_path):
    # t1: cat 2:1, t2: dog 3:0, t3: a 1:1 tie (goes to "cat", the label that sorts first).
    rows = [
        ("w1", "t1", "cat"),
        ("w2", "t1", "cat"),
        ("w3", "t1", "dog"),
        ("w1", "t2", "dog"),
        ("w2", "t2", "dog"),
        ("w3", "t2", "dog"),
        ("w1", "t3", "dog"),
        ("w2", "t3", "cat"),
    ]
    return _write(tmp_path / "answers.csv", "worker,task,label", rows)


def test_aggregate_writes_labels_to_out_and_prints_accuracy(answers, tmp_path):
    gold = _write(tmp_path / "gold.csv", "task,label", [("t1", "cat"), ("t3", "dog"), ("t9", "x")])
    out_path = tmp_path / "labels.csv"

    out, err = _run(answers, "--method", "majority_vote", "--gold", gold, "--out", out_path)

    with out_path.open() as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["task", "label", "confidence", "n_answers"],
        ["t1", "cat", "0.666667", "3"],
        ["t2", "dog", "1", "3"],
        ["t3", "cat", "0.5", "2"],
    ]
    lines = out.splitlines()
    assert lines[0].startswith("majority_vote: 3 tasks, 3 workers, 8 answers, ")
    assert lines[1] == "accuracy 0.5000 on 2 gold tasks"
    assert err == ""


def test_aggregate_without_out_writes_csv_to_stdout_and_summary_to_stderr(answers):
    out, err = _run(answers, "--method", "wawa")

    assert out.splitlines()[0] == "task,label,confidence,n_answers"
    assert [line.split(",")[:2] for line in out.splitlines()[1:]] == [
        ["t1", "cat"],
        ["t2", "dog"],
        ["t3", "cat"],
    ]
    assert err.startswith("wawa: 3 tasks, 3 workers, 8 answers")


def test_aggregate_fit_gold_pins_gold_tasks(answers, tmp_path):
    gold = _write(tmp_path / "gold.csv", "task,label", [("t3", "dog")])

    out, err = _run(answers, "--method", "dawid_skene", "--gold", gold, "--fit-gold")

    assert "t3,dog,1," in out
    assert "accuracy 1.0000 on 1 gold tasks" in err


def test_aggregate_numeric_prints_mean_absolute_error(tmp_path):
    answers = _write(
        tmp_path / "a.csv",
        "worker,task,label",
        [("w1", "t1", 1), ("w2", "t1", 3), ("w3", "t1", 10), ("w1", "t2", 4)],
    )
    gold = _write(tmp_path / "g.csv", "task,label", [("t1", 2), ("t2", 4)])

    out, err = _run(answers, "--method", "median", "--gold", gold)

    assert "t1,3.0," in out
    assert "accuracy 0.5000 on 2 gold tasks, mean absolute error 0.5000" in err


def test_aggregate_shows_a_progress_bar_on_stderr_when_asked(answers):
    _out, err = _run(answers, "--method", "majority_vote", "--progress")

    assert "\rreading [" in err
    assert "100.0% 8 answers\n" in err


def test_aggregate_has_no_progress_bar_on_small_files(answers):
    _out, err = _run(answers, "--method", "majority_vote")

    assert "reading [" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("who,what\nw1,t1\n", "the header must start with worker,task,label"),
        ("worker,task,label\nw1,t1\n", "line 2: expected worker,task,label"),
        ("worker,task,label\n", "no answers"),
    ],
)
def test_aggregate_refuses_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        _run(path, "--method", "majority_vote")


def test_aggregate_refuses_an_unknown_method_and_a_missing_file(answers, tmp_path):
    with pytest.raises(CommandError):
        _run(answers, "--method", "nope")
    with pytest.raises(CommandError, match="No such file"):
        _run(tmp_path / "missing.csv", "--method", "majority_vote")


@pytest.mark.skipif(not (SHARED / "zheng_dog").exists(), reason="shared data sets absent")
def test_aggregate_on_a_shared_data_set_scores_like_the_documented_table():
    folder = SHARED / "zheng_dog"

    _out, err = _run(
        folder / "answers.csv", "--method", "majority_vote", "--gold", folder / "gold.csv"
    )

    assert "accuracy 0.81" in err  # docs/quality-aggregation.md: MV 0.818 on Dog
