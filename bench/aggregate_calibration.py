"""Calibrated confidence and dynamic overlap: ECE before and after, answers saved.

    nice -n 10 .venv/bin/python bench/aggregate_calibration.py [--datasets DIR]

1. The default temperature: fitted (minimum negative log-likelihood) on the default method's
   posteriors of the simulated regimes of bench/aggregate_sim.py, seeds 0-2, no gold.
2. Expected calibration error (10 bins) of the default's confidence, before (T = 1) and after
   (the default temperature; and, with 10% of the known answers given as gold, the
   temperature fitted on that gold, `gold_temperature`), on simulated regimes with seeds 10-11
   (not those the temperature was fitted on) and on the real data sets (gold tasks with
   answers; with gold, scored on the known tasks not given).
3. Dynamic overlap on simulated crowds (baseline, 30% spammers, sparse workers; 7 answers
   drawn per task, used in order): fixed overlap 1 to 7, the raw-agreement rule of ADR 0012
   (minimum 3, maximum 7, stop at an 80% share) and the calibrated rule (minimum 2, maximum 7,
   stop when the one-coin posterior `one_coin_confidence` reaches the target), each worker's
   accuracy estimated from a record of 10 gold answers as dynamic overlap does
   (quality/overlap.py: (right + 5 x 0.7) / (answered + 5)). Labels are then aggregated with
   the default on the answers used. Prints answers per task, accuracy, and the answers saved
   against the fixed overlap that reaches the same accuracy (interpolated).

Prints Markdown tables; not a test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from aggregate import CATEGORICAL, load  # noqa: E402
from aggregate_sim import REGIMES, simulate  # noqa: E402

from microwork.quality.aggregation.calibration import (  # noqa: E402
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
    gold_temperature,
    one_coin_confidence,
)
from microwork.quality.aggregation.categorical import aggregate, encode_columns  # noqa: E402

GOLD_RECORD, PRIOR_ACCURACY, PRIOR_STRENGTH = 10, 0.7, 5.0


def chosen_confidence(result, temperature: float = 1.0):
    post = apply_temperature(result.posteriors, temperature)
    return post[np.arange(len(result.tasks)), result.label_idx]


def sim_enc(regime, seed, gold_share=0.0):
    crowd = simulate(regime, seed=seed)
    truth = crowd.truth
    gold = {}
    if gold_share:
        rng = np.random.default_rng(seed + 1000)
        picked = rng.choice(len(truth), size=int(gold_share * len(truth)), replace=False)
        gold = {int(t): int(truth[t]) for t in picked}
    enc = encode_columns(crowd.workers, crowd.tasks, crowd.labels, gold)
    return enc, truth[np.asarray(enc.tasks)], gold


def part_calibration(datasets: Path) -> None:
    rows, truths = [], []
    for regime in REGIMES:
        for seed in range(3):
            enc, truth, _ = sim_enc(regime, seed)
            result = aggregate(enc)
            class_of = {c: i for i, c in enumerate(result.classes)}
            rows.append(result.posteriors)
            truths.append(np.array([class_of[t] for t in truth]))
    t0 = fit_temperature(rows, truths)
    print(f"## Default temperature fitted on the simulations: {t0:.3f}\n")

    print(
        "| set | ECE, T = 1 | ECE, T default | ECE with 10% gold, T = 1 | ECE, T fitted on that gold | T fitted |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    lines = {}

    def measure(name, enc_plain, truth_plain, enc_gold, truth_gold, scored_gold):
        plain = aggregate(enc_plain)
        classes = np.asarray(plain.classes, dtype=object)
        right = classes[plain.label_idx] == truth_plain
        before = expected_calibration_error(
            chosen_confidence(plain)[scored_plain], right[scored_plain]
        )
        after = expected_calibration_error(
            chosen_confidence(plain, t0)[scored_plain], right[scored_plain]
        )
        with_gold = aggregate(enc_gold)
        t_gold = gold_temperature(enc_gold)
        classes = np.asarray(with_gold.classes, dtype=object)
        right_g = (classes[with_gold.label_idx] == truth_gold)[scored_gold]
        g_before = expected_calibration_error(chosen_confidence(with_gold)[scored_gold], right_g)
        g_after = expected_calibration_error(
            chosen_confidence(with_gold, t_gold)[scored_gold], right_g
        )
        lines[name] = (before, after, g_before, g_after)
        print(
            f"| {name} | {before:.3f} | {after:.3f} | {g_before:.3f} | {g_after:.3f} | {t_gold:.2f} |"
        )

    for regime in REGIMES:
        for seed in (10, 11):
            enc, truth, _ = sim_enc(regime, seed)
            scored_plain = np.ones(len(truth), dtype=bool)
            enc_g, truth_g, gold = sim_enc(regime, seed, 0.10)
            given = np.array([t in gold for t in enc_g.tasks])
            measure(
                f"sim {regime} seed {seed}",
                enc,
                truth.astype(object),
                enc_g,
                truth_g.astype(object),
                ~given,
            )
    if datasets.is_dir():
        for name in CATEGORICAL:
            folder = datasets / name
            if not folder.exists():
                continue
            answer_rows, known = load(folder)
            workers, tasks, labels = (np.array(c) for c in zip(*answer_rows, strict=True))
            enc = encode_columns(workers, tasks, labels)
            truth = np.array([known.get(t) for t in enc.tasks], dtype=object)
            scored_plain = truth != None  # noqa: E711
            keys = sorted(t for t in enc.tasks if t in known)
            rng = np.random.default_rng(0)
            picked = rng.choice(len(keys), size=int(0.10 * len(keys)), replace=False)
            gold = {keys[i]: known[keys[i]] for i in picked}
            enc_g = encode_columns(workers, tasks, labels, gold)
            truth_g = np.array([known.get(t) for t in enc_g.tasks], dtype=object)
            scored_g = (truth_g != None) & np.array([t not in gold for t in enc_g.tasks])  # noqa: E711
            measure(name.replace("zheng_", ""), enc, truth, enc_g, truth_g, scored_g)
    means = np.array(list(lines.values()))
    sims = np.array([v for k, v in lines.items() if k.startswith("sim")])
    real = np.array([v for k, v in lines.items() if not k.startswith("sim")])
    for title, block in (("simulations", sims), ("real sets", real), ("all", means)):
        if len(block):
            m = block.mean(axis=0)
            print(f"| **mean, {title}** | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.3f} | |")


def part_overlap() -> None:
    print("\n## Dynamic overlap on simulated crowds (7 answers drawn a task, used in order)\n")
    for regime in ("baseline", "spammers30", "sparse"):
        crowd = simulate(regime, seed=20, overlap=(7, 7))
        rng = np.random.default_rng(21)
        # Each worker's gold record: GOLD_RECORD answers right with their true accuracy, as
        # measured on their answers here against the truth (the simulator's hidden skill).
        right_share = np.bincount(
            crowd.workers,
            weights=crowd.labels == crowd.truth[crowd.tasks],
            minlength=len(crowd.kind),
        ) / np.maximum(np.bincount(crowd.workers, minlength=len(crowd.kind)), 1)
        record = rng.binomial(GOLD_RECORD, np.clip(right_share, 0, 1))
        estimate = (record + PRIOR_STRENGTH * PRIOR_ACCURACY) / (GOLD_RECORD + PRIOR_STRENGTH)
        k = int(crowd.labels.max()) + 1
        per_task = [[] for _ in range(len(crowd.truth))]
        for w, t, label in zip(
            crowd.workers.tolist(), crowd.tasks.tolist(), crowd.labels.tolist(), strict=True
        ):
            per_task[t].append((w, label))

        def outcome(used, per_task=per_task, crowd=crowd):
            ws, ts, ls = [], [], []
            for t, answers in enumerate(per_task):
                for w, label in answers[: used[t]]:
                    ws.append(w)
                    ts.append(t)
                    ls.append(label)
            result = aggregate(encode_columns(np.array(ws), np.array(ts), np.array(ls)))
            chosen = np.asarray(result.classes)[result.label_idx]
            acc = float(np.mean(chosen == crowd.truth[np.asarray(result.tasks)]))
            return float(np.mean(used)), acc

        fixed = {n: outcome([n] * len(per_task)) for n in range(1, 8)}

        def agreement_rule(answers):
            for n in range(3, 8):
                labels = [label for _, label in answers[:n]]
                top = max(labels.count(x) for x in set(labels))
                if top * 100 >= 80 * n:
                    return n
            return 7

        def calibrated_rule(target, estimate=estimate, k=k):
            def stop(answers):
                for n in range(2, 8):
                    labels = [label for _, label in answers[:n]]
                    accs = [estimate[w] for w, _ in answers[:n]]
                    if one_coin_confidence(labels, accs, k)[1] >= target:
                        return n
                return 7

            return stop

        policies = {"raw agreement 80% (3-7)": agreement_rule}
        for target in (0.90, 0.95, 0.99):
            policies[f"calibrated >= {target:.2f} (2-7)"] = calibrated_rule(target)
        print(f"\n### {regime}\n")
        print("| policy | answers a task | accuracy | answers saved a task at equal accuracy |")
        print("|---|---:|---:|---:|")
        for n, (used, acc) in fixed.items():
            print(f"| fixed {n} | {used:.2f} | {acc:.4f} | |")
        xs = np.array([fixed[n][1] for n in range(1, 8)])
        ys = np.array([fixed[n][0] for n in range(1, 8)])
        for name, rule in policies.items():
            used, acc = outcome([rule(a) for a in per_task])
            order = np.argsort(xs)
            needed = float(np.interp(acc, xs[order], ys[order]))
            print(f"| {name} | {used:.2f} | {acc:.4f} | {needed - used:+.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--skip-calibration", action="store_true")
    args = parser.parse_args()
    if not args.skip_calibration:
        part_calibration(args.datasets)
    part_overlap()


if __name__ == "__main__":
    main()
