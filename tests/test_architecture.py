"""docs/architecture.md says what the code does: the same layers as the import contract
(.importlinter, which `make test` checks with lint-imports), every package in one layer, and the
same events, subscribers and hooks as the apps wire at start-up."""

import configparser
import importlib
import pkgutil
import re
from pathlib import Path

import microwork
from microwork.common.events import Event, Hook

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "architecture.md").read_text()


def _block(name: str) -> str:
    match = re.search(rf"<!-- {name}: begin -->(.*?)<!-- {name}: end -->", PAGE, re.S)
    assert match, f"docs/architecture.md has no '{name}' block"
    return match.group(1)


def _layers(lines) -> list[set[str]]:
    return [
        {name.strip() for name in line.split("|")}
        for line in (line.strip() for line in lines)
        if line and not line.startswith("```")
    ]


def _contract_layers() -> list[set[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return _layers(config["importlinter:contract:layers"]["layers"].splitlines())


def test_the_page_lists_the_layers_of_the_import_contract():
    assert _layers(_block("layers").splitlines()) == _contract_layers()


def test_every_package_and_module_of_microwork_is_in_one_layer():
    placed = [name for layer in _contract_layers() for name in layer]
    assert len(placed) == len(set(placed))
    present = {
        f"microwork.{module.name}"
        for module in pkgutil.iter_modules(microwork.__path__)
        if module.name != "__main__"
    }
    assert present == set(placed)


def _rows(block: str) -> dict[str, list[str]]:
    rows = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        rows[cells[0].strip("`")] = re.findall(r"`([^`]+)`", cells[-1])
    return rows


def _declared(kind: type) -> dict[str, object]:
    found = {}
    for app in ("accounts", "projects", "work", "payments", "quality", "fairness"):
        try:
            module = importlib.import_module(f"microwork.{app}.events")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, kind):
                found[f"{app}.events.{name}"] = value
    return found


def _name(function) -> str:
    return f"{function.__module__.removeprefix('microwork.')}.{function.__qualname__}"


def test_the_page_lists_every_event_with_its_subscribers_in_order():
    wired = {
        name: [_name(subscriber) for subscriber in event.subscribers]
        for name, event in _declared(Event).items()
    }
    assert _rows(_block("events")) == wired


def test_the_page_lists_every_hook_with_its_provider():
    hooks = _declared(Hook)
    assert all(hook.is_provided for hook in hooks.values()), "a hook nobody provides"
    wired = {name: [_name(hook.call)] for name, hook in hooks.items()}
    assert _rows(_block("hooks")) == wired
