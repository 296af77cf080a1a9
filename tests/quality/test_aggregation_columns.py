"""AnswerColumns: answers streamed into integer columns, one answer per worker and task."""

import numpy as np

from microwork.quality.aggregation import aggregate, encode
from microwork.quality.aggregation.columns import AnswerColumns


def _columns(answers) -> AnswerColumns:
    columns = AnswerColumns()
    for answer in answers:
        columns.add(*answer)
    return columns


def test_answer_columns_keep_a_workers_last_answer_to_a_task():
    columns = _columns(
        [
            ("w1", "t1", "zebra"),  # replaced by w1's later "cat": "zebra" is no class
            ("w2", "t1", "dog"),
            ("w1", "t2", "dog"),
            ("w1", "t1", "cat"),
            ("w1", "t1", "cat"),
        ]
    )

    assert list(columns.triples()) == [
        ("w2", "t1", "dog"),
        ("w1", "t2", "dog"),
        ("w1", "t1", "cat"),
    ]
    assert columns.dropped_duplicates == 2
    assert len(columns) == 3
    enc = columns.encoded()
    assert enc.classes == ["cat", "dog"]
    assert enc.tasks == ["t1", "t2"]
    assert enc.workers == ["w1", "w2"]


def test_answer_columns_encode_like_encode_on_the_kept_answers():
    rng = np.random.default_rng(3)
    answers = [
        (f"w{w}", f"t{t}", "abc"[c])
        for w, t, c in zip(
            rng.integers(0, 20, 2000),
            rng.integers(0, 300, 2000),
            rng.integers(0, 3, 2000),
            strict=True,
        )
    ]
    columns = _columns(answers)
    kept = list(columns.triples())
    gold = {"t1": "a", "t2": "c", "nobody": "b"}

    mine, reference = columns.encoded(gold), encode(kept, gold)

    assert columns.dropped_duplicates == len(answers) - len(kept) > 0
    assert len({(w, t) for w, t, _ in kept}) == len(kept)
    assert mine.classes == reference.classes == ["a", "b", "c"]
    for enc in (mine, reference):
        assert {
            enc.tasks[t]: enc.classes[c]
            for t, c in zip(enc.gold_task_idx, enc.gold_label_idx, strict=True)
        } == {"t1": "a", "t2": "c"}
    # Tasks and workers may be listed in another order (first appearance before the drop).
    as_values = [
        (mine.workers[w], mine.tasks[t], mine.classes[c])
        for w, t, c in zip(mine.worker_idx, mine.task_idx, mine.label_idx, strict=True)
    ]
    assert as_values == kept
    assert aggregate(mine, method="ds_mace").labels == aggregate(kept, "ds_mace", gold).labels
