"""Sync points: where a change lands, defined once, with what each allows.

A sync point names a grid: every frame (``immediate``), every beat, every bar line,
or every bar line whose index is a multiple of some number of bars (a phrase). The
table ``SYNC_RULES`` says, for each, which grid it lands on, whether it waits for the
end of an authored segment, and whether a stinger may use it. Everything that lists
sync points (the score format, the state machine, the conductor, stingers, benches)
reads this table; ``landing_bar`` is the one grid function over bar indices, used by
the conductor (which frame a change lands on) and by the state machine (which bar a
timed state counts from).

A new sync point is one member of ``SyncPoint`` and one row of ``SYNC_RULES``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SyncPoint(enum.Enum):
    """Where a transition lands, counted from the frame at which it was received."""

    IMMEDIATE = "immediate"
    NEXT_BEAT = "next_beat"
    NEXT_BAR = "next_bar"
    NEXT_PHRASE = "next_phrase"
    END_OF_SEGMENT = "end_of_segment"

    @classmethod
    def parse(cls, value: SyncPoint | str) -> SyncPoint:
        """Accept a SyncPoint or its name (``"next_bar"``); ValueError otherwise."""
        if isinstance(value, SyncPoint):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(f"sync point {value!r} is not one of {[s.value for s in cls]}") from None

    @property
    def rule(self) -> SyncRule:
        return SYNC_RULES[self]


class Grid(enum.Enum):
    """What a sync point counts: frames, beats or bar lines."""

    FRAME = "frame"
    BEAT = "beat"
    BAR = "bar"


@dataclass(frozen=True, slots=True)
class SyncRule:
    """How a sync point lands. ``grid``: the points it may land on. On the bar grid,
    ``every_bars`` keeps only bar lines whose index is a multiple of it (None: of the
    score's phrase length). ``after_segment``: it waits for the end of the authored
    segment playing, when one is. ``stinger``: a stinger may use it (a stinger lands
    over the music within a bar, never a phrase away)."""

    grid: Grid
    every_bars: int | None = 1
    after_segment: bool = False
    stinger: bool = False

    @property
    def mid_bar(self) -> bool:
        """Whether it may land inside a bar (then a segment waits for the next bar line)."""
        return self.grid is not Grid.BAR


SYNC_RULES: dict[SyncPoint, SyncRule] = {
    SyncPoint.IMMEDIATE: SyncRule(Grid.FRAME, stinger=True),
    SyncPoint.NEXT_BEAT: SyncRule(Grid.BEAT, stinger=True),
    SyncPoint.NEXT_BAR: SyncRule(Grid.BAR, stinger=True),
    SyncPoint.NEXT_PHRASE: SyncRule(Grid.BAR, every_bars=None),
    SyncPoint.END_OF_SEGMENT: SyncRule(Grid.BAR, every_bars=None, after_segment=True),
}

SYNC_POINTS: tuple[str, ...] = tuple(s.value for s in SyncPoint)
"""Every sync point's name, in order."""

STINGER_SYNC_POINTS: tuple[str, ...] = tuple(s.value for s in SyncPoint if SYNC_RULES[s].stinger)
"""The sync points a stinger may use."""


def landing_bar(sync: SyncPoint | str, bar_index: int, phrase_bars: int) -> int:
    """The first bar line at or after bar ``bar_index`` that ``sync`` may land on. A sync
    point that lands inside bars (frame, beat) lands before any bar line, so for it
    every bar line counts: a state entered mid-bar counts its bars from the next one."""
    rule = SyncPoint.parse(sync).rule
    if rule.grid is not Grid.BAR:
        return bar_index
    every = rule.every_bars or phrase_bars
    return -(-bar_index // every) * every
