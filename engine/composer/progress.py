"""A dependency-free progress bar on stderr, for corpus builds and training epochs."""

from __future__ import annotations

import sys
import time


class Progress:
    """Redraws ``label [#####.....] done/total eta`` on stderr at most ten times a second."""

    def __init__(self, total: int, label: str, stream=None, width: int = 30) -> None:
        self.total = max(1, int(total))
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.suffix = ""
        self._start_s = time.monotonic()
        self._last_draw_s = 0.0

    def update(self, steps: int = 1, suffix: str = "") -> None:
        self.done = min(self.total, self.done + steps)
        if suffix:
            self.suffix = suffix
        now_s = time.monotonic()
        if now_s - self._last_draw_s >= 0.1 or self.done == self.total:
            self._last_draw_s = now_s
            self._draw(now_s)

    def _draw(self, now_s: float) -> None:
        fraction = self.done / self.total
        filled = int(self.width * fraction)
        elapsed_s = now_s - self._start_s
        eta_s = elapsed_s / fraction - elapsed_s if fraction > 0 else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {elapsed_s:5.0f}s eta {eta_s:4.0f}s {self.suffix}")
        self.stream.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()
