"""EngineProcess: start the engine process, know whether it lives, end it.

A fresh interpreter (``python -m engine.server.child``), as multiprocessing's "spawn"
makes on every OS, but started with ``subprocess``: multiprocessing's spawn re-runs
the game's main script in the child (a game without an ``if __name__ == "__main__"``
guard would start itself twice), pickles its arguments, and on Python < 3.13 starts a
resource-tracker process. Here the engine process gets one JSON line of plain data
(``EngineSpec``) and answers one line; its stdin is the lifeline: when the game dies,
the pipe closes and the engine process closes itself. ``close()`` asks it to end,
waits, then terminates and kills if it must, and always reaps it (no zombie).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from engine.errors import EngineError
from engine.server.spec import EngineSpec

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
CLOSE_TIMEOUT_S = 5.0
_KILL_TIMEOUT_S = 2.0


def _child_environment() -> dict[str, str]:
    """This environment, with the directory holding ``engine`` first on the path (so
    the engine process imports this very package) and pygame's banner off."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    return env


class EngineProcess:
    """The engine process for one ``EngineSpec``; ``start()`` returns once it plays."""

    def __init__(self, spec: EngineSpec):
        self.spec = spec
        self.start_s = 0.0
        self._popen: subprocess.Popen | None = None
        self._lines: queue.Queue[dict | None] = queue.Queue()

    def start(self, timeout_s: float = START_TIMEOUT_S) -> EngineProcess:
        """Start the engine process and wait until its output plays; EngineError (with the
        engine process's own message) when it cannot start."""
        started = time.perf_counter()
        try:
            self._popen = subprocess.Popen(
                [sys.executable, "-m", "engine.server.child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=_child_environment(), text=True, encoding="utf-8", close_fds=True)
        except OSError as exc:
            raise EngineError(f"cannot start an engine process with {sys.executable}: {exc}") from exc
        self._reader = threading.Thread(target=self._read_lines, name="moodscore-engine-lines", daemon=True)
        self._reader.start()
        try:
            self._popen.stdin.write(self.spec.to_json() + "\n")
            self._popen.stdin.flush()
        except OSError:   # it died before reading: its exit status says so below
            pass
        answer = self._answer(timeout_s)
        if not answer.get("ready"):
            self._reap(_KILL_TIMEOUT_S)
            message = answer.get("error") or f"it exited with status {self._popen.returncode}"
            raise EngineError(f"the engine process could not start the {self.spec.output!r} output: {message}")
        self.start_s = time.perf_counter() - started
        log.info("engine process %d plays %r (started in %.2f s)", self.pid, self.spec.output, self.start_s)
        return self

    def _read_lines(self) -> None:
        stdout = self._popen.stdout
        with stdout:
            for line in stdout:
                try:
                    self._lines.put(json.loads(line))
                except ValueError:
                    log.warning("engine process said: %s", line.rstrip())
        self._lines.put(None)   # its stdout ended: it exited

    def _answer(self, timeout_s: float) -> dict:
        try:
            answer = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            return {"error": f"no answer in {timeout_s:.0f} s"}
        return answer if answer is not None else {}

    @property
    def pid(self) -> int:
        return self._popen.pid if self._popen is not None else -1

    def alive(self) -> bool:
        """Whether the engine process still runs (a non-blocking wait: it also reaps it)."""
        return self._popen is not None and self._popen.poll() is None

    def check_alive(self) -> None:
        """EngineError when the engine process has died (killed, crashed); never blocks."""
        if self._popen is not None and self._popen.poll() is not None:
            raise EngineError(
                f"the engine process (pid {self._popen.pid}) has died (exit status {self._popen.returncode}); "
                f"the music stopped. close() this engine and load a new one")

    def close(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Ask the engine process to close (its session record gets its end), wait up to
        ``timeout_s``, then terminate it, then kill it; it is reaped in every case. Idempotent."""
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            try:
                popen.stdin.write(json.dumps({"close": True}) + "\n")
                popen.stdin.flush()
            except (OSError, ValueError):   # its stdin is gone: it is exiting already
                pass
        self._reap(timeout_s)
        self._popen = None

    def _reap(self, timeout_s: float) -> None:
        popen = self._popen
        for stop in (None, popen.terminate, popen.kill):
            if stop is not None:
                stop()
            try:
                popen.wait(timeout=timeout_s if stop is None else _KILL_TIMEOUT_S)
                break
            except subprocess.TimeoutExpired:
                log.warning("engine process %d did not exit; %s", popen.pid,
                            "terminating it" if stop is None else "killing it")
        try:
            popen.stdin.close()
        except OSError:   # a broken pipe flushing what the dead process never read
            pass
        self._reader.join(timeout=_KILL_TIMEOUT_S)   # it closes stdout at the end of it
