"""Where each state's music was left, so that going back to it can continue it (``resume``).

When a transition leaves a state, the composer's snapshot at the start of the bar it
lands in (the recurrent state, and the form planner's position, after the state's last
whole bar) is kept under the state's name. A transition that resumes a state composes
from the snapshot kept for it instead of the one the music has reached, from its landing
bar line (a landing inside a bar, ``immediate`` or ``next_beat``, resumes at the next
bar line: the rest of that bar is composed as one with the music before the landing, so
the seam stays smooth). A bar beyond those composed so far waits for them: the snapshot
is taken, or replaced, when the bar before it is committed.
Everything happens under the player's lock at control frames: deterministic.
"""

from __future__ import annotations


class ResumeMemory:
    """The snapshots kept per state, and the captures and replacements still due."""

    def __init__(self) -> None:
        self.kept: dict[str, object] = {}           # state name -> composer snapshot where it was left
        self._captures: dict[int, str] = {}         # bar -> state whose snapshot to keep when the bar is reached
        self._replacements: dict[int, object] = {}  # bar -> snapshot to compose the bar from instead

    def land(self, k: int, on_bar_line: bool, snapshots: dict[int, object], next_bar: int,
             leaving: str | None, resume: str | None) -> None:
        """A transition lands in bar ``k`` (at its start: ``on_bar_line``), leaving state
        ``leaving`` and, with ``resume``, resuming that state. ``snapshots`` (bar ->
        composer state at its start) is the player's; bars up to ``next_bar`` have
        theirs, later ones are stale or missing."""
        self._captures = {bar: name for bar, name in self._captures.items() if bar < k}
        self._replacements = {bar: state for bar, state in self._replacements.items() if bar < k}
        if leaving is not None:
            if k <= next_bar:
                self.kept[leaving] = snapshots[k]
            else:
                self._captures[k] = leaving
        if resume is not None and resume in self.kept:
            line = k if on_bar_line else k + 1
            if line <= next_bar:
                snapshots[line] = self.kept[resume]
            else:
                self._replacements[line] = self.kept[resume]

    def reached(self, k: int, snapshots: dict[int, object]) -> None:
        """``snapshots[k]`` was just set (bar ``k - 1`` was committed)."""
        name = self._captures.pop(k, None)
        if name is not None:
            self.kept[name] = snapshots[k]
        state = self._replacements.pop(k, None)
        if state is not None:
            snapshots[k] = state
