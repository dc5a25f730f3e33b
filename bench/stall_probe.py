"""The machine's own stalls, measured beside a benchmark in the same run.

A process of its own (its own GIL), at the real-time priority of the virtual device
thread, sleeps 2 ms at a time and counts the wakes that came more than ``threshold_ms``
late. It waits for nothing but the clock and runs no Python between sleeps worth the
name, so such a wake is the machine descheduling a runnable real-time thread (the
hypervisor, the kernel, or real-time threads of equal priority on every core), not a
thread of moodscore waiting for its GIL or its lock. A bench reports it beside its
underruns and late reads: the same window with stalls and without tells the machine's
share from the engine's.

    with StallProbe(threshold_ms=5.333) as probe:
        ... the session ...
    probe.stalls, probe.worst_ms
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.playback.realtime import ask_realtime_priority  # noqa: E402

SLEEP_S = 0.002
DEVICE_PRIORITY = 15   # as engine.playback.outputs.virtual's device thread


def _probe(threshold_s: float, stop, conn) -> None:
    ask_realtime_priority(DEVICE_PRIORITY)
    stalls, worst_s = 0, 0.0
    while not stop.is_set():
        before = time.perf_counter()
        time.sleep(SLEEP_S)
        late_s = time.perf_counter() - before - SLEEP_S
        if late_s > threshold_s:
            stalls += 1
        worst_s = max(worst_s, late_s)
    conn.send((stalls, worst_s))


class StallProbe:
    """Counts the machine's stalls longer than ``threshold_ms`` while the block runs."""

    def __init__(self, threshold_ms: float):
        self.threshold_ms = threshold_ms
        self.stalls, self.worst_ms = 0, 0.0

    def __enter__(self) -> StallProbe:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._recv, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_probe, args=(self.threshold_ms / 1000, self._stop, send),
                                        name="stall-probe", daemon=True)
        self._process.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._recv.poll(10.0):
            stalls, worst_s = self._recv.recv()
            self.stalls, self.worst_ms = stalls, round(worst_s * 1000, 3)
        self._process.join(timeout=5)
