"""The queue of game calls between the game's threads and the render side: coalesced and bounded.

Game threads ``put`` calls; the render side ``take``s at most ``per_block`` of them
at each control frame, oldest first. A parameter set again while its last value still
waits keeps only the new value, placed after the calls made meanwhile (``coalesced``):
an event that sets the same parameter keeps its order with the game's own sets. At
most ``max_pending`` calls wait; one more is dropped (``dropped``) and logged on the
1st, 2nd, 4th, 8th, ... time. A burst of a million ``set_parameter`` calls is one call
and a few bytes; a burst of distinct calls costs a bounded queue and a bounded block.
"""

from __future__ import annotations

import collections
import logging
import threading

from engine.calls import Call, SetParameter

log = logging.getLogger(__name__)

MAX_PENDING_CALLS = 4096
"""Calls waiting to be applied; one more is dropped."""
MAX_CALLS_PER_BLOCK = 16
"""Calls applied at one control frame; the rest wait for the next block (an immediate
transition costs about 0.25 ms here: 16 of them stay inside a 5.3 ms block)."""


class CallQueue:
    """Calls waiting for the render side; see the module docstring. Thread-safe."""

    def __init__(self, max_pending: int = MAX_PENDING_CALLS, per_block: int = MAX_CALLS_PER_BLOCK):
        self.max_pending = max_pending
        self.per_block = per_block
        # key -> call, in order: ("parameter", name) for a SetParameter, else (serial,)
        self._calls: collections.OrderedDict[tuple, Call] = collections.OrderedDict()
        self._serial = 0
        self._lock = threading.Lock()
        self.coalesced = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._calls)

    def put(self, call: Call) -> None:
        """Queue ``call`` (coalesced with a waiting value of the same parameter), or drop it."""
        with self._lock:
            if isinstance(call, SetParameter):
                key = ("parameter", call.name)
                if self._calls.pop(key, None) is not None:
                    self.coalesced += 1
            else:
                key, self._serial = (self._serial,), self._serial + 1
            if len(self._calls) >= self.max_pending:
                self._drop()
                return
            self._calls[key] = call

    def _drop(self) -> None:
        self.dropped += 1
        if self.dropped & (self.dropped - 1) == 0:
            log.warning("%d calls dropped so far: more than %d waiting", self.dropped, self.max_pending)

    def take(self) -> list[Call]:
        """The calls to apply now: all of them, or the ``per_block`` oldest."""
        with self._lock:
            if len(self._calls) <= self.per_block:
                calls = list(self._calls.values())
                self._calls.clear()
                return calls
            return [self._calls.popitem(last=False)[1] for _ in range(self.per_block)]
