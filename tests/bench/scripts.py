"""The bench/ harnesses as modules, for the tests that run them small. bench/ is a folder of
scripts, not a package, so each is loaded from its file, with bench/ on the import path as when
a script runs: a script imports what it shares with another by name (request_cpu: `load`)."""

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_script(name: str):
    """bench/<name>.py, loaded as the module bench_<name>."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
