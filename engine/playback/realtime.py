"""Scheduling for the threads that meet an audio deadline: the render thread, the
composer thread and a device thread.

Two levers, both best effort:

* ``ask_realtime_priority``: SCHED_FIFO for the calling thread, as audio engines do
  (PortAudio, JACK); where the OS refuses (no CAP_SYS_NICE, not Linux) the thread keeps
  normal priority.
* ``hand_over_the_gil_quickly``: in a process that is ours alone (the engine process,
  ``moodscore serve``), a thread waiting for the GIL gets it after
  ``GIL_SWITCH_INTERVAL_S`` instead of CPython's 5 ms. A render thread woken with one
  5.3 ms block left must not wait 5 ms behind an OSC receiver or a composer running
  Python. It is never set in a game's own process (``start(..., in_process=True)``):
  how a game's threads share its GIL is the game's choice.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

GIL_SWITCH_INTERVAL_S = 0.001
"""The longest a thread of the engine's own process waits for the GIL while another runs
Python (CPython's default is 0.005: a whole block at 256 frames, 48 kHz)."""


def ask_realtime_priority(level: int = 10) -> None:
    """Ask for SCHED_FIFO at ``level`` above the minimum for the calling thread."""
    try:
        policy = os.SCHED_FIFO
        os.sched_setscheduler(0, policy, os.sched_param(os.sched_get_priority_min(policy) + level))
        log.debug("real-time priority at level %d", level)
    except (AttributeError, OSError) as exc:
        log.debug("normal priority (%s)", exc)


def hand_over_the_gil_quickly() -> None:
    """Call once, in a process the engine owns: see the module docstring."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
