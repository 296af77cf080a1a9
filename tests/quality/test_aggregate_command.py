"""`microwork aggregate`: the offline aggregation of a worker,task,label file."""

import csv
import io
import subprocess
import sys
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


# Real files (issue #20): bad bytes, an empty file, empty labels, repeated answers.


def test_aggregate_refuses_bytes_that_are_not_utf8_naming_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("worker,task,label\nw1,t1,chat\nw2,t1,caf\u00e9\n".encode("latin-1"))

    with pytest.raises(CommandError, match=r"line 3: byte 0xe9 is not UTF-8 text"):
        _run(path, "--method", "majority_vote")


def test_aggregate_cli_reports_bad_bytes_without_a_traceback_and_fails(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"worker,task,label\nw1,t1,a\nw2,t1,a\nw\xe9,t2,b\n")
    microwork = Path(sys.executable).with_name("microwork")

    done = subprocess.run(
        [str(microwork), "aggregate", str(path)], capture_output=True, text=True, check=False
    )

    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"CommandError: {path}, line 4: byte 0xe9 is not UTF-8 text; save the file as UTF-8"
    )


def test_aggregate_says_an_empty_file_is_empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match=r"empty\.csv: the file is empty$"):
        _run(path, "--method", "majority_vote")


def test_aggregate_refuses_an_empty_gold_file(answers, tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_bytes(b"")

    with pytest.raises(CommandError, match="gold.csv: the file is empty"):
        _run(answers, "--gold", gold)


@pytest.fixture
def blank_labels(tmp_path):
    # Before: the two empty labels on t1 outvoted "cat" (line numbers 2 to 6).
    path = tmp_path / "blank.csv"
    path.write_text("worker,task,label\nw1,t1,\nw2,t1,  \nw3,t1,cat\nw1,t2,dog\nw2,t2,\n")
    return path


def test_aggregate_skips_empty_labels_by_default_and_reports_their_lines(blank_labels):
    for method in ("majority_vote", "ds_mace", "text"):
        out, err = _run(blank_labels, "--method", method)

        assert [line.split(",")[::3] for line in out.splitlines()[1:]] == [
            ["t1", "1"],
            ["t2", "1"],
        ]
        assert [line.split(",")[1] for line in out.splitlines()[1:]] == ["cat", "dog"]
        assert err.splitlines()[0].startswith(f"{method}: 2 tasks, 2 workers, 2 answers, ")
        assert err.splitlines()[1] == "3 answers with an empty label skipped, lines 2, 3, 6"


def test_aggregate_refuses_empty_labels_when_asked(blank_labels, tmp_path):
    out_path = tmp_path / "labels.csv"

    with pytest.raises(
        CommandError, match=r"3 answers with an empty label, lines 2, 3, 6 \(--empty-labels skip"
    ):
        _run(blank_labels, "--empty-labels", "refuse", "--out", out_path)

    assert not out_path.exists()


def test_aggregate_lists_ten_lines_then_counts_the_rest(tmp_path):
    path = _write(tmp_path / "a.csv", "worker,task,label", [(f"w{i}", "t1", "") for i in range(12)])
    (tmp_path / "a.csv").write_text(path.read_text() + "w1,t1,cat\n")

    _out, err = _run(path, "--method", "majority_vote")

    assert (
        "12 answers with an empty label skipped, lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2 more"
        in err
    )


def test_aggregate_counts_a_workers_repeated_answer_once_the_last_one(tmp_path):
    # w1 answers t1 five times: once "cat", then "dog" four times; w2 and w3 say "cat".
    rows = [("w1", "t1", "cat"), *[("w1", "t1", "dog")] * 4, ("w2", "t1", "cat")]
    rows += [("w3", "t1", "cat"), ("w1", "t2", "dog"), ("w1", "t2", "cat")]
    path = _write(tmp_path / "dup.csv", "worker,task,label", rows)

    for method in ("majority_vote", "dawid_skene", "ds_mace"):
        out, err = _run(path, "--method", method)

        labels = [line.split(",") for line in out.splitlines()[1:]]
        assert [(task, label, n) for task, label, _conf, n in labels] == [
            ("t1", "cat", "3"),
            ("t2", "cat", "1"),  # w1's last answer to t2
        ]
        assert err.splitlines()[0].startswith(f"{method}: 2 tasks, 3 workers, 4 answers, ")
        assert err.splitlines()[1] == (
            "5 duplicate answers dropped: a worker's last answer to a task counts, "
            "the earlier ones do not"
        )


def test_aggregate_reports_nothing_dropped_on_a_clean_file(answers):
    _out, err = _run(answers, "--method", "majority_vote")

    assert len(err.splitlines()) == 1


def test_aggregate_numeric_counts_the_last_answer_and_refuses_a_word(tmp_path):
    rows = [("w1", "t1", "oops"), ("w1", "t1", "4"), ("w2", "t1", "6"), ("w3", "t1", "8")]
    path = _write(tmp_path / "n.csv", "worker,task,label", rows)

    out, err = _run(path, "--method", "median")

    assert out.splitlines()[1].startswith("t1,6.0,")
    assert "1 duplicate answers dropped" in err
    bad = _write(tmp_path / "bad.csv", "worker,task,label", [*rows, ("w4", "t1", "x")])
    with pytest.raises(CommandError, match="median needs numeric labels, not 'x'"):
        _run(bad, "--method", "median")


def test_aggregate_auto_says_which_model_it_chose(tmp_path):
    # w1 and w2 always agree; w3 disagrees on three tasks of four.
    rows = [
        (worker, f"t{i}", "y" if worker == "w3" and i % 4 else "x")
        for i in range(12)
        for worker in ("w1", "w2", "w3")
    ]
    answers = _write(tmp_path / "answers.csv", "worker,task,label", rows)

    out, err = _run(answers, "--method", "auto")

    assert err.splitlines()[0].startswith(
        "auto (chose dawid_skene coin_prior=10): 12 tasks, 3 workers, 36 answers, "
    )
    assert out.splitlines()[0] == "task,label,confidence,n_answers"
    assert [line.split(",")[1] for line in out.splitlines()[1:]] == ["x"] * 12


def _free_text(tmp_path, tasks=30):
    """Three workers writing a sentence per task: 60 distinct strings, each given on one task;
    on each task two workers agree."""
    rows = []
    for t in range(tasks):
        rows += [(f"w{w}", f"t{t}", f"the sentence number {t}") for w in (1, 2)]
        rows.append(("w3", f"t{t}", f"a sentence of task {t}"))
    return _write(tmp_path / "text.csv", "worker,task,label", rows)


def test_aggregate_without_a_method_takes_free_text_as_text_and_says_so(tmp_path):
    out, err = _run(_free_text(tmp_path))

    rows = list(csv.reader(io.StringIO(out)))
    # The two agreeing answers win; the confidence is the text method's (its similarity).
    assert rows[1] == ["t0", "the sentence number 0", "0.84127", "3"]
    assert len(rows) == 31
    summary = err.splitlines()
    assert summary[0].startswith("text: 30 tasks, 3 workers, 90 answers, ")
    assert summary[1] == (
        "the labels look like free text (60 of 60 distinct labels are given on one task only): "
        "aggregated with --method text; --method chooses another"
    )


def test_aggregate_without_a_method_takes_many_numbers_as_numbers(tmp_path):
    rows = [(f"w{w}", f"t{t}", t * 2 + (w == 3)) for t in range(30) for w in (1, 2, 3)]

    out, err = _run(_write(tmp_path / "scores.csv", "worker,task,label", rows))

    assert list(csv.reader(io.StringIO(out)))[1:3] == [
        ["t0", "0.0", "0.666667", "3"],
        ["t1", "2.0", "0.666667", "3"],
    ]
    assert err.splitlines()[1] == (
        "the labels are numbers (60 distinct values): aggregated with --method median; "
        "--method chooses another"
    )


def test_aggregate_keeps_classes_for_a_rating_scale_and_an_explicit_method(tmp_path):
    ratings = [(f"w{w}", f"t{t}", (t + w) % 5 + 1) for t in range(40) for w in (1, 2, 3)]
    path = _write(tmp_path / "ratings.csv", "worker,task,label", ratings)

    _out, err = _run(path)
    _out, explicit = _run(_free_text(tmp_path), "--method", "majority_vote")

    assert err.startswith("auto (chose ")
    assert "free text" not in err and "numbers" not in err
    assert explicit.startswith("majority_vote: 30 tasks")
    assert "free text" not in explicit


def test_aggregate_fit_gold_on_free_text_is_refused_saying_why(tmp_path):
    gold = _write(tmp_path / "gold.csv", "task,label", [("t0", "the sentence number 0")])

    with pytest.raises(CommandError) as refused:
        _run(_free_text(tmp_path), "--gold", gold, "--fit-gold")

    assert str(refused.value).startswith(
        "--fit-gold applies to the categorical methods only; the labels look like free text"
    )
