"""Aggregation beside crowd-kit: accuracy on the real data sets, CPU time on generated ones.

    .venv/bin/python bench/aggregate.py [--datasets DIR] [--sizes 10000,100000,1000000]
        [--methods a,b] [--no-crowdkit] [--slow-crowdkit-limit N] [--skip-real]

1. Every categorical data set in ../shared/datasets (or --datasets DIR): accuracy on the gold
   tasks that have answers (gold is never given to the methods), for every method of ours and
   of crowd-kit on the same answers in the same run, F1 of class "1" on zheng_d_product, CPU
   seconds summed over the sets, and per method the mean accuracy, mean rank and worst loss
   against the best method of each set. It ends with the target: our DEFAULT_METHOD's mean
   against crowd-kit's best single method's mean. Text and numeric sets follow.
2. Generated answers at each of --sizes: 5 classes, overlap 5 (tasks = answers / 5, so 200,000
   tasks at 1M answers), min(5,000, answers / 20) workers of varied reliability (accuracy drawn
   from Beta(4, 1.5) for most; 15% answer uniformly at random, 5% always give one label).
   CPU seconds (time.process_time) of ours from the three answer columns (encoding included)
   and of crowd-kit's fit_predict on a DataFrame of the same columns, accuracy against the
   generating truth, and the ratio for each method both implement.

crowd-kit's GLAD and MACE take about 3 minutes and 20 s on 100,000 answers; they are skipped
on inputs larger than --slow-crowdkit-limit answers (default 100,000) and the table says so.
crowd-kit is a test dependency (the `test` extra); with --no-crowdkit, or without it
installed, only our columns are printed. Prints figures; not a test. The data sets are research data kept outside the repository:
without them the real-data part says so and is skipped.
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
    normalise_text,
    normalised_distance,
)
from microwork.quality.aggregation.categorical import encode_columns  # noqa: E402

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
SHORT = {
    "majority_vote": "MV",
    "wawa": "Wawa",
    "one_coin_ds": "1coinDS",
    "dawid_skene": "DS",
    "glad": "GLAD",
    "mace": "MACE",
    "ds_mace": "DS+MACE",
    "shrunk_ds_mace": "shrunkDS+MACE",
    "auto": "auto (chosen per batch)",
}
# crowd-kit's class for each of our methods it also has, used with its defaults.
CROWDKIT = {
    "majority_vote": "MajorityVote",
    "wawa": "Wawa",
    "one_coin_ds": "OneCoinDawidSkene",
    "dawid_skene": "DawidSkene",
    "glad": "GLAD",
    "mace": "MACE",
}
SLOW_IN_CROWDKIT = {"glad", "mace"}


def crowdkit_available() -> bool:
    try:
        import crowdkit.aggregation  # noqa: F401
    except ImportError:
        return False
    return True


def runs_in_crowdkit(method: str, n_answers: int, with_crowdkit: bool, slow_limit: int) -> bool:
    if not with_crowdkit or method not in CROWDKIT:
        return False
    return not (method in SLOW_IN_CROWDKIT and n_answers > slow_limit)


def crowdkit_fit_predict(method: str, frame) -> tuple[dict, float]:
    """(task -> label, CPU seconds) from crowd-kit's class for `method`, default settings."""
    import crowdkit.aggregation

    model = getattr(crowdkit.aggregation, CROWDKIT[method])()
    start = time.process_time()
    labels = model.fit_predict(frame)
    took = time.process_time() - start
    return dict(zip(labels.index.tolist(), labels.tolist(), strict=True)), took


def ours(method: str, workers, tasks, labels) -> tuple[dict, float]:
    """(task -> label, CPU seconds) of our `method`: encoding the columns and aggregating,
    as crowd-kit's time is its fit_predict on a DataFrame; the dict is built afterwards."""
    start = time.process_time()
    result = aggregate(encode_columns(workers, tasks, labels), method=method)
    took = time.process_time() - start
    chosen = np.asarray(result.classes)[result.label_idx].tolist()
    return dict(zip(result.tasks, chosen, strict=True)), took


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[1:]


def load(folder: Path):
    rows = read_csv(folder / "answers.csv")
    gold = dict(read_csv(folder / "gold.csv"))
    return rows, gold


def f1_of(labels: dict, gold: dict, positive: str = "1") -> float:
    pairs = [(g, labels[t]) for t, g in gold.items() if t in labels]
    tp = sum(1 for g, p in pairs if g == positive and p == positive)
    fp = sum(1 for g, p in pairs if g != positive and p == positive)
    fn = sum(1 for g, p in pairs if g == positive and p != positive)
    return 2 * tp / max(2 * tp + fp + fn, 1)


def accuracy_of(labels: dict, gold: dict) -> float:
    scored = [t for t in gold if t in labels]
    return sum(str(labels[t]) == gold[t] for t in scored) / max(len(scored), 1)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Real data sets


def bench_categorical(root: Path, methods: list[str], *, with_crowdkit: bool, slow_limit: int):
    import pandas as pd  # crowd-kit's input; pandas comes with it

    ours_acc: dict[str, dict[str, float]] = {}
    ck_acc: dict[str, dict[str, float]] = {}
    ours_cpu = dict.fromkeys(methods, 0.0)
    ck_cpu = dict.fromkeys(methods, 0.0)
    f1_cells: list[str] = []
    lines = []
    for name in CATEGORICAL:
        folder = root / name
        if not folder.exists():
            lines.append(f"| {name} | missing |")
            continue
        rows, gold = load(folder)
        workers, tasks, labels = (np.array(column) for column in zip(*rows, strict=True))
        frame = pd.DataFrame({"worker": workers, "task": tasks, "label": labels})
        ours_acc[name], ck_acc[name] = {}, {}
        cells = []
        for method in methods:
            progress(f"{name}: {method}")
            mine, took = ours(method, workers, tasks, labels)
            ours_cpu[method] += took
            ours_acc[name][method] = accuracy_of(mine, gold)
            cell = f"{ours_acc[name][method]:.3f}"
            theirs = None
            if runs_in_crowdkit(method, len(rows), with_crowdkit, slow_limit):
                theirs, took = crowdkit_fit_predict(method, frame)
                ck_cpu[method] += took
                ck_acc[name][method] = accuracy_of(theirs, gold)
                cell += f" ({ck_acc[name][method]:.3f})"
            cells.append(cell)
            if name == "zheng_d_product":
                f1 = f"{f1_of(mine, gold):.3f}"
                if theirs is not None:
                    f1 += f" ({f1_of({t: str(v) for t, v in theirs.items()}, gold):.3f})"
                f1_cells.append(f1)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    print("## Categorical: accuracy on gold tasks with answers, ours (crowd-kit)\n")
    print("| dataset | " + " | ".join(SHORT[m] for m in methods) + " |")
    print("|---|" + "---:|" * len(methods))
    for line in lines:
        print(line)
    if f1_cells:
        print("| zheng_d_product F1 of class 1 | " + " | ".join(f1_cells) + " |")
    cpu_cells = []
    for m in methods:
        cell = f"{ours_cpu[m]:.2f}"
        if with_crowdkit:
            cell += f" ({ck_cpu[m]:.2f})"
        cpu_cells.append(cell)
    print("| CPU seconds, all sets | " + " | ".join(cpu_cells) + " |")
    summarise(ours_acc, ck_acc, methods)


def ranks_and_losses(scores_by_set: dict[str, dict[str, float]], columns: list[str]):
    """Per column: mean rank (1 = best, ties share the rank) and worst loss against the best
    column of each set."""
    ranks = {c: [] for c in columns}
    losses = {c: [] for c in columns}
    for scores in scores_by_set.values():
        best = max(scores[c] for c in columns)
        for c in columns:
            better = sum(1 for other in columns if scores[other] > scores[c] + 1e-12)
            equal = sum(1 for other in columns if abs(scores[other] - scores[c]) <= 1e-12)
            ranks[c].append(1 + better + (equal - 1) / 2)
            losses[c].append(best - scores[c])
    return (
        {c: float(np.mean(r)) for c, r in ranks.items()},
        {c: max(v) for c, v in losses.items()},
    )


def summarise(ours_acc, ck_acc, methods: list[str]) -> None:
    names = list(ours_acc)
    shared = [m for m in methods if m in CROWDKIT]
    # Rank ours and crowd-kit's methods together, on the sets where crowd-kit ran every method.
    complete = [n for n in names if shared and all(m in ck_acc[n] for m in shared)]
    sets = complete or names
    columns = [f"ours {m}" for m in methods]
    if complete:
        columns += [f"crowd-kit {m}" for m in shared]
    table = {
        n: {
            **{f"ours {m}": ours_acc[n][m] for m in methods},
            **{f"crowd-kit {m}": ck_acc[n][m] for m in shared if m in ck_acc[n]},
        }
        for n in sets
    }
    ranks, losses = ranks_and_losses(table, columns)
    print(f"\n## Robustness across {len(sets)} data sets, ours and crowd-kit ranked together\n")
    print("| method | mean accuracy | mean rank | worst loss against the best per set |")
    print("|---|---:|---:|---:|")
    for column in columns:
        mean = np.mean([table[n][column] for n in sets])
        star = " (default)" if column == f"ours {DEFAULT_METHOD}" else ""
        print(f"| {column}{star} | {mean:.4f} | {ranks[column]:.2f} | {losses[column]:.3f} |")
    ours_ranks, ours_losses = ranks_and_losses(
        {n: {m: ours_acc[n][m] for m in methods} for n in names}, methods
    )
    rule = min(methods, key=lambda m: (ours_ranks[m], ours_losses[m]))
    print(
        "\nRule for the default, among our methods: best mean rank, then smallest worst loss."
        f"\nThe rule picks: {rule}. DEFAULT_METHOD is {DEFAULT_METHOD}."
    )
    if complete and DEFAULT_METHOD in methods:
        ck_means = {m: np.mean([ck_acc[n][m] for n in complete]) for m in shared}
        best = max(ck_means, key=ck_means.get)
        default_mean = np.mean([ours_acc[n][DEFAULT_METHOD] for n in complete])
        verdict = "met" if default_mean >= ck_means[best] - 1e-12 else "NOT met"
        print(
            f"Target, mean over {len(complete)} sets: our default {DEFAULT_METHOD} "
            f"{default_mean:.4f} against crowd-kit's best single method {CROWDKIT[best]} "
            f"{ck_means[best]:.4f}: {verdict}."
        )


def bench_text(root: Path) -> None:
    print("\n## Text: agreement with the reference translation\n")
    print("| dataset | tasks | exact match (normalised) | mean normalised edit distance |")
    print("|---|---:|---:|---:|")
    for name in TEXT:
        folder = root / name
        if not folder.exists():
            continue
        rows, gold = load(folder)
        answers = [(w, t, label) for w, t, label in rows]
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


# ---------------------------------------------------------------------------------------------
# Generated answers


def synthetic(n_answers: int, seed: int = 0, n_classes: int = 5):
    """(workers, tasks, labels, truth): overlap 5, workers of varied reliability, spammers."""
    rng = np.random.default_rng(seed)
    n_tasks = max(n_answers // 5, 1)
    n_workers = max(min(5000, n_answers // 20), 5)
    truth = rng.integers(0, n_classes, n_tasks)
    accuracy = rng.beta(4.0, 1.5, n_workers)
    kind = rng.choice(3, size=n_workers, p=[0.80, 0.15, 0.05])  # honest, random, one label
    favourite = rng.integers(0, n_classes, n_workers)
    # Each task gets 5 answers from 5 workers drawn at random (a worker may repeat on a task
    # rarely, as duplicates do in the real sets).
    task = np.repeat(np.arange(n_tasks), 5)[:n_answers]
    worker = rng.integers(0, n_workers, n_answers)
    wrong = (truth[task] + rng.integers(1, n_classes, n_answers)) % n_classes
    right = rng.random(n_answers) < accuracy[worker]
    label = np.where(right, truth[task], wrong)
    label = np.where(kind[worker] == 1, rng.integers(0, n_classes, n_answers), label)
    label = np.where(kind[worker] == 2, favourite[worker], label)
    order = rng.permutation(n_answers)  # answers arrive interleaved, not task by task
    return worker[order], task[order], label[order], truth


def bench_synthetic(sizes: list[int], methods: list[str], *, with_crowdkit: bool, slow_limit: int):
    import pandas as pd

    print("\n## Generated answers: CPU seconds (time.process_time), ours and crowd-kit\n")
    print(
        "| answers | method | ours CPU s | crowd-kit CPU s | crowd-kit / ours | ours acc "
        "| crowd-kit acc |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    cpu: dict[tuple[str, int, str], float] = {}
    for n in sizes:
        workers, tasks, labels, truth = synthetic(n)
        frame = pd.DataFrame({"worker": workers, "task": tasks, "label": labels})
        for method in methods:
            progress(f"generated {n}: {method}")
            mine, took = ours(method, workers, tasks, labels)
            cpu["ours", n, method] = took
            keys = np.fromiter(mine.keys(), dtype=np.int64, count=len(mine))
            acc = float(np.mean(np.fromiter(mine.values(), dtype=np.int64) == truth[keys]))
            ck_cells = ["not run", "", ""] if method in CROWDKIT else ["no such method", "", ""]
            if runs_in_crowdkit(method, n, with_crowdkit, slow_limit):
                theirs, ck_took = crowdkit_fit_predict(method, frame)
                cpu["crowd-kit", n, method] = ck_took
                keys = np.fromiter(theirs.keys(), dtype=np.int64, count=len(theirs))
                values = np.fromiter(theirs.values(), dtype=np.int64, count=len(theirs))
                ck_acc = float(np.mean(values == truth[keys]))
                ck_cells = [f"{ck_took:.2f}", f"{ck_took / max(took, 1e-9):.1f}x", f"{ck_acc:.3f}"]
            print(
                f"| {n:,} | {SHORT[method]} | {took:.2f} | {ck_cells[0]} | {ck_cells[1]} | "
                f"{acc:.3f} | {ck_cells[2]} |"
            )
    largest = max(sizes)
    reference = cpu.get(("crowd-kit", largest, "dawid_skene"))
    mine = cpu.get(("ours", largest, DEFAULT_METHOD))
    if reference and mine:
        verdict = "met" if reference >= 5 * mine else "NOT met"
        print(
            f"\nTarget at {largest:,} answers: our default {DEFAULT_METHOD} {mine:.2f} s against "
            f"crowd-kit DawidSkene {reference:.2f} s, {reference / mine:.1f}x less CPU "
            f"(5x wanted): {verdict}."
        )
    for method in methods:
        theirs = cpu.get(("crowd-kit", largest, method))
        if theirs and ("ours", largest, method) in cpu:
            ratio = theirs / max(cpu["ours", largest, method], 1e-9)
            print(f"{SHORT[method]} at {largest:,}: {ratio:.1f}x less CPU than crowd-kit's.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_root = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
    parser.add_argument("--datasets", type=Path, default=default_root)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--sizes", default="10000,100000,1000000", help="generated answers")
    parser.add_argument("--no-crowdkit", action="store_true", help="only our methods")
    parser.add_argument("--slow-crowdkit-limit", type=int, default=100_000)
    parser.add_argument("--skip-real", action="store_true", help="only the generated answers")
    args = parser.parse_args()
    methods = args.methods.split(",")
    with_crowdkit = not args.no_crowdkit and crowdkit_available()
    if not args.no_crowdkit and not with_crowdkit:
        print("crowd-kit is not installed (pip install -e '.[test]'): ours only.\n")
    if args.skip_real:
        pass
    elif not args.datasets.is_dir():
        print(f"No data sets at {args.datasets}: no accuracy figures (pass --datasets DIR).\n")
    else:
        bench_categorical(
            args.datasets, methods, with_crowdkit=with_crowdkit, slow_limit=args.slow_crowdkit_limit
        )
        bench_text(args.datasets)
        bench_numeric(args.datasets)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        bench_synthetic(
            sizes, methods, with_crowdkit=with_crowdkit, slow_limit=args.slow_crowdkit_limit
        )


if __name__ == "__main__":
    main()
