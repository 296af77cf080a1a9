"""Leave one data set out: how a method chosen on the other sets does on the one held out.

    .venv/bin/python bench/aggregate_loo.py [--datasets DIR] [--variants]

For every categorical data set in ../shared/datasets (bench/aggregate.py's list), each method
of ours is scored on the gold tasks that have answers (gold never given to the methods). It
prints:

1. per method, over all sets: the mean accuracy, the mean rank (1 = best, ties share), and the
   worst loss against the best method of each set;
2. per held-out set: the method a rule picks from the other sets alone, its accuracy on the
   held-out set, the best method there and the loss. Two rules: the best mean accuracy on the
   other sets, and bench/aggregate.py's rule (best mean rank, then smallest worst loss);
3. per rule, the held-out mean accuracy and the worst held-out loss: what choosing the default
   this way is worth on a set nobody tuned it on.

--variants adds a few settings beside the defaults (MACE with a learned class prior, DS with
pooling=2, MACE with crowd-kit's priors). Prints figures; not a test. The data sets are
research data kept outside the repository: without them it says so and stops.
"""

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from aggregate import CATEGORICAL, SHORT, ranks_and_losses  # noqa: E402

from microwork.quality.aggregation import DEFAULT_METHOD, METHODS, aggregate  # noqa: E402
from microwork.quality.aggregation.categorical import encode_columns  # noqa: E402

VARIANTS = {
    "MACE learn_prior": ("mace", {"learn_prior": True}),
    "DS pooling=2": ("dawid_skene", {"pooling": 2.0}),
    "MACE crowd-kit priors": (
        "mace",
        {"theta_prior": (0.5, 0.5), "strategy_prior": 10.0, "variational": True, "start": "soft"},
    ),
}


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def scores(root: Path, candidates: dict) -> dict[str, dict[str, float]]:
    """{data set: {candidate: accuracy on its gold tasks with answers}}."""
    table = {}
    for name in CATEGORICAL:
        folder = root / name
        if not folder.exists():
            continue
        rows, gold = read(folder / "answers.csv"), dict(read(folder / "gold.csv"))
        workers, tasks, labels = (np.array(column) for column in zip(*rows, strict=True))
        enc = encode_columns(workers, tasks, labels)
        table[name] = {}
        for label, (method, options) in candidates.items():
            result = aggregate(enc, method=method, **options)
            chosen = dict(
                zip(
                    result.tasks, np.asarray(result.classes)[result.label_idx].tolist(), strict=True
                )
            )
            scored = [task for task in gold if task in chosen]
            table[name][label] = float(np.mean([chosen[task] == gold[task] for task in scored]))
        print(f"scored {name}", file=sys.stderr, flush=True)
    return table


def pick_by_mean(table: dict, columns: list[str]) -> str:
    return max(columns, key=lambda c: (np.mean([table[n][c] for n in table]), c))


def pick_by_rank(table: dict, columns: list[str]) -> str:
    ranks, losses = ranks_and_losses(table, columns)
    return min(columns, key=lambda c: (ranks[c], losses[c], c))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--variants", action="store_true", help="also score a few settings")
    args = parser.parse_args()
    if not args.datasets.is_dir():
        print(f"No data sets at {args.datasets} (pass --datasets DIR).")
        return
    candidates = {SHORT[m]: (m, {}) for m in METHODS}
    if args.variants:
        candidates.update(VARIANTS)
    columns = list(candidates)
    table = scores(args.datasets, candidates)
    names = list(table)

    ranks, losses = ranks_and_losses(table, columns)
    print(f"## Every method on all {len(names)} sets\n")
    print("| method | mean accuracy | mean rank | worst loss against the best per set | on |")
    print("|---|---:|---:|---:|---|")
    for c in sorted(columns, key=lambda c: -np.mean([table[n][c] for n in names])):
        mean = np.mean([table[n][c] for n in names])
        worst_set = max(names, key=lambda n: max(table[n].values()) - table[n][c])
        star = " (default)" if c == SHORT[DEFAULT_METHOD] else ""
        print(
            f"| {c}{star} | {mean:.4f} | {ranks[c]:.2f} | {losses[c]:.3f} | "
            f"{worst_set.replace('zheng_', '')} |"
        )

    print(
        "\n## Leave one set out: the method picked on the other sets, scored on the held-out one\n"
    )
    print("| held out | by mean: pick | acc | by rank: pick | acc | best there | acc |")
    print("|---|---|---:|---|---:|---|---:|")
    held: dict[str, list[float]] = {"by mean": [], "by rank": []}
    lost: dict[str, list[float]] = {"by mean": [], "by rank": []}
    for out in names:
        rest = {n: table[n] for n in names if n != out}
        best = max(columns, key=lambda c: (table[out][c], c))
        cells = []
        for rule, pick in (
            ("by mean", pick_by_mean(rest, columns)),
            ("by rank", pick_by_rank(rest, columns)),
        ):
            held[rule].append(table[out][pick])
            lost[rule].append(table[out][best] - table[out][pick])
            cells += [pick, f"{table[out][pick]:.3f}"]
        print(f"| {out} | " + " | ".join(cells) + f" | {best} | {table[out][best]:.3f} |")
    print("\n| rule | held-out mean accuracy | worst held-out loss | mean loss |")
    print("|---|---:|---:|---:|")
    for rule in held:
        print(
            f"| {rule} | {np.mean(held[rule]):.4f} | {max(lost[rule]):.3f} | "
            f"{np.mean(lost[rule]):.3f} |"
        )
    oracle = np.mean([max(table[n].values()) for n in names])
    print(f"| the best method of each set, known in advance | {oracle:.4f} | 0 | 0 |")


if __name__ == "__main__":
    main()
