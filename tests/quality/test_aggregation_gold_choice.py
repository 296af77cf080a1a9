"""Gold in the default aggregation (issue #20): who is modelled on gold first, and the
optional choice of the model by held-out gold."""

import numpy as np

from microwork.quality.aggregation.categorical import (
    AUTO_CANDIDATES,
    DEFAULT_METHOD,
    MIN_GOLD_ANSWERS_FIRST,
    MIN_GOLD_TO_CHOOSE,
    _first_step_weights,
    aggregate,
    encode,
    gold_fold_scores,
)


def test_only_a_worker_with_three_gold_answers_is_modelled_on_gold_first():
    # "a" answers the three gold tasks and one other; "b" answers two gold tasks and one other.
    answers = [
        ("a", "g1", "x"),
        ("a", "g2", "x"),
        ("a", "g3", "y"),
        ("a", "t1", "x"),
        ("b", "g1", "x"),
        ("b", "g2", "y"),
        ("b", "t1", "y"),
    ]
    enc = encode(answers, gold={"g1": "x", "g2": "x", "g3": "y"})

    weights = _first_step_weights(enc)

    assert MIN_GOLD_ANSWERS_FIRST == 3
    # a's answer on t1 waits for the second step; every answer of b counts from the start.
    assert weights.tolist() == [1, 1, 1, 0, 1, 1, 1]


def test_nobody_with_three_gold_answers_means_no_special_first_step():
    enc = encode([("a", "g1", "x"), ("a", "t1", "y")], gold={"g1": "x"})

    assert _first_step_weights(enc) is None


def test_gold_fold_scores_count_hidden_gold_answered_right():
    # Four gold tasks; two workers always wrong, one always right. The majority vote gets
    # every hidden gold task wrong, so it scores 0 of 4.
    truth = {f"g{i}": i % 2 for i in range(4)}
    answers = [(w, t, 1 - g) for t, g in truth.items() for w in ("liar1", "liar2")]
    answers += [("honest", t, g) for t, g in truth.items()]
    enc = encode(answers, gold=truth)

    scores = gold_fold_scores(enc, {"majority_vote": ("majority_vote", {})})

    assert scores == {"majority_vote": 0}


def test_gold_choice_needs_enough_gold_and_keeps_the_default_model_otherwise():
    rng = np.random.default_rng(3)
    truth = {f"t{i}": int(rng.integers(2)) for i in range(30)}
    answers = [
        (w, t, g if rng.random() < 0.8 else 1 - g) for t, g in truth.items() for w in "abcde"
    ]
    few = dict(list(truth.items())[: MIN_GOLD_TO_CHOOSE - 1])

    result = aggregate(answers, gold=few, gold_choice=True)
    plain = aggregate(answers, gold=few)

    assert result.method == DEFAULT_METHOD
    assert result.model == plain.model  # the default's own choice, not the gold choice


def test_gold_choice_names_the_model_it_chose():
    rng = np.random.default_rng(4)
    truth = {f"t{i}": int(rng.integers(2)) for i in range(60)}
    answers = [
        (w, t, g if rng.random() < 0.8 else 1 - g) for t, g in truth.items() for w in "abcde"
    ]
    gold = dict(list(truth.items())[:MIN_GOLD_TO_CHOOSE])

    chosen = aggregate(answers, gold=gold, gold_choice=True)
    plain = aggregate(answers, gold=gold)

    assert chosen.method == DEFAULT_METHOD
    assert chosen.model in {
        "shrunk_ds_mace",
        "dawid_skene coin_prior=10",
        "dawid_skene",
        "mace learn_prior",
        "one_coin_ds",
        "majority_vote",
    }
    assert plain.method == DEFAULT_METHOD
    assert plain.model in AUTO_CANDIDATES  # without gold_choice, the default's own choice
    assert {t: chosen.labels[t] for t in gold} == gold
