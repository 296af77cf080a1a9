"""Where our MACE and crowd-kit's part: each of crowd-kit's choices added to ours, on the real sets.

    .venv/bin/python bench/mace_crowdkit.py [--datasets DIR] [--crowdkit]

Accuracy on the gold tasks that have answers of our MACE with its defaults, then with each
piece of crowd-kit 1.4.2's MACE added (Beta(0.5, 0.5) on knowing, Dirichlet(10) on the spam
strategy, a variational-Bayes M-step, its start, 50 iterations), and with a learned class prior
(the MACE half of ds_mace). --crowdkit also runs crowd-kit's MACE as shipped and with
pd.factorize(sort=True), which makes the codes it indexes its strategy table with match that
table's sorted order (about 5 minutes on 2 shared cores). Prints figures; not a test.
"""

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from aggregate import CATEGORICAL  # noqa: E402

from microwork.quality.aggregation import aggregate, encode_columns  # noqa: E402

CROWDKIT_PRIORS = {"theta_prior": (0.5, 0.5), "strategy_prior": 10.0}
CONFIGS = {
    "ours (defaults: EM, 0.01 smoothing, from the majority vote)": {},
    "+ Dirichlet(10) on the strategy": {"strategy_prior": 10.0},
    "+ Beta(0.5, 0.5) on knowing": {"theta_prior": (0.5, 0.5)},
    "+ both priors": CROWDKIT_PRIORS,
    "+ both priors, variational Bayes": {**CROWDKIT_PRIORS, "variational": True},
    "+ crowd-kit's start only": {"start": "soft"},
    "all of crowd-kit's choices, 50 iterations": {
        **CROWDKIT_PRIORS,
        "variational": True,
        "start": "soft",
        "max_iter": 50,
        "tol": 0.0,
    },
    "ours with a learned class prior (ds_mace's half)": {"learn_prior": True},
}


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def crowdkit_mace(frame, *, sort: bool):
    """crowd-kit's MACE labels, with its pd.factorize calls sorting when `sort`."""
    import pandas as pd
    from crowdkit.aggregation import MACE
    from crowdkit.aggregation.classification import mace as module

    class SortedFactorize:
        def __getattr__(self, name):
            return getattr(pd, name)

        @staticmethod
        def factorize(values, *args, **kwargs):
            return pd.factorize(values, sort=True)

    module.pd = SortedFactorize() if sort else pd
    try:
        return MACE().fit_predict(frame)
    finally:
        module.pd = pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--crowdkit", action="store_true", help="also run crowd-kit's MACE")
    args = parser.parse_args()
    if not args.datasets.is_dir():
        print(f"No data sets at {args.datasets} (pass --datasets DIR).")
        return
    warnings.filterwarnings("ignore")  # crowd-kit on pandas 3
    names = [n for n in CATEGORICAL if (args.datasets / n).exists()]
    table: dict[str, dict[str, float]] = {}
    for name in names:
        rows = read(args.datasets / name / "answers.csv")
        gold = dict(read(args.datasets / name / "gold.csv"))
        workers, tasks, labels = (np.array(column) for column in zip(*rows, strict=True))
        enc = encode_columns(workers, tasks, labels)
        runs = {}
        for config, options in CONFIGS.items():
            result = aggregate(enc, method="mace", **options)
            runs[config] = dict(
                zip(
                    result.tasks, np.asarray(result.classes)[result.label_idx].tolist(), strict=True
                )
            )
        if args.crowdkit:
            import pandas as pd

            frame = pd.DataFrame({"worker": workers, "task": tasks, "label": labels})
            for config, sort in (
                ("crowd-kit as shipped", False),
                ("crowd-kit, codes sorted", True),
            ):
                start = time.process_time()
                found = crowdkit_mace(frame, sort=sort)
                print(f"{name}: {config} {time.process_time() - start:.0f} s", file=sys.stderr)
                runs[config] = {task: str(label) for task, label in found.items()}
        for config, chosen in runs.items():
            scored = [task for task in gold if task in chosen]
            table.setdefault(config, {})[name] = float(
                np.mean([chosen[task] == gold[task] for task in scored])
            )
    short = [n.replace("zheng_", "") for n in names]
    print("| MACE | " + " | ".join(short) + " | mean |")
    print("|---|" + "---:|" * (len(names) + 1))
    for config, by_set in table.items():
        cells = " | ".join(f"{by_set[n]:.3f}" for n in names)
        print(f"| {config} | {cells} | {np.mean(list(by_set.values())):.4f} |")


if __name__ == "__main__":
    main()
