"""Confidence of tasks with a single answer against tasks with five, on generated answers.

    .venv/bin/python bench/aggregate_lone.py

20,000 tasks of 5 classes: half answered by 5 workers, half by 1, from 500 workers of varied
reliability (bench/aggregate.py's crowd: accuracy Beta(4, 1.5), 15% answer at random, 5%
always give one label). Per method, for the lone and the shared tasks: accuracy against the
generating truth, mean confidence, and the expected calibration error (10 equal-width bins:
the share-weighted mean gap between confidence and accuracy). Prints figures; not a test.
To compare with another version, run it with PYTHONPATH=<that version's src>.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent.parent / "src"))

from microwork.quality.aggregation import METHODS, aggregate, encode_columns  # noqa: E402


def calibration_error(confidence: np.ndarray, right: np.ndarray) -> float:
    bins = np.minimum((confidence * 10).astype(int), 9)
    error = 0.0
    for b in range(10):
        chosen = bins == b
        if chosen.any():
            error += chosen.mean() * abs(confidence[chosen].mean() - right[chosen].mean())
    return error


def main() -> None:
    rng = np.random.default_rng(7)
    k, n_tasks, n_workers = 5, 20_000, 500
    truth = rng.integers(0, k, n_tasks)
    accuracy = rng.beta(4, 1.5, n_workers)
    kind = rng.choice(3, n_workers, p=[0.8, 0.15, 0.05])
    favourite = rng.integers(0, k, n_workers)
    per_task = np.where(np.arange(n_tasks) < n_tasks // 2, 5, 1)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = rng.integers(0, n_workers, task.size)
    wrong = (truth[task] + rng.integers(1, k, task.size)) % k
    label = np.where(rng.random(task.size) < accuracy[worker], truth[task], wrong)
    label = np.where(kind[worker] == 1, rng.integers(0, k, task.size), label)
    label = np.where(kind[worker] == 2, favourite[worker], label)
    enc = encode_columns(worker, task, label)
    tasks = np.asarray(enc.tasks)
    lone = tasks >= n_tasks // 2
    print(
        "| method | lone: accuracy | mean confidence | ECE | five answers: accuracy | mean confidence | ECE |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for method in METHODS:
        result = aggregate(enc, method=method)
        confidence = result.posteriors[np.arange(len(tasks)), result.label_idx]
        right = np.asarray(result.classes)[result.label_idx] == truth[tasks]
        cells = []
        for part in (lone, ~lone):
            cells += [
                f"{right[part].mean():.3f}",
                f"{confidence[part].mean():.3f}",
                f"{calibration_error(confidence[part], right[part]):.3f}",
            ]
        print(f"| {method} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
