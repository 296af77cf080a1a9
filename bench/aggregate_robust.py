"""Choose the default aggregation for robustness: leave one data set out, plus simulated stress.

    nice -n 10 .venv/bin/python bench/aggregate_robust.py [--datasets DIR] [--seeds 2]

Candidates: every categorical method of ours, Dawid-Skene shrunk towards one-coin
(`dawid_skene(coin_prior=s)`) for a few prior strengths s, and ensembles (geometric mean of
posteriors) of the shrunk DS with MACE (learned class prior) and with one-coin DS.

Scored on:
- the ten categorical data sets of ../shared/datasets: accuracy on the gold tasks that have
  answers, gold never given to the methods;
- the stress regimes of bench/aggregate_sim.py (sparse workers, 30% spammers, adversarial and
  colluding workers, class imbalance, 20 classes, 2 to 10 answers a task, dense class-biased
  workers, a baseline), each the mean over --seeds seeds, accuracy against the generating truth.

Rule for the default (minimax regret, fixed before looking at any held-out set): the candidate
whose worst loss against the best candidate of each set is smallest; ties (within 0.1 point)
go to the higher mean accuracy. Leave one data set out: for each real set, the rule is applied
to the other nine real sets and all the simulated regimes, and its pick is scored on the set
held out. The rule never sees the held-out set's answers or gold.

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

from microwork.quality.aggregation import DEFAULT_METHOD, aggregate  # noqa: E402
from microwork.quality.aggregation.categorical import (  # noqa: E402
    encode_columns,
    ensemble,
)

# name -> (method, options); ensembles -> ("ensemble", [member names])
SINGLE = {
    "MV": ("majority_vote", {}),
    "Wawa": ("wawa", {}),
    "1coinDS": ("one_coin_ds", {}),
    "DS": ("dawid_skene", {}),
    "GLAD": ("glad", {}),
    "MACE": ("mace", {}),
    "MACE lp": ("mace", {"learn_prior": True}),
    "DS pool2": ("dawid_skene", {"pooling": 2.0}),
    "DS coin3": ("dawid_skene", {"coin_prior": 3.0}),
    "DS coin5": ("dawid_skene", {"coin_prior": 5.0}),
    "DS coin10": ("dawid_skene", {"coin_prior": 10.0}),
    "DS coin5 pool2": ("dawid_skene", {"coin_prior": 5.0, "pooling": 2.0}),
    "DS coin30": ("dawid_skene", {"coin_prior": 30.0}),
}
ENSEMBLES = {
    "ds_mace (old default)": ("ds_mace", {}),
    "DScoin3+MACElp": ["DS coin3", "MACE lp"],
    "DScoin5+MACElp": ["DS coin5", "MACE lp"],
    "DScoin5pool2+MACElp": ["DS coin5 pool2", "MACE lp"],
    "DScoin30+MACElp": ["DS coin30", "MACE lp"],
    "DScoin10+1coin": ["DS coin10", "1coinDS"],
    "DScoin10+MACElp+1coin": ["DS coin10", "MACE lp", "1coinDS"],
}
# The methods of ours as they ship (for "best single method").
SHIPPED = ["MV", "Wawa", "1coinDS", "DS", "GLAD", "MACE", "ds_mace (old default)"]
if DEFAULT_METHOD != "ds_mace":
    ENSEMBLES[f"{DEFAULT_METHOD} (default)"] = (DEFAULT_METHOD, {})
    SHIPPED.append(f"{DEFAULT_METHOD} (default)")


def score_all(enc, truth_of) -> dict[str, float]:
    """{candidate: accuracy}; `truth_of(result)` -> (chosen labels, true labels) arrays."""
    results = {}
    for name, (method, options) in SINGLE.items():
        results[name] = aggregate(enc, method=method, **options)
    for name, spec in ENSEMBLES.items():
        if isinstance(spec, tuple):
            results[name] = aggregate(enc, method=spec[0], **spec[1])
        else:
            results[name] = ensemble(enc, [results[m].posteriors for m in spec], name)
    return {name: truth_of(result) for name, result in results.items()}


def real_scores(root: Path) -> dict[str, dict[str, float]]:
    table = {}
    for name in CATEGORICAL:
        folder = root / name
        if not folder.exists():
            continue
        rows, gold = load(folder)
        workers, tasks, labels = (np.array(column) for column in zip(*rows, strict=True))
        enc = encode_columns(workers, tasks, labels)
        position = {task: i for i, task in enumerate(enc.tasks)}
        scored = [(position[t], g) for t, g in gold.items() if t in position]
        idx = np.array([i for i, _ in scored])
        right = np.array([g for _, g in scored])

        def accuracy(result, idx=idx, right=right):
            chosen = np.asarray(result.classes, dtype=object)[result.label_idx[idx]]
            return float(np.mean(chosen == right))

        table[name.replace("zheng_", "")] = score_all(enc, accuracy)
        print(f"scored {name}", file=sys.stderr, flush=True)
    return table


def simulated_scores(seeds: int) -> dict[str, dict[str, float]]:
    table = {}
    for regime in REGIMES:
        runs = []
        for seed in range(seeds):
            crowd = simulate(regime, seed=seed)
            enc = encode_columns(crowd.workers, crowd.tasks, crowd.labels)
            truth = crowd.truth[np.asarray(enc.tasks)]

            def accuracy(result, truth=truth):
                chosen = np.asarray(result.classes)[result.label_idx]
                return float(np.mean(chosen == truth))

            runs.append(score_all(enc, accuracy))
        table[f"sim {regime}"] = {c: float(np.mean([r[c] for r in runs])) for c in runs[0]}
        print(f"simulated {regime}", file=sys.stderr, flush=True)
    return table


def losses(table: dict, columns: list[str]) -> dict[str, float]:
    return {
        c: max(max(row[x] for x in columns) - row[c] for row in table.values()) for c in columns
    }


def pick(table: dict, columns: list[str]) -> str:
    """Minimax regret: smallest worst loss (to 0.1 point), then best mean accuracy."""
    worst = losses(table, columns)
    return min(
        columns,
        key=lambda c: (round(worst[c], 3), -np.mean([r[c] for r in table.values()])),
    )


def pick_by_rank(table: dict, columns: list[str]) -> str:
    """Best mean rank (1 = best on a set, ties share), then best mean accuracy."""
    ranks = dict.fromkeys(columns, 0.0)
    for row in table.values():
        for c in columns:
            better = sum(1 for o in columns if row[o] > row[c] + 1e-12)
            equal = sum(1 for o in columns if abs(row[o] - row[c]) <= 1e-12)
            ranks[c] += 1 + better + (equal - 1) / 2
    return min(columns, key=lambda c: (ranks[c], -np.mean([r[c] for r in table.values()])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--dump", type=Path, help="also write the score tables as JSON here")
    args = parser.parse_args()
    start = time.process_time()
    real = real_scores(args.datasets) if args.datasets.is_dir() else {}
    sims = simulated_scores(args.seeds)
    columns = list(next(iter(sims.values())))
    if args.dump:
        import json

        args.dump.write_text(json.dumps({"real": real, "sims": sims}))

    def print_table(title, table):
        names = list(table)
        print(f"\n## {title}\n")
        print("| candidate | " + " | ".join(names) + " | mean | worst loss |")
        print("|---|" + "---:|" * (len(names) + 2))
        worst = losses(table, columns)
        for c in sorted(columns, key=lambda c: -np.mean([table[n][c] for n in names])):
            cells = [f"{table[n][c]:.3f}" for n in names]
            mean = np.mean([table[n][c] for n in names])
            print(f"| {c} | " + " | ".join(cells) + f" | {mean:.4f} | {worst[c]:.3f} |")

    if real:
        print_table("Real data sets (accuracy on gold tasks with answers)", real)
    print_table(f"Simulated stress regimes (mean of {args.seeds} seeds)", sims)

    if real:
        print("\n## Leave one data set out (rule applied to the other sets and the simulations)\n")
        print(
            "| held out | minimax pick | its accuracy | rank pick | its accuracy | best there | best accuracy |"
        )
        print("|---|---|---:|---|---:|---|---:|")
        held = {"minimax regret": [], "best mean rank": []}
        lost = {"minimax regret": [], "best mean rank": []}
        for out in real:
            rest = {n: row for n, row in real.items() if n != out} | sims
            best = max(columns, key=lambda c: real[out][c])
            cells = []
            for rule, chooser in (("minimax regret", pick), ("best mean rank", pick_by_rank)):
                chosen = chooser(rest, columns)
                held[rule].append(real[out][chosen])
                lost[rule].append(real[out][best] - real[out][chosen])
                cells += [chosen, f"{real[out][chosen]:.3f}"]
            print(f"| {out} | " + " | ".join(cells) + f" | {best} | {real[out][best]:.3f} |")
        print("\n| rule | held-out mean accuracy | worst held-out loss |")
        print("|---|---:|---:|")
        for rule in held:
            print(f"| {rule} | {np.mean(held[rule]):.4f} | {max(lost[rule]):.3f} |")
        singles = {c: np.mean([real[n][c] for n in real]) for c in SHIPPED}
        best_single = max(singles, key=singles.get)
        print(f"best shipped method on all real sets: {best_single} {singles[best_single]:.4f}")
    everything = real | sims
    print(f"\nminimax pick on every set: {pick(everything, columns)}")
    print(f"rank pick on every set: {pick_by_rank(everything, columns)}")
    print(f"CPU {time.process_time() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
