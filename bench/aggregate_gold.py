"""Gold that helps: accuracy as the share of known answers grows (0, 5, 10, 20%).

    nice -n 10 .venv/bin/python bench/aggregate_gold.py [--datasets DIR] [--seeds 3]

For each categorical data set of ../shared/datasets and each simulated stress regime
(bench/aggregate_sim.py), a seeded share of the tasks with a known answer is given to the
methods as gold (`gold={task: label}`); accuracy is measured on the other known tasks only,
so a method gains nothing by copying gold back. Each cell is the mean over --seeds draws of
the gold tasks (the same draws for every method).

Methods: the majority vote, one-coin DS, DS, MACE, the old defaults ds_mace and
shrunk_ds_mace, the default `auto` (the model chosen per batch by held-out likelihood), and
`auto` with `gold_choice=True`: the model chosen among GOLD_CANDIDATES by agreement with
held-out gold instead (`choose_by_gold`).

Prints Markdown tables; not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from aggregate import CATEGORICAL, load  # noqa: E402
from aggregate_sim import REGIMES, simulate  # noqa: E402

from microwork.quality.aggregation.categorical import aggregate, encode_columns  # noqa: E402

SHARES = (0.0, 0.05, 0.10, 0.20)
METHODS = {
    "MV": ("majority_vote", {}),
    "1coinDS": ("one_coin_ds", {}),
    "DS": ("dawid_skene", {}),
    "MACE": ("mace", {}),
    "ds_mace (old default)": ("ds_mace", {}),
    "shrunk_ds_mace": ("shrunk_ds_mace", {}),
    "auto (default)": ("auto", {}),
    "auto gold_choice=True": ("auto", {"gold_choice": True}),
}


def run(workers, tasks, labels, known: dict, seeds: int) -> dict:
    """{method: {share: mean accuracy on the known tasks not given}}."""
    keys = sorted(known)
    out = {m: {} for m in METHODS}
    for share in SHARES:
        per_method = {m: [] for m in METHODS}
        for seed in range(seeds if share else 1):
            rng = np.random.default_rng(seed)
            given = set(rng.choice(len(keys), size=int(round(share * len(keys))), replace=False))
            gold = {keys[i]: known[keys[i]] for i in given}
            scored = [keys[i] for i in range(len(keys)) if i not in given]
            enc = encode_columns(workers, tasks, labels, gold)
            position = {task: i for i, task in enumerate(enc.tasks)}
            idx = np.array([position[t] for t in scored])
            right = np.array([known[t] for t in scored], dtype=object)
            for name, (method, options) in METHODS.items():
                result = aggregate(enc, method=method, **options)
                chosen = np.asarray(result.classes, dtype=object)[result.label_idx[idx]]
                per_method[name].append(float(np.mean(chosen == right)))
        for name in METHODS:
            out[name][share] = float(np.mean(per_method[name]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-sims", action="store_true")
    args = parser.parse_args()
    start = time.process_time()
    tables = {"real data sets": {}, "simulated regimes": {}}
    if args.datasets.is_dir():
        for name in CATEGORICAL:
            folder = args.datasets / name
            if not folder.exists():
                continue
            rows, gold = load(folder)
            workers, tasks, labels = (np.array(column) for column in zip(*rows, strict=True))
            answered = set(tasks.tolist())
            known = {t: g for t, g in gold.items() if t in answered}
            tables["real data sets"][name] = run(workers, tasks, labels, known, args.seeds)
            print(f"scored {name}", file=sys.stderr, flush=True)
    if not args.skip_sims:
        for regime in REGIMES:
            crowd = simulate(regime, seed=100)
            known = {int(t): int(label) for t, label in enumerate(crowd.truth)}
            tables["simulated regimes"][regime] = run(
                crowd.workers, crowd.tasks, crowd.labels, known, args.seeds
            )
            print(f"simulated {regime}", file=sys.stderr, flush=True)
    for title, table in tables.items():
        if not table:
            continue
        print(f"\n## Mean accuracy over the {len(table)} {title}, by share of gold given\n")
        print("| method | " + " | ".join(f"{s:.0%}" for s in SHARES) + " |")
        print("|---|" + "---:|" * len(SHARES))
        for name in METHODS:
            cells = [np.mean([table[n][name][s] for n in table]) for s in SHARES]
            print(f"| {name} | " + " | ".join(f"{c:.4f}" for c in cells) + " |")
        worst = {
            name: max(
                max(table[n][m][s] for m in METHODS) - table[n][name][s]
                for n in table
                for s in SHARES
            )
            for name in METHODS
        }
        print(
            "\nworst loss against the best method of a set and share: "
            + ", ".join(f"{name} {loss:.3f}" for name, loss in worst.items())
        )
    print(f"CPU {time.process_time() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
