"""Logging that a hostile caller cannot flood: each name warned about once, in a bounded set.

A game (or an attacker) may send hundreds of thousands of distinct unknown names, or
names a megabyte long. ``WarnedNames.first(key)`` is True the first time a key is
seen, while the set holds fewer than ``max_names`` keys; after that every key is
"seen", so memory stays bounded and the log says once that it stopped naming them.
Log names with ``NAME_FORMAT`` (``%.80r``): the repr cut to 80 characters.
Only hashes of the keys are kept. A fault that repeats (a block that fails to render, a
callback that raises) is logged when ``worth_logging(count)``: the 1st, 2nd, 4th, 8th...
time, so a fault on every block costs a few dozen log lines an hour, not thousands.
"""

from __future__ import annotations

import logging

NAME_FORMAT = "%.80r"
MAX_WARNED_NAMES = 1024


def worth_logging(count: int) -> bool:
    """Whether the ``count``-th occurrence of a repeating fault is logged: powers of two."""
    return count > 0 and count & (count - 1) == 0


class WarnedNames:
    """The keys warned about so far, at most ``max_names`` of them; see the module docstring."""

    def __init__(self, logger: logging.Logger, max_names: int = MAX_WARNED_NAMES):
        self._log = logger
        self._max = max_names
        self._seen: set = set()
        self._full_told = False

    def first(self, key) -> bool:
        """Whether ``key`` is new (warn about it); False once the set is full. Only the key's
        hash is kept (a megabyte name costs 8 bytes; a collision costs one warning)."""
        key = hash(key)
        if key in self._seen:
            return False
        if len(self._seen) >= self._max:
            if not self._full_told:
                self._full_told = True
                self._log.warning("more than %d distinct unknown names: the rest are counted, not logged", self._max)
            return False
        self._seen.add(key)
        return True

    def __len__(self) -> int:
        return len(self._seen)
