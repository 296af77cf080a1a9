"""The aggregation engine on small generated data sets: no database, no shared data."""

import itertools
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microwork.quality.aggregation import (
    DEFAULT_METHOD,
    METHODS,
    UnknownMethod,
    aggregate,
    aggregate_boxes,
    aggregate_multilabel,
    aggregate_numeric,
    aggregate_text,
    cluster_boxes,
    encode,
    encode_columns,
    iou,
    levenshtein,
    normalise_text,
    trimmed_mean,
)

MV_ON_NOISY = 56 / 60  # the random workers outvote or tie the good pair on 4 tasks
MODEL_METHODS = ["one_coin_ds", "dawid_skene", "glad", "mace", "ds_mace"]


def noisy(n_tasks=60, classes=("a", "b", "c", "d"), seed=1):
    """Two perfect workers and three who answer at random (seeded)."""
    rng = random.Random(seed)
    truth = {f"t{i}": classes[i % len(classes)] for i in range(n_tasks)}
    answers = []
    for task, label in truth.items():
        answers += [("good1", task, label), ("good2", task, label)]
        answers += [(f"random{j}", task, rng.choice(classes)) for j in range(3)]
    return answers, truth


def spammed(n_tasks=30, classes=("a", "b", "c")):
    """Two perfect workers and three who always answer the first class: the majority vote is
    right only on tasks whose truth is that class."""
    truth = {f"t{i}": classes[i % len(classes)] for i in range(n_tasks)}
    answers = []
    for task, label in truth.items():
        answers += [("good1", task, label), ("good2", task, label)]
        answers += [(f"spam{j}", task, classes[0]) for j in range(3)]
    return answers, truth


def adversarial(n_tasks=40):
    """Two perfect workers and three who always give the wrong one of two labels."""
    truth = {f"t{i}": ("yes", "no")[i % 2] for i in range(n_tasks)}
    flip = {"yes": "no", "no": "yes"}
    answers = []
    for task, label in truth.items():
        answers += [("good1", task, label), ("good2", task, label)]
        answers += [(f"liar{j}", task, flip[label]) for j in range(3)]
    return answers, truth


def accuracy(labels, truth):
    return sum(labels[t] == truth[t] for t in truth) / len(truth)


@pytest.mark.parametrize("method", MODEL_METHODS)
def test_model_methods_recover_truth_where_majority_vote_fails(method):
    answers, truth = noisy()

    result = aggregate(answers, method=method)

    assert accuracy(aggregate(answers, method="majority_vote").labels, truth) == MV_ON_NOISY
    assert result.labels == truth
    assert result.skills["good1"] > 0.9
    assert all(result.skills[f"random{j}"] < 0.5 for j in range(3))


@pytest.mark.parametrize("method", ["dawid_skene", "mace", "one_coin_ds", "ds_mace"])
def test_gold_initialises_worker_models_against_a_lying_majority(method):
    answers, truth = adversarial()
    gold = {task: truth[task] for task in ["t0", "t1", "t2", "t3"]}

    without_gold = aggregate(answers, method=method)
    with_gold = aggregate(answers, method=method, gold=gold)

    assert accuracy(without_gold.labels, truth) == 0.0
    assert with_gold.labels == truth
    assert with_gold.skills["liar0"] < 0.01
    assert with_gold.skills["good1"] > 0.99


def test_methods_are_deterministic():
    rng = random.Random(7)
    answers = [
        (f"w{w}", f"t{t}", rng.choice("abcd")) for t in range(50) for w in rng.sample(range(12), 4)
    ]

    for method in METHODS:
        first, second = aggregate(answers, method=method), aggregate(answers, method=method)

        assert first.labels == second.labels, method
        assert np.array_equal(first.posteriors, second.posteriors), method


@pytest.mark.parametrize("method", ["one_coin_ds", "mace"])
def test_restarts_with_a_fixed_seed_are_reproducible(method):
    rng = random.Random(3)
    answers = [(f"w{w}", f"t{t}", rng.choice("xy")) for t in range(40) for w in range(5)]

    first = aggregate(answers, method=method, restarts=3, seed=11)
    second = aggregate(answers, method=method, restarts=3, seed=11)

    assert first.labels == second.labels
    assert np.array_equal(first.posteriors, second.posteriors)


@pytest.mark.parametrize("method", list(METHODS))
def test_empty_input_gives_an_empty_result(method):
    result = aggregate([], method=method)

    assert result.labels == {}
    assert result.skills == {}
    assert list(result.rows()) == []


@pytest.mark.parametrize("method", list(METHODS))
def test_a_single_worker_is_taken_at_their_word(method):
    answers = [("w", "t1", "a"), ("w", "t2", "b"), ("w", "t3", "a")]

    result = aggregate(answers, method=method)

    assert result.labels == {"t1": "a", "t2": "b", "t3": "a"}
    assert list(result.rows())[0][:2] == ("t1", "a")


@pytest.mark.parametrize("method", list(METHODS))
def test_a_single_class_is_certain(method):
    result = aggregate([("w1", "t", "a"), ("w2", "t", "a")], method=method)

    assert result.labels == {"t": "a"}
    assert result.confidence == {"t": 1.0}
    assert result.method == method


def test_unknown_method_is_refused():
    with pytest.raises(UnknownMethod):
        aggregate([("w", "t", "a")], method="oracle")


def test_default_method_is_one_of_the_methods():
    assert DEFAULT_METHOD in METHODS


def test_rows_follow_first_appearance_of_tasks():
    answers = [("w1", "z", "a"), ("w1", "y", "b"), ("w2", "z", "a")]

    assert list(aggregate(answers, method="majority_vote").rows()) == [
        ("z", "a", 1.0, 2),
        ("y", "b", 1.0, 1),
    ]


# Multi-label


def test_multilabel_keeps_labels_chosen_by_more_than_half():
    answers = [
        ("w1", "t", ["cat", "dog"]),
        ("w2", "t", ["cat"]),
        ("w3", "t", ["cat", "dog", "bird"]),
        ("w4", "t", ["bird"]),
        ("w1", "u", []),
    ]

    result = aggregate_multilabel(answers)

    # cat 3/4 in, dog 2/4 (a tie) out, bird 2/4 out.
    assert result.labels == {"t": ("cat",), "u": ()}
    assert result.shares["t"] == {"bird": 0.5, "cat": 0.75, "dog": 0.5}
    assert result.confidence == {"t": 0.5, "u": 1.0}
    assert result.n_answers == {"t": 4, "u": 1}


# Text


def _reference_levenshtein(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


@given(st.text(alphabet="abcé ", max_size=80), st.text(alphabet="abcé ", max_size=80))
def test_levenshtein_matches_the_textbook_dynamic_programme(a, b):
    assert levenshtein(a, b) == _reference_levenshtein(a, b)


def test_levenshtein_known_values():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("flaw", "lawn") == 2
    assert levenshtein("x" * 200, "x" * 199 + "y") == 1


def test_normalise_text_ignores_case_space_and_punctuation():
    assert normalise_text("  Hello,   World!  ") == "hello world"
    assert normalise_text("Ｈｅｌｌｏ — world…") == "hello world"


def test_text_vote_on_normalised_spelling_keeps_the_first_original():
    answers = [
        ("w1", "t", "The cat sat."),
        ("w2", "t", "the cat  sat"),
        ("w3", "t", "A dog sat."),
    ]

    result = aggregate_text(answers)

    assert result.labels == {"t": "The cat sat."}
    assert result.how == {"t": "vote"}
    assert result.n_answers == {"t": 3}
    # Two identical (1.0 each) and "a dog sat" at distance 6 of 11 characters from "the cat sat".
    assert result.confidence["t"] == pytest.approx((1 + 1 + 5 / 11) / 3)


def test_text_without_a_winning_spelling_takes_the_medoid():
    answers = [
        ("w1", "t", "he went home early"),
        ("w2", "t", "he went home"),
        ("w3", "t", "he walked home early"),
        ("w4", "u", "only one"),
    ]

    result = aggregate_text(answers)

    assert result.labels == {"t": "he went home early", "u": "only one"}
    assert result.how == {"t": "medoid", "u": "medoid"}
    assert result.confidence["u"] == 1.0


# Numeric


def test_numeric_median_and_trimmed_mean():
    answers = [(f"w{i}", "t", v) for i, v in enumerate([1, 2, 3, 4, 100])]
    answers += [("w0", "u", 10), ("w1", "u", 20)]

    median = aggregate_numeric(answers, method="median")
    trimmed = aggregate_numeric(answers, method="trimmed_mean", trim=0.2)

    assert median.values == {"t": 3.0, "u": 15.0}
    assert trimmed.values == {"t": 3.0, "u": 15.0}
    assert median.spread == {"t": 1.0, "u": 5.0}
    assert median.n_answers == {"t": 5, "u": 2}
    # Tolerance: median spread over tasks = 3.0; within 3 of the value: 4 of 5 and 0 of 2.
    assert median.tolerance == 3.0
    assert median.confidence == {"t": 0.8, "u": 0.0}


def test_trimmed_mean_cuts_the_same_count_from_each_end():
    assert trimmed_mean(np.array([0.0, 1, 2, 3, 4, 5, 6, 7, 8, 90]), 0.1) == 4.5
    assert trimmed_mean(np.array([5.0]), 0.4) == 5.0


def test_numeric_refuses_unknown_method_and_bad_trim():
    with pytest.raises(ValueError):
        aggregate_numeric([("w", "t", 1)], method="mode")
    with pytest.raises(ValueError):
        aggregate_numeric([("w", "t", 1)], method="trimmed_mean", trim=0.5)


# Boxes


def test_iou():
    assert iou((0, 0, 2, 2), (0, 0, 2, 2)) == 1.0
    assert iou((0, 0, 2, 2), (1, 0, 3, 2)) == pytest.approx(2 / 6)
    assert iou((0, 0, 1, 1), (5, 5, 6, 6)) == 0.0


def test_boxes_cluster_by_iou_and_average():
    answers = [
        ("w1", "img", [(0, 0, 10, 10), (50, 50, 60, 60)]),
        ("w2", "img", [(1, 1, 11, 11), (51, 50, 61, 60)]),
        ("w3", "img", [(0, 1, 10, 11), (200, 200, 210, 210)]),
    ]

    result = aggregate_boxes(answers)

    boxes = result["img"]
    assert [b.support for b in boxes] == [3, 2]
    assert boxes[0].box == pytest.approx((1 / 3, 2 / 3, 31 / 3, 32 / 3))
    assert boxes[0].confidence == 1.0
    assert boxes[1].box == pytest.approx((50.5, 50, 60.5, 60))
    assert boxes[1].confidence == pytest.approx(2 / 3)


def test_boxes_from_one_worker_never_merge():
    boxes = cluster_boxes([("w1", [(0, 0, 10, 10), (0, 0, 10, 9)])], min_share=0)

    assert [b.support for b in boxes] == [1, 1]


def test_boxes_of_a_task_nobody_boxed_are_empty():
    assert aggregate_boxes([("w1", "img", []), ("w2", "img", [])]) == {"img": []}


def test_synthetic_boxes_recover_the_objects():
    rng = np.random.default_rng(5)
    objects = [(10, 10, 60, 40), (100, 80, 140, 160)]
    answers = []
    for w in range(7):
        drawn = [tuple(np.array(o) + rng.normal(0, 2, 4)) for o in objects]
        if w == 6:
            drawn = [(300, 300, 320, 320)]  # one careless worker
        answers.append((f"w{w}", drawn))

    boxes = cluster_boxes(answers)

    assert [b.support for b in boxes] == [6, 6]
    found = sorted(b.box for b in boxes)
    for box, truth in zip(found, objects, strict=True):
        assert np.abs(np.array(box) - truth).max() < 3


def test_every_method_handles_many_classes_and_duplicates():
    answers = [(f"w{w}", "t", str(w % 7)) for w in range(14)] + [("w0", "t", "0")]

    assert aggregate(answers, method="majority_vote").labels == {"t": "0"}
    for method in METHODS:
        result = aggregate(answers, method=method)
        assert result.classes == [str(i) for i in range(7)], method
        assert result.answer_counts.tolist() == [15], method


def test_one_coin_ds_needs_no_python_loop_over_answers():
    # 100k answers: run as a smoke test of the vectorised path; timing is bench/aggregate.py's.
    rng = np.random.default_rng(0)
    n = 100_000
    truth = rng.integers(0, 4, 20_000)
    task = rng.integers(0, 20_000, n)
    worker = rng.integers(0, 500, n)
    right = rng.random(n) < 0.7
    label = np.where(right, truth[task], rng.integers(0, 4, n))

    result = aggregate(
        list(zip(worker.tolist(), task.tolist(), label.tolist(), strict=True)), method="dawid_skene"
    )

    predicted = np.array(result.classes)[result.label_idx]
    assert (predicted == truth[np.array(result.tasks)]).mean() > 0.8


def test_all_permutations_of_a_tie_give_the_same_label():
    for order in itertools.permutations([("w1", "t", "b"), ("w2", "t", "a"), ("w3", "t", "c")]):
        assert aggregate(list(order), method="majority_vote").labels == {"t": "a"}


@pytest.mark.parametrize(
    "columns",
    [
        # NumPy integers (a lookup table), strings (np.unique) and plain lists (a dict).
        (np.array([7, 3, 7, 0]), np.array([10, 11, 11, 10]), np.array([2, 1, 2, 2])),
        (
            np.array(["w7", "w3", "w7", "w0"]),
            np.array(["b", "a", "a", "b"]),
            np.array(["y", "x", "y", "y"]),
        ),
        (["w7", "w3", "w7", "w0"], ["b", "a", "a", "b"], ["y", "x", "y", "y"]),
    ],
)
def test_encode_columns_matches_encode_of_the_triples(columns):
    workers, tasks, labels = columns
    plain = [c.tolist() if isinstance(c, np.ndarray) else c for c in columns]
    triples = list(zip(*plain, strict=True))

    fast, slow = encode_columns(workers, tasks, labels), encode(triples)

    assert fast.workers == slow.workers == list(dict.fromkeys(plain[0]))
    assert fast.tasks == slow.tasks == list(dict.fromkeys(plain[1]))
    assert fast.classes == slow.classes == sorted(set(plain[2]))
    for name in ("task_idx", "worker_idx", "label_idx"):
        assert getattr(fast, name).tolist() == getattr(slow, name).tolist(), name
    assert type(fast.workers[0]) is type(slow.workers[0])


def test_encode_columns_refuses_columns_of_different_lengths():
    with pytest.raises(ValueError):
        encode_columns(["w1", "w2"], ["t1"], ["a", "b"])


def test_pooling_gives_a_rarely_seen_worker_the_crowds_confusion():
    # Three workers always right on 20 tasks; "rare1" and "rare2" each answered one task of
    # class "a" (right), then both answered "solo" "a". They were never seen on a "b" task, so
    # plain DS gives them uniform rows for truth "b" and EM settles near a coin toss on solo
    # (their own answers feed those rows); pooling fills the rows from the crowd, who never
    # answer "a" to a "b", and solo is clearly "a". (A task with one answer would not show
    # it: its confidence comes from its worker's record elsewhere, whatever the model.)
    answers = [(f"w{w}", f"t{t}", "ab"[t % 2]) for w in range(3) for t in range(20)]
    answers += [("rare1", "t0", "a"), ("rare1", "solo", "a")]
    answers += [("rare2", "t2", "a"), ("rare2", "solo", "a")]

    plain = aggregate(answers, method="dawid_skene")
    pooled = aggregate(answers, method="dawid_skene", pooling=2.0)

    assert plain.labels["solo"] == pooled.labels["solo"] == "a"
    assert plain.confidence["solo"] < 0.6
    assert pooled.confidence["solo"] > 0.99


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(-50, 50)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([0.0, 0.1, 0.2, 0.4]),
)
def test_numeric_matches_a_per_task_computation(pairs, trim):
    answers = [(f"w{i}", f"t{task}", value) for i, (task, value) in enumerate(pairs)]
    by_task: dict = {}
    for _w, task, value in answers:
        by_task.setdefault(task, []).append(float(value))

    median = aggregate_numeric(answers, method="median")
    trimmed = aggregate_numeric(answers, method="trimmed_mean", trim=trim)

    assert list(median.values) == list(by_task)  # tasks in order of first answer
    for task, raw in by_task.items():
        array = np.array(raw)
        assert median.values[task] == pytest.approx(float(np.median(array)))
        assert trimmed.values[task] == pytest.approx(trimmed_mean(array, trim))
        spread = float(np.median(np.abs(array - median.values[task])))
        assert median.spread[task] == pytest.approx(spread)
        within = np.abs(array - median.values[task]) <= median.tolerance
        assert median.confidence[task] == pytest.approx(float(within.mean()))
        assert median.n_answers[task] == len(raw)
