"""Where `mw login` keeps the server's URL and the token: a JSON file readable by its owner only.

The file is `$XDG_CONFIG_HOME/microwork/config.json` (`~/.config/microwork/` by default),
`~/Library/Application Support/microwork/` on macOS, `%APPDATA%\\microwork\\` on Windows;
MICROWORK_CONFIG names another file. MICROWORK_URL and MICROWORK_TOKEN override what it holds,
so a script or CI job needs no file at all.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    url: str | None
    token: str | None
    path: Path


def config_path() -> Path:
    if explicit := os.environ.get("MICROWORK_CONFIG"):
        return Path(explicit)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "microwork" / "config.json"


def load() -> Settings:
    """The stored URL and token, each overridden by its environment variable when set."""
    path = config_path()
    stored: dict[str, str] = {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    return Settings(
        url=os.environ.get("MICROWORK_URL") or stored.get("url"),
        token=os.environ.get("MICROWORK_TOKEN") or stored.get("token"),
        path=path,
    )


def save(*, url: str, token: str) -> Path:
    """Write URL and token to the config file, created with mode 0600 in a 0700 folder.

    The file is written beside its final name and renamed over it, so a reader never sees half
    a file, and its mode is 0600 from its first byte (os.open's mode, then fchmod in case the
    umask kept bits out or in).
    """
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"url": url, "token": token}, file, indent=2)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        if temporary.exists():
            temporary.unlink()
        raise
    return path


def forget() -> bool:
    """Delete the stored token; whether there was one."""
    path = config_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class ConfigError(Exception):
    pass
