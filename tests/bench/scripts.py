"""The bench/ harnesses as modules, for the tests that run them small. bench/ is a folder of
scripts, not a package, so each is loaded from its file."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_script(name: str):
    """bench/<name>.py, loaded as the module bench_<name>."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
