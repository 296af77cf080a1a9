"""Choose the default aggregation for robustness: leave one data set out, plus simulated stress.

    nice -n 10 .venv/bin/python bench/aggregate_robust.py [--datasets DIR] [--seeds 8] [--variants]

Candidates (fixed 2026-12-06, before the run whose figures docs/quality-aggregation.md
gives): model families, each with its parameters set in advance, never tuned on these sets:
every categorical method of ours as it ships; the two halves of the ensembles (MACE with a
learned class prior; DS with pooling=2; DS shrunk towards one-coin, `coin_prior=10`, the
strength one-coin DS uses for its accuracy prior); MACE with a learned prior and its
competence and spam strategy pooled towards the crowd's with the same 10 pseudo-answers
(`know_pooling=10, strategy_pooling=10`); and ensembles (geometric mean of posteriors) of the
shrunk DS with each MACE and with one-coin DS. Other strengths (3, 5, 30) are sensitivity
checks, shown with --variants and never candidates: near-identical variants split the rule's
choice between folds, so the procedure's held-out pick drifts among them by noise.

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
held out. The rule never sees the held-out set's answers or gold. The default is the rule's
pick on every set together; the table reports it, fixed, beside the procedure's held-out picks.

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
from aggregate_sim import CHECKS, REGIMES, simulate  # noqa: E402

from microwork.quality.aggregation import aggregate  # noqa: E402
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
    "MACE lp pool10": (
        "mace",
        {"learn_prior": True, "know_pooling": 10.0, "strategy_pooling": 10.0},
    ),
    "DS pool2": ("dawid_skene", {"pooling": 2.0}),
    "DS coin10": ("dawid_skene", {"coin_prior": 10.0}),
}
ENSEMBLES = {
    "ds_mace (old default)": ("ds_mace", {}),
    "DScoin10+MACElp pool10": ["DS coin10", "MACE lp pool10"],
    "DScoin10+1coin": ["DS coin10", "1coinDS"],
    "DScoin10+MACElp+1coin": ["DS coin10", "MACE lp", "1coinDS"],
}
# Sensitivity checks (--variants): other strengths of the same ideas, never candidates.
VARIANT_SINGLE = {
    "DS coin3": ("dawid_skene", {"coin_prior": 3.0}),
    "DS coin5": ("dawid_skene", {"coin_prior": 5.0}),
    "DS coin5 pool2": ("dawid_skene", {"coin_prior": 5.0, "pooling": 2.0}),
    "DS coin30": ("dawid_skene", {"coin_prior": 30.0}),
}
VARIANT_ENSEMBLES = {
    "DScoin3+MACElp": ["DS coin3", "MACE lp"],
    "DScoin5+MACElp": ["DS coin5", "MACE lp"],
    "DScoin5pool2+MACElp": ["DS coin5 pool2", "MACE lp"],
    "DScoin30+MACElp": ["DS coin30", "MACE lp"],
}
# The single methods of ours as they ship (for "best single method", #20's yardstick).
SHIPPED = ["MV", "Wawa", "1coinDS", "DS", "GLAD", "MACE"]
# The fixed ensemble this rule chose; the default, `auto`, picks per batch with it as its
# first candidate and is scored by bench/aggregate_choice.py, not here.
ENSEMBLES["shrunk_ds_mace"] = ("shrunk_ds_mace", {})


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


def real_sets(root: Path):
    """Yield (short name, encoded answers, accuracy(result) on its gold tasks with answers)
    for each categorical shared set under `root`."""
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

        yield name.replace("zheng_", ""), enc, accuracy
        print(f"scored {name}", file=sys.stderr, flush=True)


def real_scores(root: Path) -> dict[str, dict[str, float]]:
    return {name: score_all(enc, accuracy) for name, enc, accuracy in real_sets(root)}


def simulated_scores(seeds: int, regimes=REGIMES) -> dict[str, dict[str, float]]:
    table = {}
    for regime in regimes:
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
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--variants", action="store_true", help="also score other strengths")
    parser.add_argument("--dump", type=Path, help="also write the score tables as JSON here")
    parser.add_argument("--load", type=Path, help="read the score tables from a --dump file")
    parser.add_argument(
        "--checks", action="store_true", help="also score aggregate_sim.CHECKS (not in the rule)"
    )
    args = parser.parse_args()
    if args.variants:
        SINGLE.update(VARIANT_SINGLE)
        ENSEMBLES.update(VARIANT_ENSEMBLES)
    start = time.process_time()
    if args.load:
        import json

        loaded = json.loads(args.load.read_text())
        real, sims = loaded["real"], loaded["sims"]
    else:
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

    everything = real | sims
    chosen_default = pick(everything, columns)
    if real:
        default = "shrunk_ds_mace"
        singles = {c: np.mean([real[n][c] for n in real]) for c in SHIPPED if c in columns}
        best_single = max(singles, key=singles.get)
        print("\n## Leave one data set out (rule applied to the other sets and the simulations)\n")
        print(
            f"| held out | best there | best accuracy | {default}, fixed | loss "
            "| minimax pick | its accuracy | loss | rank pick | its accuracy | loss |"
        )
        print("|---|---|---:|---:|---:|---|---:|---:|---|---:|---:|")
        held = {"minimax regret": [], "best mean rank": []}
        lost = {"minimax regret": [], "best mean rank": []}
        picks = {"minimax regret": [], "best mean rank": []}
        for out in real:
            rest = {n: row for n, row in real.items() if n != out} | sims
            best = max(columns, key=lambda c: real[out][c])
            top = real[out][best]
            cells = [f"{real[out][default]:.3f}", f"{top - real[out][default]:.3f}"]
            for rule, chooser in (("minimax regret", pick), ("best mean rank", pick_by_rank)):
                chosen = chooser(rest, columns)
                held[rule].append(real[out][chosen])
                lost[rule].append(top - real[out][chosen])
                picks[rule].append(chosen)
                cells += [chosen, f"{real[out][chosen]:.3f}", f"{top - real[out][chosen]:.3f}"]
            print(f"| {out} | {best} | {top:.3f} | " + " | ".join(cells) + " |")
        print("\n| on the ten shared sets | mean accuracy | worst loss against the best per set |")
        print("|---|---:|---:|")
        worst_all = losses(real, columns)
        print(
            f"| {default}, fixed | {np.mean([real[n][default] for n in real]):.4f} | "
            f"{worst_all[default]:.3f} |"
        )
        for rule in held:
            same = sum(p == default for p in picks[rule])
            print(
                f"| the {rule} rule's pick in each fold, held out ({same} of {len(real)} folds "
                f"pick {default}) | {np.mean(held[rule]):.4f} | {max(lost[rule]):.3f} |"
            )
        print(
            f"| best shipped single method: {best_single} | {singles[best_single]:.4f} | "
            f"{worst_all[best_single]:.3f} |"
        )
    if args.checks:
        checks = simulated_scores(args.seeds, CHECKS)
        print_table(f"Checks, not used by the rule (mean of {args.seeds} seeds)", checks)
    print(f"\nminimax pick on every set: {chosen_default}")
    print(f"rank pick on every set: {pick_by_rank(everything, columns)}")
    print(f"CPU {time.process_time() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
