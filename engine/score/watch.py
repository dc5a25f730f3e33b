"""Hot reload: ``ScoreWatcher`` notices a score file that changed and hands it to the engine.

``moodscore serve --watch`` and ``moodscore play --watch`` call ``check()`` from their
main loop. A change is a new (modification time, size); it is read once the file has
stayed the same for ``settle_s`` (editors save in several writes), and passed on only
when its text differs from the last one passed on. A valid score goes to ``reload``
(``MusicEngine.reload``: swapped in at the next bar line); a broken one is reported,
every problem as ``file:line: yaml.path: message``, and the old score plays on.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Callable

from engine.score.source import SourceError, read_source_text

log = logging.getLogger(__name__)


def _log_problems(text: str) -> None:
    log.error("%s", text)


class ScoreWatcher:
    """Watches ``path``; see the module docstring. ``reload(path)`` raises SourceError for
    a broken score; ``report(text)`` is told of it (default: logged as an error)."""

    def __init__(self, path: str | os.PathLike, reload: Callable[[Path], None],
                 report: Callable[[str], None] = _log_problems, settle_s: float = 0.2):
        self.path = Path(path)
        self._reload = reload
        self._report = report
        self._settle_s = settle_s
        self._seen = self._stamp()
        self._changed_at: float | None = None
        self._text = self._read()
        self.reloads = 0
        self.rejected = 0

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None          # being replaced (some editors delete, then write)
        return stat.st_mtime_ns, stat.st_size

    def _read(self) -> str | None:
        try:
            return read_source_text(self.path)
        except SourceError as exc:   # too large, not UTF-8...: passed on, so that reload reports it
            return f"\0unreadable: {exc}"

    def check(self, now: float | None = None) -> bool:
        """Look at the file; True when a changed score was passed on to ``reload``."""
        now = time.monotonic() if now is None else now
        stamp = self._stamp()
        if stamp != self._seen:
            self._seen, self._changed_at = stamp, now
            return False
        if self._changed_at is None or now - self._changed_at < self._settle_s or stamp is None:
            return False
        self._changed_at = None
        text = self._read()
        if text is None or text == self._text:
            return False
        self._text = text
        return self._pass_on()

    def _pass_on(self) -> bool:
        try:
            self._reload(self.path)
        except SourceError as exc:
            self.rejected += 1
            self._report(f"{self.path}: not reloaded, the old score plays on:\n{exc}")
            return False
        except OSError as exc:
            self.rejected += 1
            self._report(f"{self.path}: not reloaded ({exc.strerror or exc}), the old score plays on")
            return False
        self.reloads += 1
        log.info("%s changed: reloading at the next bar line", self.path)
        return True
