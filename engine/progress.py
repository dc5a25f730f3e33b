"""Progress of long jobs on stderr: a tqdm bar on a terminal, plain lines elsewhere.

``Progress(total, label, unit)`` counts work in its own unit (bytes of source parsed,
batches, seconds of audio), so the rate and the ETA mean something; its ETA is the
work left at the average rate since the start (tqdm ``smoothing=0``), which suits jobs
whose pieces differ in cost once the pieces are weighted by their size. When stderr
is not a terminal (a log file, CI) it writes one plain line every
``PLAIN_INTERVAL_S`` seconds and one at the end, instead of carriage-return redraws.
``AudioProgress`` is the ``(done_frames, total_frames)`` callable the renderers take.
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

PLAIN_INTERVAL_S = 10.0
PLAIN_FORMAT = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Progress of ``total`` units of work named ``label``; ``update`` adds, ``close`` ends.
    The bar appears once the work has taken ``delay_s`` (a quick job or one that fails at
    once draws none)."""

    def __init__(self, total: float, label: str, unit: str = "it", *, unit_scale: bool = False,
                 stream=None, plain_interval_s: float = PLAIN_INTERVAL_S, clock=time.monotonic,
                 delay_s: float = 0.5) -> None:
        self.clock = clock
        self.stream = stream if stream is not None else sys.stderr
        self.label, self.unit, self.unit_scale = label, unit, unit_scale
        self.total = max(total, 1)
        self.done = 0.0
        self.suffix = ""
        self.plain_interval_s = plain_interval_s
        self._start_s = clock()
        self._last_line_s = self._start_s
        self._line_done = 0.0           # work done at the last plain line (nothing done: no line)
        self._closed = False
        self._bar = tqdm(total=self.total, desc=label, unit=unit, unit_scale=unit_scale, file=self.stream,
                         smoothing=0, mininterval=0.1, dynamic_ncols=True, delay=delay_s) if _is_tty(self.stream) else None

    def update(self, steps: float = 1, suffix: str = "") -> None:
        """Add ``steps`` units of work done; ``suffix`` (e.g. the running loss) shows after the rate."""
        steps = min(steps, self.total - self.done)
        self.done += steps
        if suffix:
            self.suffix = suffix
        if self._bar is not None:
            if suffix:
                self._bar.set_postfix_str(suffix, refresh=False)
            self._bar.update(steps)
        elif self.clock() - self._last_line_s >= self.plain_interval_s:
            self._line()

    def set_total(self, total: float) -> None:
        """Change the amount of work (a render that learns its length as it goes)."""
        self.total = max(total, self.done, 1)
        if self._bar is not None and self._bar.total != self.total:
            self._bar.total = self.total
            self._bar.refresh()

    def _line(self) -> None:
        self._last_line_s, self._line_done = self.clock(), self.done
        text = tqdm.format_meter(self.done, self.total, self._last_line_s - self._start_s, prefix=self.label,
                                 unit=self.unit, unit_scale=self.unit_scale, bar_format=PLAIN_FORMAT,
                                 postfix=self.suffix or None)
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Finish: the bar's last state (or a last plain line) stays on screen."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        elif self._line_done != self.done:
            self._line()


class AudioProgress(Progress):
    """Progress of a render in seconds of audio (its rate is the real-time factor), fed
    ``(done_frames, total_frames)`` as the offline renderers report it."""

    def __init__(self, sample_rate_hz: int, label: str, stream=None, plain_interval_s: float = PLAIN_INTERVAL_S,
                 clock=time.monotonic):
        super().__init__(1, label, unit="s audio", unit_scale=True, stream=stream,
                         plain_interval_s=plain_interval_s, clock=clock)
        self.sample_rate_hz = sample_rate_hz

    def __call__(self, done_frames: int, total_frames: int) -> None:
        self.set_total(total_frames / self.sample_rate_hz)
        self.update(done_frames / self.sample_rate_hz - self.done)
        if done_frames >= total_frames:
            self.close()
