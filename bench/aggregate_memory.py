"""Peak memory of `microwork aggregate` against the size of the answers file.

    .venv/bin/python bench/aggregate_memory.py [--answers 1000000] [--methods ds_mace,majority_vote]
        [--keep FILE]

Writes a `worker,task,label` file of --answers generated answers (bench/aggregate.py's
generator: 5 classes, overlap 5, so 200,000 tasks and 5,000 workers at 1M answers; ids written
as "w123", "t456", labels as class names "class-0".."class-4", about 27 bytes a line), then runs
`microwork aggregate FILE --method M --out /dev/null` once per method in a child process and
prints the child's peak resident memory (ru_maxrss from wait4) and its CPU seconds, beside the
peak of the same command on a 1,000-answer file (the interpreter, Django and NumPy loaded: the
baseline). Memory bounded by tasks and workers, not the file, shows as a small difference
between the two peaks per answer. Prints figures; not a test.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from aggregate import synthetic  # noqa: E402

MICROWORK = HERE.parent / ".venv" / "bin" / "microwork"


def write_answers(path: Path, n_answers: int, seed: int = 0) -> None:
    workers, tasks, labels, _truth = synthetic(n_answers, seed=seed)
    order = np.arange(len(workers))
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("worker,task,label\n")
        for start in range(0, len(order), 100_000):
            part = order[start : start + 100_000]
            handle.writelines(
                f"w{w},t{t},class-{label}\n"
                for w, t, label in zip(
                    workers[part].tolist(), tasks[part].tolist(), labels[part].tolist(), strict=True
                )
            )


def peak(path: Path, method: str) -> tuple[float, float, str]:
    """(peak RSS MiB, CPU seconds, the command's summary line) of one child process."""
    process = subprocess.Popen(
        [str(MICROWORK), "aggregate", str(path), "--method", method, "--out", os.devnull],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max over all of them).
    _pid, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read() + process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{method} on {path} failed ({process.returncode}):\n{out}")
    summary = next((line for line in out.splitlines() if line.startswith(method)), "")
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--methods", default="ds_mace,majority_vote")
    parser.add_argument("--keep", type=Path, help="write the large file here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.csv"
        large = args.keep or Path(tmp) / "large.csv"
        write_answers(small, 1000)
        if not large.exists():
            write_answers(large, args.answers)
        size = large.stat().st_size
        print(f"answers file: {args.answers:,} answers, {size / 2**20:.1f} MiB ({large.name})")
        print(
            "| method | answers | peak RSS MiB | over the 1,000-answer run | per answer | CPU s |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for method in args.methods.split(","):
            base, _, _ = peak(small, method)
            top, cpu, summary = peak(large, method)
            extra = top - base
            print(
                f"| {method} | {args.answers:,} | {top:.1f} | {extra:.1f} | "
                f"{extra * 2**20 / args.answers:.0f} B | {cpu:.2f} |"
            )
            print(f"  ({summary}; 1,000 answers: {base:.1f} MiB)")


if __name__ == "__main__":
    main()
