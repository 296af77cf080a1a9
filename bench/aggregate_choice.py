"""Choose the model per batch from the batch's own answers, by held-out likelihood.

    nice -n 10 .venv/bin/python bench/aggregate_choice.py [--datasets DIR] [--seeds 4]

An experiment for issue #20 (a per-batch choice is a fixed procedure, so its accuracy on a
set is its held-out accuracy). The rule, fixed before the first run (2026-12-06):

- Candidates: the default (`shrunk_ds_mace`), its shrunk DS half alone (`dawid_skene`,
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

Scored on the ten shared sets (accuracy on gold tasks with answers, gold never given), the
eight regimes of bench/aggregate_sim.py and its CHECKS (mean of --seeds seeds). Prints
Markdown tables; not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from aggregate import CATEGORICAL, load  # noqa: E402
from aggregate_sim import CHECKS, REGIMES, simulate  # noqa: E402

from microwork.quality.aggregation import DEFAULT_METHOD, aggregate  # noqa: E402
from microwork.quality.aggregation.categorical import (  # noqa: E402
    EPS,
    _expected_counts,
    _one_coin_shape,
    encode_columns,
)

CANDIDATES = {
    "default": (DEFAULT_METHOD, {}),
    "DS coin10": ("dawid_skene", {"coin_prior": 10.0}),
    "DS": ("dawid_skene", {}),
    "1coinDS": ("one_coin_ds", {}),
}
FOLDS = 5
MARGIN_SE = 2.0


def held_out_scores(enc) -> dict[str, np.ndarray]:
    """{candidate: per-answer held-out log-likelihood}, answers in enc's order."""
    fold = np.random.default_rng(0).permutation(enc.n_answers) % FOLDS
    scores = {name: np.zeros(enc.n_answers) for name in CANDIDATES}
    for f in range(FOLDS):
        held = fold == f
        train = replace(
            enc,
            task_idx=enc.task_idx[~held],
            worker_idx=enc.worker_idx[~held],
            label_idx=enc.label_idx[~held],
        )
        answered = np.bincount(train.task_idx, minlength=enc.n_tasks) > 0
        for name, (method, options) in CANDIDATES.items():
            q = np.array(aggregate(train, method=method, **options).posteriors, dtype=float)
            q[~answered] = q[answered].mean(axis=0)
            counts = _expected_counts(train, q, None)  # (workers, answered, true)
            table = counts + 0.01 + 10.0 * _one_coin_shape(counts)
            table /= table.sum(axis=1, keepdims=True)
            t, w, lab = enc.task_idx[held], enc.worker_idx[held], enc.label_idx[held]
            p = (q[t] * table[w, lab, :]).sum(axis=1)
            scores[name][held] = np.log(np.maximum(p, EPS))
    return scores


def choose(enc) -> str:
    scores = held_out_scores(enc)
    base = scores["default"]
    best, best_gain = "default", 0.0
    for name, s in scores.items():
        d = s - base
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.inf
        gain = d.mean()
        if gain > MARGIN_SE * se and gain > best_gain:
            best, best_gain = name, gain
    return best


def evaluate(enc, accuracy) -> dict[str, float]:
    row = {}
    for name, (method, options) in CANDIDATES.items():
        row[name] = accuracy(aggregate(enc, method=method, **options))
    start = time.process_time()
    chosen = choose(enc)
    row["chosen"] = row[chosen]
    row["_pick"] = chosen
    row["_cpu"] = time.process_time() - start
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    rows = {}
    for name in CATEGORICAL:
        folder = args.datasets / name
        if not folder.exists():
            continue
        answers, gold = load(folder)
        workers, tasks, labels = (np.array(c) for c in zip(*answers, strict=True))
        enc = encode_columns(workers, tasks, labels)
        position = {task: i for i, task in enumerate(enc.tasks)}
        scored = [(position[t], g) for t, g in gold.items() if t in position]
        idx = np.array([i for i, _ in scored])
        right = np.array([g for _, g in scored])

        def accuracy(result, idx=idx, right=right):
            chosen = np.asarray(result.classes, dtype=object)[result.label_idx[idx]]
            return float(np.mean(chosen == right))

        rows[name.replace("zheng_", "")] = evaluate(enc, accuracy)
        print(f"scored {name}", file=sys.stderr, flush=True)
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

    columns = [*CANDIDATES, "chosen"]
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
