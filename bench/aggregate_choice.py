"""Choose the model per batch from the batch's own answers, by held-out likelihood.

    nice -n 10 .venv/bin/python bench/aggregate_choice.py [--datasets DIR] [--seeds 4]

Scores the default, `auto`, against its candidates (issue #20; a per-batch choice is a fixed
procedure, so its accuracy on a set is its held-out accuracy). The rule, fixed before the
first run (2026-12-06), when `shrunk_ds_mace` was the default:

- Candidates: the default then (`shrunk_ds_mace`), its shrunk DS half alone (`dawid_skene`,
  `coin_prior=10`), plain Dawid-Skene and one-coin DS: the default, the model that wins on
  sparse crowds, the one that wins on dense class-biased ones, and the one #20's unseen sets
  favoured.
- The batch's answers are split into 5 folds by a seeded permutation (seed 0). Each candidate
  is fitted on four folds; each answer (w, t, l) of the fifth is scored
  log sum_k q_t(k) T_w(l | k): q_t is the candidate's posterior of task t from the training
  answers (a task with none: the candidate's mean posterior), T_w worker w's table under q,
  one model for every candidate (the shrunk DS table, 10 pseudo-answers towards the worker's
  one-coin matrix; a worker with no training answer gets the crowd's). So the candidates are
  compared on how well their truths explain answers they did not see.
- Another candidate replaces the default only when its per-answer gain over the default,
  paired over the held-out answers, is more than two standard errors; the chosen candidate
  is then fitted on all the answers.

The library's `auto` method (`categorical.auto_choice`) implements this rule, plus two cost
bounds added after the first run for docs/performance.md's CPU budget: a batch of more than
AUTO_MAX_ANSWERS (25,000) answers chooses on a seeded sample of whole tasks with that many
answers, and whole folds are scored only until AUTO_SCORED_ANSWERS (5,000) held-out answers
are. This bench calls it, so it measures the shipped code.

Scored on the ten shared sets (accuracy on gold tasks with answers, gold never given), the
eight regimes of bench/aggregate_sim.py and its CHECKS (mean of --seeds seeds). Prints
Markdown tables; not a test.
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

from aggregate_robust import real_sets  # noqa: E402
from aggregate_sim import CHECKS, REGIMES, simulate  # noqa: E402

from microwork.quality.aggregation import aggregate  # noqa: E402
from microwork.quality.aggregation.categorical import (  # noqa: E402
    AUTO_CANDIDATES,
    auto_choice,
    encode_columns,
)

CANDIDATES = {
    "shrunk_ds_mace": ("shrunk_ds_mace", {}),
    "DS coin10": ("dawid_skene", {"coin_prior": 10.0}),
    "DS": ("dawid_skene", {}),
    "1coinDS": ("one_coin_ds", {}),
}
NAMES = dict(zip(AUTO_CANDIDATES, CANDIDATES, strict=True))


def evaluate(enc, accuracy) -> dict[str, float]:
    row = {}
    for name, (method, options) in CANDIDATES.items():
        row[name] = accuracy(aggregate(enc, method=method, **options))
    start = time.process_time()
    chosen = NAMES[auto_choice(enc)]
    row["auto (default)"] = row[chosen]
    row["_pick"] = chosen
    row["_cpu"] = time.process_time() - start
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    rows = {}
    for name, enc, accuracy in real_sets(args.datasets):
        rows[name] = evaluate(enc, accuracy)
    for regime in [*REGIMES, *CHECKS]:
        runs = []
        for seed in range(args.seeds):
            crowd = simulate(regime, seed=seed)
            enc = encode_columns(crowd.workers, crowd.tasks, crowd.labels)
            truth = crowd.truth[np.asarray(enc.tasks)]

            def accuracy(result, truth=truth):
                return float(np.mean(np.asarray(result.classes)[result.label_idx] == truth))

            runs.append(evaluate(enc, accuracy))
        row = {c: float(np.mean([r[c] for r in runs])) for c in runs[0] if not c.startswith("_p")}
        row["_pick"] = ",".join(r["_pick"] for r in runs)
        rows[f"sim {regime}"] = row
        print(f"simulated {regime}", file=sys.stderr, flush=True)

    columns = [*CANDIDATES, "auto (default)"]
    print("| set | " + " | ".join(columns) + " | picks | choice CPU s |")
    print("|---|" + "---:|" * len(columns) + "---|---:|")
    for name, row in rows.items():
        cells = " | ".join(f"{row[c]:.3f}" for c in columns)
        print(f"| {name} | {cells} | {row['_pick']} | {row['_cpu']:.2f} |")
    for title, keys in (
        ("ten shared sets", [n for n in rows if not n.startswith("sim ")]),
        ("eight regimes", [f"sim {r}" for r in REGIMES]),
        ("checks", [f"sim {r}" for r in CHECKS]),
    ):
        if not keys:
            continue
        means = {c: np.mean([rows[n][c] for n in keys]) for c in columns}
        worst = {
            c: max(max(rows[n][x] for x in columns) - rows[n][c] for n in keys) for c in columns
        }
        print(
            f"| **{title}: mean (worst loss)** | "
            + " | ".join(f"{means[c]:.4f} ({worst[c]:.3f})" for c in columns)
            + " | | |"
        )


if __name__ == "__main__":
    main()
