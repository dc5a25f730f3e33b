"""Fakes for playback tests: a deterministic composer with visible state, and synths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.music.events import Kind
from engine.music.keys import diatonic_triads
from engine.music.notes import Bar, Chord, Note


@dataclass(frozen=True)
class FakeState:
    bars: int = 0          # bars composed since the start (the hidden state)
    last_pitch: int = 60


class FakeComposer:
    """Fills the ``engine.roles.Composer`` role, as engine.composer.Composer does; its
    state is a visible counter + last pitch.

    ``calls`` logs (bar_index, state before, intent) of every compose_bar call."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.state = FakeState()
        self.calls: list[tuple[int, FakeState, object]] = []
        self.forms: list[object] = []   # every reform() given

    def snapshot(self) -> FakeState:
        return self.state

    def restore(self, state: FakeState) -> None:
        self.state = state

    def reform(self, form) -> None:
        self.forms.append(form)

    def compose_bar(self, intent, bar_index: int) -> Bar:
        self.calls.append((bar_index, self.state, intent))
        meter = intent.meter
        beat = meter.ticks_per_beat
        triads = diatonic_triads(intent.key.mode)
        root, quality = triads[(bar_index + self.state.bars + self.seed) % 4 * 2 % 7]
        pitch, melody = self.state.last_pitch, []
        for i in range(meter.beats_per_bar):
            pitch = 60 + (pitch - 60 + 2 + (bar_index * 7 + i * 3 + self.seed) % 5) % 12
            melody.append(Note(pitch, i * beat, beat, 80))
        harmony = (Chord(root, quality, 0, meter.ticks_per_bar),)
        self.state = FakeState(self.state.bars + 1, pitch)
        return Bar(meter, tuple(melody), harmony, intent.key.mode)


class RecordingSynth:
    """Records every event it is sent (with the block it came in); renders silence.
    Fills the ``engine.roles.Synth`` role."""

    def __init__(self):
        self.events = []
        self.frames = 0
        self.closed = False
        self.levels: list[tuple[int, float]] = []     # (frame, dB) of every set_level_db

    def set_level_db(self, level_db: float) -> None:
        self.levels.append((self.frames, level_db))

    def close(self) -> None:
        self.closed = True

    def render_block(self, out, start_frame, events):
        assert start_frame == self.frames, (start_frame, self.frames)
        for timed in events:
            assert start_frame <= timed.frame < start_frame + len(out), timed
        self.events.extend(events)
        out[:] = 0.0
        self.frames += len(out)

    def balance(self) -> dict:
        """(channel, pitch) -> note-ons minus note-offs over everything sent."""
        count: dict = {}
        for timed in self.events:
            key = (timed.event.channel, timed.event.a)
            if timed.event.kind == Kind.NOTE_ON:
                count[key] = count.get(key, 0) + 1
            elif timed.event.kind == Kind.NOTE_OFF:
                count[key] = count.get(key, 0) - 1
            elif timed.event.kind == Kind.CONTROL and timed.event.a == 120:   # All Sound Off
                count = {k: v for k, v in count.items() if k[0] != timed.event.channel}
        return {k: v for k, v in count.items() if v}


class SineSynth(RecordingSynth):
    """A tiny additive synth: one sine per sounding note, scaled by its channel's CC 11,
    applied at the event's exact frame (no smoothing, so steps show in the signal)."""

    def __init__(self, sample_rate_hz: int = 48000):
        super().__init__()
        self.sr = sample_rate_hz
        self.notes: dict = {}
        self.expression = [1.0] * 16
        self.level = 1.0

    def set_level_db(self, level_db: float) -> None:
        super().set_level_db(level_db)
        self.level = 10.0 ** (level_db / 20.0)

    def render_block(self, out, start_frame, events):
        super().render_block(out, start_frame, events)
        cuts = sorted({t.frame for t in events} | {start_frame, start_frame + len(out)})
        by_frame: dict = {}
        for t in events:
            by_frame.setdefault(t.frame, []).append(t.event)
        for a, b in zip(cuts, cuts[1:]):
            for e in by_frame.get(a, ()):
                self._apply(e)
            t = np.arange(a, b) / self.sr
            sig = np.zeros(b - a)
            for (ch, pitch), vel in self.notes.items():
                hz = 440.0 * 2 ** ((pitch - 69) / 12)
                sig += 0.05 * vel / 127 * self.expression[ch] * self.level * np.sin(2 * np.pi * hz * t)
            out[a - start_frame:b - start_frame] = sig[:, None]

    def _apply(self, e):
        if e.kind == Kind.NOTE_ON:
            self.notes[(e.channel, e.a)] = e.b
        elif e.kind == Kind.NOTE_OFF:
            self.notes.pop((e.channel, e.a), None)
        elif e.kind == Kind.CONTROL and e.a == 11:
            self.expression[e.channel] = e.b / 127
        elif e.kind == Kind.CONTROL and e.a == 120:   # All Sound Off
            self.notes = {k: v for k, v in self.notes.items() if k[0] != e.channel}


def real_synth(sample_rate_hz: int = 48000):
    """A FluidSynth ``Synth``, or skip the test where this machine has no FluidSynth or SoundFont."""
    import pytest

    synth_module = pytest.importorskip("engine.playback.synth")
    try:
        return synth_module.Synth(sample_rate_hz=sample_rate_hz)
    except Exception as exc:  # no FluidSynth or SoundFont on this machine
        pytest.skip(str(exc))
