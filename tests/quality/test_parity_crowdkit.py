"""Parity with crowd-kit (a test dependency): for every method both implement, our labels and
crowd-kit's, both with default settings, on the same answers.

The thresholds are shares of tasks given the same label, stated per method; where our model
differs from crowd-kit's on purpose (the one-coin guards, MACE fitted by EM from the majority
vote rather than by variational Bayes from random starts, docs/quality-aggregation.md) the
threshold is lower and our accuracy must be no worse than crowd-kit's by more than noise (two
standard errors of crowd-kit's accuracy on that many gold tasks) instead of within one point. Ties in the majority vote are broken differently on purpose (ours: the
label that sorts first; crowd-kit's: the first label column), so majority vote must agree on
every task with a single top label, and the tied ones must go to the first label.

The real data sets (../shared/datasets) are research data kept outside the repository; those
tests skip where it is absent and use the small sets only, so the file runs in seconds. The
generated answers run everywhere.
"""

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from crowdkit import aggregation as crowdkit

from microwork.quality.aggregation import aggregate, encode_columns

REPO = Path(__file__).resolve().parents[2]
SHARED = next(
    (
        path
        for path in (REPO.parent / "shared" / "datasets", Path("/work/shared/datasets"))
        if path.is_dir()
    ),
    None,
)
needs_shared = pytest.mark.skipif(
    SHARED is None, reason="../shared/datasets is absent: research data, not in the repository"
)

CROWDKIT = {
    "majority_vote": crowdkit.MajorityVote,
    "wawa": crowdkit.Wawa,
    "dawid_skene": crowdkit.DawidSkene,
    "one_coin_ds": crowdkit.OneCoinDawidSkene,
    "glad": crowdkit.GLAD,
    "mace": crowdkit.MACE,
}
# Share of tasks with the same label, and whether our accuracy must be within one point of
# crowd-kit's ("same") or no worse than crowd-kit's by more than two standard errors.
SAME_LABELS = {
    "wawa": (0.97, "same"),
    "dawid_skene": (0.99, "same"),
    "glad": (0.95, "no worse"),
    "one_coin_ds": (0.95, "no worse"),
    "mace": (0.93, "no worse"),
}
# The small sets (under 10,000 answers each); crowd-kit's GLAD and MACE take seconds even here.
SMALL_SETS = ["snow_rte", "snow_temp", "snow_wsd", "zheng_dog", "zheng_duck", "zheng_face"]
SLOW_SETS = {"glad": ["snow_wsd", "zheng_duck"], "mace": ["snow_wsd"]}
# crowd-kit 1.4.2 on pandas 3 warns about its own use of inplace=True; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:crowdkit")


@cache
def shared_set(name: str) -> tuple[pd.DataFrame, dict]:
    with (SHARED / name / "answers.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    with (SHARED / name / "gold.csv").open(newline="", encoding="utf-8") as handle:
        gold = dict(list(csv.reader(handle))[1:])
    frame = pd.DataFrame(rows, columns=["worker", "task", "label"])
    return frame, gold


@cache
def generated() -> tuple[pd.DataFrame, dict]:
    """300 tasks of 3 classes, 5 answers each from 30 workers: 22 honest of varied accuracy,
    5 answering at random, 3 always giving the first class (seeded)."""
    rng = np.random.default_rng(2026)
    n_tasks, n_workers = 300, 30
    truth = rng.integers(0, 3, n_tasks)
    accuracy = np.concatenate([rng.uniform(0.55, 0.95, 22), np.full(8, 1 / 3)])
    task = np.repeat(np.arange(n_tasks), 5)
    worker = np.concatenate([rng.choice(n_workers, 5, replace=False) for _ in range(n_tasks)])
    right = rng.random(task.size) < accuracy[worker]
    label = np.where(right, truth[task], (truth[task] + rng.integers(1, 3, task.size)) % 3)
    label = np.where(worker >= 27, 0, label)
    frame = pd.DataFrame(
        {"worker": [f"w{w}" for w in worker], "task": [f"t{t}" for t in task], "label": label}
    )
    frame["label"] = frame["label"].map("abc".__getitem__)
    return frame, {f"t{t}": "abc"[c] for t, c in enumerate(truth)}


def ours(method: str, frame: pd.DataFrame) -> pd.Series:
    columns = (frame[name].to_numpy(dtype=str) for name in ("worker", "task", "label"))
    result = aggregate(encode_columns(*columns), method=method)
    return pd.Series(np.asarray(result.classes)[result.label_idx], index=result.tasks)


@cache
def theirs(method: str, source: str) -> pd.Series:
    frame = generated()[0] if source == "generated" else shared_set(source)[0]
    return CROWDKIT[method]().fit_predict(frame).astype(str)


def accuracy(labels: pd.Series, gold: dict) -> float:
    scored = [task for task in gold if task in labels.index]
    return float(np.mean([labels[task] == gold[task] for task in scored]))


def assert_parity(method: str, source: str) -> None:
    frame, gold = generated() if source == "generated" else shared_set(source)
    mine, reference = ours(method, frame), theirs(method, source)
    threshold, rule = SAME_LABELS[method]

    assert sorted(mine.index) == sorted(reference.index)
    same = float((mine == reference[mine.index]).mean())
    assert same >= threshold, f"{method} on {source}: {same:.3f} of labels the same"
    mine_acc, reference_acc = accuracy(mine, gold), accuracy(reference, gold)
    if rule == "same":
        assert abs(mine_acc - reference_acc) <= 0.01, (method, source, mine_acc, reference_acc)
    else:
        scored = sum(1 for task in gold if task in mine.index)
        noise = 2 * np.sqrt(reference_acc * (1 - reference_acc) / scored)
        assert mine_acc >= reference_acc - noise, (method, source, mine_acc, reference_acc)


def assert_majority_vote_parity(source: str) -> None:
    frame, _gold = generated() if source == "generated" else shared_set(source)
    mine, reference = ours("majority_vote", frame), theirs("majority_vote", source)
    votes = frame.groupby(["task", "label"]).size().unstack(fill_value=0)
    top = votes.max(axis=1)
    is_tied = (votes.eq(top, axis=0)).sum(axis=1) > 1
    single = votes.index[~is_tied]
    tied = votes.index[is_tied]

    assert (mine[single] == reference[single]).all()
    first_of_tied = votes.loc[tied].eq(top[tied], axis=0).idxmax(axis=1)  # columns are sorted
    assert (mine[tied] == first_of_tied).all()


def test_majority_vote_matches_crowdkit_on_generated_answers():
    assert_majority_vote_parity("generated")


@pytest.mark.parametrize("method", list(SAME_LABELS))
def test_method_matches_crowdkit_on_generated_answers(method):
    assert_parity(method, "generated")


@needs_shared
@pytest.mark.parametrize("name", SMALL_SETS)
def test_majority_vote_matches_crowdkit_on_shared_sets(name):
    assert_majority_vote_parity(name)


@needs_shared
@pytest.mark.parametrize(
    ("method", "name"),
    [
        (method, name)
        for method in SAME_LABELS
        for name in SLOW_SETS.get(method, SMALL_SETS)
        # crowd-kit's one-coin DS collapses on Duck (0.583, where ours has 0.722): that set
        # is the subject of the next test, not of parity.
        if (method, name) != ("one_coin_ds", "zheng_duck")
    ],
)
def test_method_matches_crowdkit_on_shared_sets(method, name):
    assert_parity(method, name)


@needs_shared
def test_one_coin_guards_avoid_crowdkits_collapse_on_duck():
    frame, gold = shared_set("zheng_duck")

    mine = accuracy(ours("one_coin_ds", frame), gold)
    reference = accuracy(theirs("one_coin_ds", "zheng_duck"), gold)

    assert round(reference, 3) == 0.583  # ../shared/datasets/README.md
    assert mine >= reference + 0.1


# crowd-kit's MACE builds its spam-strategy table with a groupby, in sorted worker and label
# order, and reads it with pd.factorize's codes, in order of first appearance (crowd-kit 1.4.2,
# mace.py, _e_step): unless workers and labels first appear in sorted order, each worker is
# given another's strategy. docs/quality-aggregation.md ("MACE against crowd-kit's").
CROWDKIT_MACE_PRIORS = {
    "theta_prior": (0.5, 0.5),
    "strategy_prior": 10.0,
    "variational": True,
    "start": "soft",
    "max_iter": 50,
    "tol": 0.0,
}


def test_mace_with_crowdkits_priors_matches_crowdkit_where_its_order_holds():
    frame, _gold = generated()
    # Label, then worker order: labels and workers first appear in sorted order.
    ordered = frame.sort_values(["label", "worker"], kind="stable").reset_index(drop=True)
    assert list(pd.factorize(ordered["worker"])[1]) == sorted(set(ordered["worker"]))
    columns = (ordered[name].to_numpy(dtype=str) for name in ("worker", "task", "label"))

    result = aggregate(encode_columns(*columns), method="mace", **CROWDKIT_MACE_PRIORS)
    mine = pd.Series(np.asarray(result.classes)[result.label_idx], index=result.tasks)
    reference = crowdkit.MACE().fit_predict(ordered).astype(str)
    shuffled = crowdkit.MACE().fit_predict(frame).astype(str)

    same = float((mine == reference[mine.index]).mean())
    same_shuffled = float((shuffled[mine.index] == reference[mine.index]).mean())
    assert same >= 0.99, same
    assert same_shuffled < same, same_shuffled  # the same answers in another order
