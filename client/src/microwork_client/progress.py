"""A one-line progress bar on stderr, redrawn in place: no dependency for ~60 lines.

Drawn only when stderr is a terminal (or `force=True`), so logs and pipes get no carriage
returns; redrawn at most 10 times a second so a fast local upload is not slowed by drawing.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"  # pragma: no cover


class ProgressBar:
    def __init__(self, label: str, *, stream: TextIO | None = None, force: bool = False):
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = force or self.stream.isatty()
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.done = 0
        self.total: int | None = None

    def __call__(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.shown and (now - self.drawn_at >= 0.1 or (total is not None and done >= total)):
            self.drawn_at = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        text = f"{human_bytes(self.done)}"
        width = min(shutil.get_terminal_size((80, 20)).columns, 100)
        if self.total:
            share = min(self.done / self.total, 1.0)
            left = (self.total - self.done) / rate if rate else 0
            text = (
                f"{share:6.1%} {human_bytes(self.done)}/{human_bytes(self.total)} "
                f"{human_bytes(rate)}/s ETA {left:4.0f}s"
            )
            room = max(width - len(self.label) - len(text) - 5, 10)
            filled = int(share * room)
            text = f"[{'#' * filled}{'.' * (room - filled)}] {text}"
        else:
            text = f"{text} {human_bytes(rate)}/s"
        self.stream.write(f"\r{self.label} {text}"[:width].ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started
