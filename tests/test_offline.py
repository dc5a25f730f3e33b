"""The offline facet a cutscene drives: locked tempo, stingers at a frame, the end of the music."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.api import MusicEngine
from engine.calls import SetState
from engine.config import EngineConfig
from engine.music.events import Kind
from engine.music.notes import Meter
from engine.music.tempo import TempoMap
from engine.playback.stingers import Stinger
from engine.score.load import load_score
from tests.playback.fakes import FakeComposer, RecordingSynth

SCORE = load_score(Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml")
RATE = 22050


class ClosingSynth(RecordingSynth):
    def close(self) -> None:
        self.closed = True


def make_engine() -> MusicEngine:
    return MusicEngine(SCORE, FakeComposer(), ClosingSynth(), EngineConfig(sample_rate_hz=RATE, strict=True))


def render(engine: MusicEngine, frames: int, block_frames: int = 1024) -> None:
    block = np.zeros((block_frames, 2), dtype=np.float32)
    for _ in range(frames // block_frames):
        engine.render_block(block)


def test_a_locked_tempo_survives_a_state_change():
    engine = make_engine()
    script = engine.offline()
    script.lock_tempo(TempoMap.constant(90.0), [(0, Meter(4, 4))])
    engine.apply(SetState("combat", "immediate"), 0)   # combat has its own tempo and meter
    render(engine, 4 * RATE)
    assert script.state == "combat"
    assert script.intent_at(3 * RATE).mood == SCORE.states["combat"].mood
    assert script.clock.bpm_at_frame(3 * RATE) == pytest.approx(90.0)
    assert script.clock.bar_start_frame(1) == round(4 * 60 / 90 * RATE)
    engine.close()


def test_the_tempo_cannot_be_locked_once_rendering_began():
    engine = make_engine()
    render(engine, 2048)
    with pytest.raises(RuntimeError, match="before anything is rendered"):
        engine.offline().lock_tempo(TempoMap.constant(90.0), [(0, Meter(4, 4))])
    engine.close()


def test_a_placed_stinger_sounds_on_its_beat_and_is_reported():
    engine = make_engine()
    script = engine.offline()
    render(engine, RATE)
    frame = script.place_stinger(Stinger(name="accent", sync="next_beat", min_interval_s=0.0), RATE + 100)
    assert frame in script.clock.beat_frames(script.clock.bar_at_frame(frame))
    render(engine, 2 * RATE)
    assert [c.frame for c in script.cues_rendered() if c.kind == "stinger"] == [frame]


def test_after_the_end_the_stingers_ring_out_and_no_note_hangs():
    synth = ClosingSynth()
    engine = MusicEngine(SCORE, FakeComposer(), synth, EngineConfig(sample_rate_hz=RATE))
    script = engine.offline()
    render(engine, 2 * RATE)
    end = script.clock.bar_start_frame(script.clock.bar_at_frame(2 * RATE) + 1)
    assert script.end_music(end) == end
    script.place_stinger(Stinger(name="final", sync="immediate", min_interval_s=0.0), end)
    block = np.zeros((1024, 2), dtype=np.float32)
    for _ in range(4 * RATE // 1024):
        script.render_unscored(block)
    late_notes = {t.event.channel for t in synth.events if t.frame >= end and t.event.kind == Kind.NOTE_ON}
    assert late_notes == {Stinger().channel}       # only the stinger sounds after the end
    on, off = script.notes_sent()
    assert not script.notes_sounding() and on == off > 0
