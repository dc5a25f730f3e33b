"""Loudness management in the player: the leveller wired to the plan, the meter and the synth.

``LoudnessStage`` is the player's render path (``Player.render_into`` hands it each
block; ``AsRendered`` stands in for a score with ``loudness: off``). It renders in
pieces that never cross a chunk boundary of the leveller's grid
(``LevelConfig.chunk_frames``, counted from frame 0). At the first frame of each
chunk the stage reads the plan (``moment_at``: the state and intent heard, a
crossfade under way, a stinger or a duck, a stop), asks the ``Leveller`` for the
chunk's gain and, when it changed, sets it on the synth (``Synth.set_level_db``:
FluidSynth's master gain, which it glides over its 64-frame block, so a change is
never a step). After each piece it feeds the rendered audio to the ``KMeter``, and
each completed chunk's power and peak to the leveller and to ``StingerLevels``,
which also gives each of the score's stingers its trim when it starts (``events``).

The gain is applied inside the synth, before the output ceiling, so everything that
takes the synth's output sees it: the mix and its stems alike (a cutscene's stems
still sum to the mix), and the ceiling is left as the safety it was meant to be.

Determinism: every decision is a function of the plan at a chunk's first frame and of
the K-weighted powers and peaks of the chunks before it, and these do not depend on
how the audio was cut into blocks; so a replay or a cutscene renders the same bytes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from engine.music.events import TimedEvent, control
from engine.playback.kweighting import KMeter
from engine.playback.leveller import Crossfade, Level, LevelConfig, Leveller, Moment, target_lufs
from engine.playback.mixer import EXPRESSION, GainCurve
from engine.playback.plan import Plan
from engine.playback.stinger_levels import StingerLevels
from engine.playback.stingers import STINGER_CHANNEL
from engine.roles import Synth

FADE_LIMIT_S = 61.0
"""A crossfade ends at most this long after its landing (a score's fade_s is at most 60 s)."""


def moment_at(plan: Plan, frame: int, duck: GainCurve, hold: bool, stopping: bool, config: LevelConfig) -> Moment:
    """What the leveller must know of the chunk starting at ``frame`` (``Moment``): the
    state heard (its mood when the player was given no state names), the landing it is
    heard from, the level of the intent heard, the crossfade under way (the latest
    transition whose crossfade spans the frame: from its start to its landing, or to its
    end when it runs past the landing), whether a stinger holds the gain (``hold``, or a
    duck under way) and ``stopping``."""
    heard = soft = crossfade = None
    horizon = frame - round(FADE_LIMIT_S * plan.clock.sample_rate_hz)
    for change in reversed(plan.changes):     # newest first: a long session's old changes are not read
        if change.intent is None:             # a soft change of intensity
            if heard is None and soft is None and change.frame <= frame:
                soft = change
            continue
        if heard is None and change.frame <= frame:
            heard = change
        end = max(change.frame, change.fade_start + change.fade_frames)
        if crossfade is None and change.fade_start <= frame < end:
            crossfade = Crossfade(change.state or change.intent.mood, end, Level.of(change.intent, config))
        if heard is not None and (crossfade is not None or change.frame < horizon):
            break
    heard = heard or plan.changes[0]
    intent = heard.intent if soft is None else dataclasses.replace(heard.intent, intensity=soft.intensity)
    return Moment(heard.state or intent.mood, heard.frame, Level.of(intent, config), crossfade,
                  hold or duck.value_at(frame) < 1.0, stopping)


RenderPiece = Callable[[np.ndarray, int, list[TimedEvent]], None]
"""The player's render of one piece: (out, its first frame, events to add to the block's)."""


class AsRendered:
    """No loudness management (a score's ``loudness: off``): each block in one piece, as rendered."""

    def render(self, out: np.ndarray, start_frame: int, render_piece: RenderPiece, plan: Plan, duck: GainCurve,
               stopping: bool) -> None:
        render_piece(out, start_frame, [])

    def stinger(self, name: str, channel: int, start_frame: int, end_frame: int) -> None:
        pass


def loudness_stage(synth: Synth, sample_rate_hz: int, config: LevelConfig | None) -> LoudnessStage | AsRendered:
    """The player's loudness stage for ``config`` (None: ``AsRendered``)."""
    return AsRendered() if config is None else LoudnessStage(synth, sample_rate_hz, config)


class LoudnessStage:
    """The player's loudness management; see the module docstring. Used under the player lock."""

    def __init__(self, synth: Synth, sample_rate_hz: int, config: LevelConfig = LevelConfig()):
        self.config = config
        self.leveller = Leveller(config, sample_rate_hz)
        self.stingers = StingerLevels(config)
        self.chunk_frames = self.leveller.chunk_frames
        self._meter = KMeter(sample_rate_hz, self.chunk_frames)
        self._synth = synth
        self._moment: Moment | None = None
        self._chunk_start = 0
        self._sent_db = 0.0

    @property
    def gain_db(self) -> float:
        """The gain the synth renders at now (dB)."""
        return self._sent_db

    def pieces(self, start_frame: int, frames: int) -> list[tuple[int, int]]:
        """(offset, length) of the pieces of the block ``start_frame`` + ``frames``: cut at
        every chunk boundary."""
        out, offset = [], 0
        while offset < frames:
            room = self.chunk_frames - (start_frame + offset) % self.chunk_frames
            take = min(room, frames - offset)
            out.append((offset, take))
            offset += take
        return out

    def render(self, out: np.ndarray, start_frame: int, render_piece: RenderPiece, plan: Plan, duck: GainCurve,
               stopping: bool) -> None:
        """Render the block ``out`` from ``start_frame`` through ``render_piece``, a piece
        at a time on the chunk grid: each chunk's gain decided at its first frame, the
        stingers starting in a piece placed, each piece measured."""
        for offset, frames in self.pieces(start_frame, len(out)):
            piece, frame = out[offset:offset + frames], start_frame + offset
            self.before(frame, plan, duck, stopping)
            render_piece(piece, frame, self.events(frame, frame + frames, plan))
            self.after(piece)

    def before(self, frame: int, plan: Plan, duck: GainCurve, stopping: bool) -> None:
        """Before the piece starting at ``frame``: at a chunk's first frame, decide its gain."""
        if frame % self.chunk_frames and self._moment is not None:
            return
        if stopping:
            self.stingers.forget()
        self._chunk_start = frame
        hold = self.stingers.sounding(frame)
        self._moment = moment_at(plan, frame, duck, hold, stopping, self.config)
        gain_db = self.leveller.decide(frame, self._moment)
        if gain_db != self._sent_db:
            self._synth.set_level_db(gain_db)
            self._sent_db = gain_db

    def after(self, piece: np.ndarray) -> None:
        """After rendering ``piece`` (float32 (frames, 2)): measure it."""
        for power, peak in self._meter.feed(piece):
            end = self._chunk_start + self.chunk_frames
            self.stingers.measure(self._chunk_start, end, power, self._sent_db)
            self.leveller.measure(power, peak, self._moment)

    def stinger(self, name: str, channel: int, start_frame: int, end_frame: int) -> None:
        """Stinger ``name`` will sound on ``channel`` from ``start_frame`` to ``end_frame``:
        a score's stinger (on ``STINGER_CHANNEL``; a cutscene's accents and final chord
        play as written) is placed (``events``) when it starts, and holds the gain while
        it sounds."""
        if channel == STINGER_CHANNEL:
            self.stingers.coming(name, channel, start_frame, end_frame)

    def events(self, start_frame: int, end_frame: int, plan: Plan) -> list[TimedEvent]:
        """The CC 11 of each stinger starting in the piece ``start_frame``..``end_frame``,
        placing it over the music there (``engine.playback.stinger_levels``) from the gain
        the synth renders at then: set when it starts, so it does not depend on when it
        was asked for."""
        out = []
        for span in self.stingers.starting(start_frame, end_frame):
            trim_db = self.stingers.trim_db(span.name, target_lufs(plan.fold(span.start_frame), self.config),
                                            self._sent_db)
            value = max(1, min(127, round(127.0 * 10.0 ** (trim_db / 40.0))))   # FluidSynth: 40 log10(v/127) dB
            span.trim_db = 40.0 * math.log10(value / 127.0)
            out.append(TimedEvent(span.start_frame, control(span.channel, EXPRESSION, value)))
        return out
