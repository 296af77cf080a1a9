"""Accuracy and time of every aggregation method on the real data sets in ../shared/datasets.

    .venv/bin/python bench/aggregation.py [--datasets DIR] [--methods a,b] [--synthetic N]

Categorical sets: accuracy on gold tasks that have answers (F1 of the minority class "1" too
for zheng_d_product), seconds per method, the crowd-kit 1.4.2 reference from the data sets'
README beside it, and each method's mean rank and worst loss against the best method per set.
Text sets (crowdwsa_*): exact match with the reference after normalisation and mean normalised
edit distance to it. Numeric (zheng_n_emotion): MAE of median and trimmed mean.
`--synthetic N` also times every method on N generated answers. Prints figures; not a test.
The data sets are research data kept outside the repository: without them this says so and
stops.
"""

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from microwork.quality.aggregation import (  # noqa: E402
    DEFAULT_METHOD,
    METHODS,
    aggregate,
    aggregate_numeric,
    aggregate_text,
    encode,
    normalise_text,
    normalised_distance,
)

CATEGORICAL = [
    "snow_rte",
    "snow_temp",
    "snow_wsd",
    "zheng_d_possent",
    "zheng_d_product",
    "zheng_dog",
    "zheng_duck",
    "zheng_face",
    "zheng_s_adult",
    "zheng_s_rel",
]
TEXT = ["crowdwsa_t1", "crowdwsa_t2", "crowdwsa_j1"]
NUMERIC = ["zheng_n_emotion"]
# crowd-kit 1.4.2 defaults, from ../shared/datasets/README.md: MV, Wawa, DS, 1coinDS, GLAD, MACE.
REFERENCE = {
    "snow_rte": (0.875, 0.919, 0.927, 0.925, 0.925, 0.925),
    "snow_temp": (0.939, 0.944, 0.942, 0.939, 0.935, 0.939),
    "snow_wsd": (0.994, 0.994, 0.994, 0.994, 0.994, 0.994),
    "zheng_d_possent": (0.932, 0.951, 0.960, 0.949, 0.948, 0.950),
    "zheng_d_product": (0.897, 0.897, 0.940, 0.908, 0.928, 0.929),
    "zheng_dog": (0.812, 0.829, 0.843, 0.830, 0.834, 0.830),
    "zheng_duck": (0.759, 0.759, 0.889, 0.583, 0.722, 0.806),
    "zheng_face": (0.634, 0.630, 0.640, 0.611, 0.630, 0.635),
    "zheng_s_adult": (0.766, 0.769, 0.766, 0.709, 0.760, 0.763),
    "zheng_s_rel": (0.543, 0.567, 0.617, 0.258, 0.565, 0.501),
}
REFERENCE_ORDER = ["majority_vote", "wawa", "dawid_skene", "one_coin_ds", "glad", "mace"]
SHORT = {
    "majority_vote": "MV",
    "wawa": "Wawa",
    "one_coin_ds": "1coinDS",
    "dawid_skene": "DS",
    "glad": "GLAD",
    "mace": "MACE",
}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[1:]


def load(folder: Path):
    answers = [(w, t, label) for w, t, label in read_csv(folder / "answers.csv")]
    gold = dict(read_csv(folder / "gold.csv"))
    return answers, gold


def f1_of(labels: dict, gold: dict, positive: str = "1") -> float:
    tp = sum(1 for t, g in gold.items() if t in labels and g == positive and labels[t] == positive)
    fp = sum(1 for t, g in gold.items() if t in labels and g != positive and labels[t] == positive)
    fn = sum(1 for t, g in gold.items() if t in labels and g == positive and labels[t] != positive)
    return 2 * tp / max(2 * tp + fp + fn, 1)


def accuracy_of(labels: dict, gold: dict) -> float:
    scored = [t for t in gold if t in labels]
    return sum(labels[t] == gold[t] for t in scored) / max(len(scored), 1)


def bench_categorical(root: Path, methods: list[str]) -> None:
    measured: dict[str, dict[str, float]] = {}
    print("## Categorical: accuracy on gold tasks with answers (crowd-kit 1.4.2 in brackets)\n")
    print("| dataset | " + " | ".join(SHORT[m] for m in methods) + " |")
    print("|---|" + "---:|" * len(methods))
    seconds: dict[str, float] = dict.fromkeys(methods, 0.0)
    f1_line = None
    for name in CATEGORICAL:
        folder = root / name
        if not folder.exists():
            print(f"| {name} | missing |")
            continue
        answers, gold = load(folder)
        enc = encode(answers)  # gold is only for scoring here, never given to the methods
        measured[name] = {}
        cells, f1_cells = [], []
        for method in methods:
            start = time.process_time()
            result = aggregate(enc, method=method)
            seconds[method] += time.process_time() - start
            labels = result.labels
            acc = accuracy_of(labels, gold)
            measured[name][method] = acc
            ref = REFERENCE[name][REFERENCE_ORDER.index(method)]
            cells.append(f"{acc:.3f} ({ref:.3f})")
            if name == "zheng_d_product":
                f1_cells.append(f"{f1_of(labels, gold):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
        if f1_cells:
            f1_line = "| zheng_d_product F1 | " + " | ".join(f1_cells) + " |"
    if f1_line:
        print(f1_line)
    print("| CPU seconds, all sets | " + " | ".join(f"{seconds[m]:.2f}" for m in methods) + " |")
    summarise(measured, methods)


def summarise(measured: dict[str, dict[str, float]], methods: list[str]) -> None:
    """Mean accuracy, mean rank (1 = best, ties share the rank) and worst loss against the best
    method of each data set, for ours and for crowd-kit's reference numbers."""
    print("\n## Robustness across data sets\n")
    print("| method | mean acc | mean rank | worst loss vs best | mean acc (crowd-kit) |")
    print("|---|---:|---:|---:|---:|")
    names = list(measured)
    ranks = {m: [] for m in methods}
    losses = {m: [] for m in methods}
    for name in names:
        scores = measured[name]
        best = max(scores.values())
        for m in methods:
            # Average rank with ties: 1 + (number strictly better) + (number equal - 1) / 2.
            better = sum(1 for other in methods if scores[other] > scores[m] + 1e-12)
            equal = sum(1 for other in methods if abs(scores[other] - scores[m]) <= 1e-12)
            ranks[m].append(1 + better + (equal - 1) / 2)
            losses[m].append(best - scores[m])
    for m in methods:
        mean_acc = np.mean([measured[n][m] for n in names])
        ref = np.mean([REFERENCE[n][REFERENCE_ORDER.index(m)] for n in names])
        print(
            f"| {SHORT[m]} | {mean_acc:.4f} | {np.mean(ranks[m]):.2f} | "
            f"{max(losses[m]):.3f} | {ref:.4f} |"
        )
    ours = {m: np.mean(ranks[m]) for m in methods}
    rule = min(methods, key=lambda m: (ours[m], max(losses[m])))
    print("\nRule: best mean rank, then smallest worst loss against the best method per set.")
    print(f"The rule picks: {rule}. DEFAULT_METHOD is {DEFAULT_METHOD}.")


def bench_text(root: Path) -> None:
    print("\n## Text: agreement with the reference translation\n")
    print("| dataset | tasks | exact match (normalised) | mean normalised edit distance |")
    print("|---|---:|---:|---:|")
    for name in TEXT:
        folder = root / name
        if not folder.exists():
            continue
        answers, gold = load(folder)
        start = time.process_time()
        result = aggregate_text(answers)
        took = time.process_time() - start
        scored = [t for t in gold if t in result.labels]
        exact = np.mean(
            [normalise_text(result.labels[t]) == normalise_text(gold[t]) for t in scored]
        )
        dist = np.mean([normalised_distance(result.labels[t], gold[t]) for t in scored])
        # What a random answer would score: the mean over every answer of its distance.
        by_task: dict = {}
        for _w, t, label in answers:
            by_task.setdefault(t, []).append(label)
        any_answer = np.mean(
            [np.mean([normalised_distance(a, gold[t]) for a in by_task[t]]) for t in scored]
        )
        print(
            f"| {name} | {len(scored)} | {exact:.3f} | {dist:.3f} "
            f"(a random answer: {any_answer:.3f}; {took:.2f} s) |"
        )


def bench_numeric(root: Path) -> None:
    print("\n## Numeric: mean absolute error against gold\n")
    print("| dataset | median | trimmed mean (10%) | mean | Zheng et al. mean / median |")
    print("|---|---:|---:|---:|---:|")
    for name in NUMERIC:
        folder = root / name
        if not folder.exists():
            continue
        rows, gold = load(folder)
        answers = [(w, t, float(v)) for w, t, v in rows]
        maes = []
        for method, options in (
            ("median", {}),
            ("trimmed_mean", {}),
            ("trimmed_mean", {"trim": 0}),
        ):
            values = aggregate_numeric(answers, method=method, **options).values
            scored = [t for t in gold if t in values]
            maes.append(np.mean([abs(values[t] - float(gold[t])) for t in scored]))
        print(f"| {name} | {maes[0]:.2f} | {maes[1]:.2f} | {maes[2]:.2f} | 12.02 / 13.53 |")


def bench_synthetic(n_answers: int, methods: list[str], seed: int = 0) -> None:
    """CPU time on generated data: 5 classes, workers of varied reliability incl. spammers."""
    rng = np.random.default_rng(seed)
    n_tasks = max(n_answers // 5, 1)
    n_workers = max(n_answers // 200, 5)
    truth = rng.integers(0, 5, n_tasks)
    accuracy = rng.choice([0.2, 0.5, 0.7, 0.9], size=n_workers, p=[0.2, 0.2, 0.3, 0.3])
    task = rng.integers(0, n_tasks, n_answers)
    worker = rng.integers(0, n_workers, n_answers)
    right = rng.random(n_answers) < accuracy[worker]
    label = np.where(right, truth[task], rng.integers(0, 5, n_answers))
    answers = list(zip(worker.tolist(), task.tolist(), label.tolist(), strict=True))
    start = time.process_time()
    enc = encode(answers)
    print(
        f"\n## Synthetic: {n_answers:,} answers ({time.process_time() - start:.2f} s to encode)\n"
    )
    print("| method | CPU seconds | accuracy |")
    print("|---|---:|---:|")
    for method in methods:
        start = time.process_time()
        result = aggregate(enc, method=method)
        took = time.process_time() - start
        labels = np.array([result.classes[i] for i in result.label_idx])
        acc = float(np.mean(labels == truth[np.array(result.tasks)]))
        print(f"| {SHORT[method]} | {took:.2f} | {acc:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_root = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
    parser.add_argument("--datasets", type=Path, default=default_root)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--synthetic", type=int, default=0, help="also time N generated answers")
    args = parser.parse_args()
    methods = args.methods.split(",")
    if not args.datasets.is_dir():
        print(f"No data sets at {args.datasets}: nothing to measure (pass --datasets DIR).")
    else:
        bench_categorical(args.datasets, methods)
        bench_text(args.datasets)
        bench_numeric(args.datasets)
    if args.synthetic:
        bench_synthetic(args.synthetic, methods)


if __name__ == "__main__":
    main()
