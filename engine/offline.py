"""What an offline script (a cutscene) may do to an engine beyond a game's calls.

A game only makes calls and reads what it hears; a script rendering to picture also
fixes the tempo before the first note, asks what the music will be at a frame, places
its own stingers (accents, a final chord) at exact frames, ends the composed music on
a downbeat, and renders on past that end without the score's control.
``MusicEngine.offline()`` hands out this facet; it is meant for one thread that
renders with ``MusicEngine.render_block`` and nothing live.
"""

from __future__ import annotations

import numpy as np

from engine.bridge import ScoreBridge
from engine.music.intent import Intent
from engine.music.tempo import TempoMap
from engine.playback.conductor import Conductor
from engine.playback.cues import Cue
from engine.playback.player import Player
from engine.playback.stingers import Stinger


class OfflineScript:
    """Offline control of one engine's player and score; see the module docstring."""

    def __init__(self, player: Player, bridge: ScoreBridge):
        self._player = player
        self._bridge = bridge

    @property
    def clock(self) -> Conductor:
        """The engine's clock: bars, beats and quarters to frames and back. Read it; lock
        its tempo with ``lock_tempo``."""
        return self._player.clock

    def lock_tempo(self, tempo_map: TempoMap, meters) -> None:
        """Lock the clock to ``tempo_map`` and ``meters`` ((bar, Meter) pairs from bar 0):
        transitions then change mood, intensity and key but never tempo or meter. Only
        before anything is rendered."""
        self._player.lock_tempo(tempo_map, meters)

    @property
    def state(self) -> str:
        """The state the score is heading for (the target of its latest transition)."""
        return self._bridge.machine.state

    def intent_at(self, frame: int) -> Intent:
        """The musical intent in force at ``frame`` (mood, intensity, key, ...)."""
        return self._player.intent_at(frame)

    def parameter_at(self, name: str, frame: int) -> float:
        """Score parameter ``name``, smoothed, at ``frame``."""
        return self._bridge.machine.parameter_at(name, frame)

    def place_stinger(self, stinger: Stinger, frame: int) -> int | None:
        """Play ``stinger`` at its sync point from ``frame``; the frame it sounds at, or
        None when it is dropped (too soon after itself, or after a stop)."""
        return self._player.stinger(stinger, received_frame=frame)

    def end_music(self, frame: int) -> int:
        """End the composed music at ``frame`` with no fade (notes released there); the
        stingers play on, so a final chord placed there rings out."""
        return self._player.end_music(frame)

    def render_unscored(self, out: np.ndarray) -> None:
        """Render the next block with no call applied and no score control (after the end)."""
        self._player.render_into(out)

    def cues_rendered(self) -> list[Cue]:
        """The cues of everything rendered since the last call (offline nothing is "heard")."""
        return self._player.poll()

    def notes_sounding(self) -> frozenset:
        """(channel, pitch) of every note on and not yet released."""
        return self._player.sequencer.sounding

    def notes_sent(self) -> tuple[int, int]:
        """(note-ons, note-offs) sent to the synth so far: equal once every note ended."""
        sequencer = self._player.sequencer
        return sequencer.notes_on_sent, sequencer.notes_off_sent

    def plan_sizes(self) -> dict[str, int]:
        """Lengths of what a long session could grow (``bench/soak.py`` reports them)."""
        player = self._player
        plan = player.plan
        return {"changes": len(plan.changes), "runs": len(plan.runs), "gain_points": len(plan.gain_points),
                **player.clock.sizes, "events_pending": player.sequencer.pending_count}
