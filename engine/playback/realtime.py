"""Scheduling for the threads that meet an audio deadline: the render thread, the
composer thread and a device thread.

``ask_realtime_priority``: SCHED_FIFO for the calling thread, as audio engines do
(PortAudio, JACK); where the OS refuses (no CAP_SYS_NICE, not Linux) the thread keeps
normal priority.

``freeze_what_is_loaded``: in a process the engine owns (the engine process, ``moodscore
serve``), once the engine is loaded and before its output starts (the collection before
the freeze holds the GIL 5-30 ms: with the device already playing, 3 starts in 10 made a
late read), everything loaded (modules, score, model, SoundFont wrappers: about 30,000
objects) is moved out of the garbage collector's sight (``gc.freeze``), so that a full
collection, which holds the GIL while it walks every object, no longer walks them.
Measured in ``bench/osc.py`` (30 s at 1,000 messages/s): the one full collection took
34 ms without and stopped every thread (46 ms worst message latency, 6 underruns); with
the heap frozen, 16 ms worst and 2. The engine
process allocates little while it plays, and no full collection came in 60 s runs of
``bench/realtime.py`` either way; it is frozen for the same reason. Never done in a
game's own process: its heap is the game's.

Tried and left out: a shorter GIL switch interval in the engine's own processes
(``sys.setswitchinterval(0.001)`` instead of CPython's 0.005), so that a woken render
thread would not wait behind a composer or an OSC receiver running Python. In
``bench/realtime.py --game-busy-ms 12``, four alternating 60 s runs in one window: the
engine process used 0.117-0.120 of a core with it against 0.085-0.104 without, and had
3 late reads a minute against none: the threads handed the GIL back and forth at
real-time priority instead of rendering.
"""

from __future__ import annotations

import gc
import logging
import os

log = logging.getLogger(__name__)


def ask_realtime_priority(level: int = 10) -> None:
    """Ask for SCHED_FIFO at ``level`` above the minimum for the calling thread."""
    try:
        policy = os.SCHED_FIFO
        os.sched_setscheduler(0, policy, os.sched_param(os.sched_get_priority_min(policy) + level))
        log.debug("real-time priority at level %d", level)
    except (AttributeError, OSError) as exc:
        log.debug("normal priority (%s)", exc)


def freeze_what_is_loaded() -> None:
    """Collect once, then keep every object alive now out of later collections."""
    gc.collect()
    gc.freeze()
