import dataclasses

import numpy as np
from hypothesis import given, settings, strategies as st

from engine.music.events import Kind
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.music.notes import Meter
from engine.music.events import note_off, note_on
from engine.playback.player import Player, PlayerConfig
from engine.playback.segments import Segment
from engine.playback.stingers import Stinger

from tests.playback.fakes import FakeComposer, RecordingSynth, SineSynth, real_synth

BLOCK = 256
CALM = Intent(tempo_bpm=120.0, intensity=0.5, arousal=0.3)
TENSE = Intent(mood="tense", tempo_bpm=120.0, intensity=0.9, arousal=0.8, key=Key(2, "minor"))


def player(intent=CALM, synth=None, composer=None, **config):
    return Player(composer or FakeComposer(), synth or RecordingSynth(), intent, PlayerConfig(**config))


def advance(p, frames):
    out = np.zeros((BLOCK, 2), dtype=np.float32)
    for _ in range(-(-frames // BLOCK)):
        p.render_into(out)


def test_transitions_land_on_their_sync_points():
    for sync, expected in [("immediate", 10240), ("next_beat", 24000), ("next_bar", 96000), ("next_phrase", 384000)]:
        p = player()
        advance(p, 10240)
        assert p.transition(TENSE, sync) == expected
        advance(p, expected + BLOCK - p.head_frame)
        cues = [c for c in p.poll() if c.kind == "transition"]
        assert [c.frame for c in cues] == [expected]
        # the new key's music starts exactly there: the first event at/after landing
        firsts = [t for t in p.synth.events if t.frame >= expected]
        assert firsts and firsts[0].frame == expected


def test_rollback_recomposes_from_the_snapshot_and_continues_the_line():
    composer = FakeComposer()
    p = player(composer=composer, lookahead_bars=2)
    advance(p, 10240)
    p.pump(5)
    assert [c[0] for c in composer.calls] == [0, 1, 2]
    state_at_1 = composer.calls[1][1]
    landing = p.transition(TENSE, "next_bar")
    assert landing == 96000
    advance(p, 200000)
    calls = composer.calls[3:]
    assert calls[0][0] == 1 and calls[0][1] == state_at_1       # bar 1 again, from its snapshot
    assert calls[0][2].mood == "tense" and calls[0][2].key == TENSE.key
    assert [c[0] for c in calls[:2]] == [1, 2]                 # only bars from f on


def test_mid_bar_transition_keeps_key_until_the_bar_line():
    composer = FakeComposer()
    p = player(composer=composer)
    advance(p, 10240)
    assert p.transition(TENSE, "next_beat") == 24000
    advance(p, 100000)
    bar0 = [c for c in composer.calls if c[0] == 0][-1][2]
    bar1 = [c for c in composer.calls if c[0] == 1][-1][2]
    assert bar0.mood == "tense" and bar0.key == CALM.key
    assert bar1.key == TENSE.key


def test_same_calls_same_events_whatever_the_composing_schedule():
    def session(pump):
        p = player(lookahead_bars=2)
        for step in range(40):
            advance(p, 4096)
            if pump:
                p.pump(3)
            if step == 5:
                p.transition(TENSE, "next_beat")
            if step == 12:
                p.set_intensity(0.2)
            if step == 20:
                p.transition(dataclasses.replace(CALM, meter=Meter(3, 4), tempo_bpm=90.0), "next_bar")
            if step == 30:
                p.stinger(Stinger())
        return [(t.frame, t.event) for t in p.synth.events]
    assert session(False) == session(True)


def test_stinger_respects_min_interval_and_ducks():
    p = player()
    advance(p, 1024)
    first = p.stinger(Stinger(min_interval_s=1.0))
    assert first == 24000
    assert p.stinger(Stinger(min_interval_s=1.0)) is None
    assert p.mixer.duck.value_at(first + 4800) == 0.5
    advance(p, 200000)
    assert p.stinger(Stinger(min_interval_s=1.0)) is not None
    notes = [t for t in p.synth.events if t.event.channel == 15 and t.event.kind == Kind.NOTE_ON]
    assert notes[0].frame == first and len(notes) == 4


def test_segment_plays_then_composition_resumes_and_end_of_segment_waits():
    seg = Segment("fill", ((0, note_on(5, 50, 100)), (480, note_off(5, 50)), (960, note_on(5, 52, 100))),
                  length_bars=2, loop=True)
    composer = FakeComposer()
    p = player(composer=composer)
    advance(p, 1024)
    assert p.transition(CALM, "immediate", segment=seg) == 96000
    advance(p, 100000)
    assert p.transition(TENSE, "end_of_segment") == 3 * 96000
    advance(p, 4 * 96000 - p.head_frame + BLOCK)
    ch5 = [t for t in p.synth.events if t.event.channel == 5]
    assert ch5[0].frame == 96000
    assert [c[0] for c in composer.calls if c[0] >= 1] == [3, 4]
    assert not [key for key in p.synth.balance() if key[0] == 5]   # the segment closed its notes


def test_cues_report_the_frames_at_which_beats_sound():
    p = player()
    advance(p, 96000 + BLOCK)
    cues = p.poll()
    beats = [(c.bar, c.beat, c.frame) for c in cues if c.kind == "beat"]
    assert beats == [(0, 0, 0), (0, 1, 24000), (0, 2, 48000), (0, 3, 72000), (1, 0, 96000)]
    assert [c.frame for c in cues if c.kind == "bar"] == [0, 96000]
    assert cues[-1].seconds == 2.0 and cues[-1].tempo_bpm == 120.0
    assert p.poll() == []


def test_layer_fade_has_no_click():
    synth = SineSynth()
    p = Player(FakeComposer(), synth, dataclasses.replace(CALM, intensity=0.0, layers=("pad", "bass")))
    out = np.zeros((BLOCK, 2), dtype=np.float32)
    chunks = []
    for i in range(300):
        if i == 100:
            p.set_intensity(1.0, fade_s=0.5)
        p.render_into(out)
        chunks.append(out[:, 0].copy())
    signal = np.concatenate(chunks)
    bass = 1
    gains = [p.mixer.gain_at("bass", f) for f in (100 * BLOCK - 1, 100 * BLOCK + 24000)]
    assert gains == [0.0, 1.0]
    # jumps between samples stay at the level of the tones' own slope (no step)
    jumps = np.abs(np.diff(signal[100 * BLOCK - 10: 100 * BLOCK + 24000]))
    assert jumps.max() < 0.02
    assert len([t for t in synth.events if t.event.kind == Kind.CONTROL and t.event.channel == bass]) > 60


def script():
    action = st.tuples(st.sampled_from(["transition", "intensity", "stinger", "render"]),
                       st.sampled_from(["immediate", "next_beat", "next_bar", "next_phrase", "end_of_segment"]),
                       st.floats(0, 1), st.integers(1, 40))
    return st.lists(action, min_size=5, max_size=25)


@settings(max_examples=15, deadline=None)
@given(script())
def test_long_random_sessions_leave_no_hanging_note(actions):
    p = player()
    seg = Segment("loop", ((0, note_on(5, 50, 100)), (1900, note_on(5, 55, 100))), length_bars=1, loop=True)
    for kind, sync, x, blocks in actions:
        advance(p, blocks * BLOCK * 8)
        intent = dataclasses.replace(TENSE if x > 0.5 else CALM, intensity=x,
                                     meter=Meter(6, 8) if x > 0.8 else Meter(4, 4), tempo_bpm=60 + 100 * x)
        if kind == "transition":
            p.transition(intent, sync, segment=seg if x < 0.1 else None, fade_s=x)
        elif kind == "intensity":
            p.set_intensity(x)
        elif kind == "stinger":
            p.stinger(Stinger(min_interval_s=x))
    end = p.stop(0.25)
    advance(p, end - p.head_frame + BLOCK)
    assert p.stopped
    assert p.synth.balance() == {}
    assert not p.sequencer.sounding


def test_real_synth_plays_fades_and_stops_clean():
    with real_synth() as synth:
        p = Player(FakeComposer(), synth, dataclasses.replace(CALM, intensity=0.3))
        out = np.zeros((BLOCK, 2), dtype=np.float32)
        peaks = []
        for i in range(400):
            if i == 100:
                p.set_intensity(1.0, fade_s=0.5)
            if i == 250:
                p.stop(0.5)
            p.render_into(out)
            peaks.append(float(np.abs(out).max()))
        assert np.isfinite(peaks).all() and 0.01 < max(peaks) < 1.0
        assert p.stopped and not p.sequencer.sounding
        assert peaks[-1] < 0.05 * max(peaks)   # only release/reverb tails remain


def test_a_transition_can_glide_into_its_tempo_over_bars():
    p = player()
    advance(p, 10240)
    fast = dataclasses.replace(TENSE, tempo_bpm=160.0)
    landing = p.transition(fast, "next_bar", tempo_ramp_bars=2)
    quarter = p.clock.quarter_at_frame(landing)
    assert p.clock.tempo_map.bpm_at(quarter) == 120.0
    assert p.clock.tempo_map.bpm_at(quarter + 4.0) == 140.0       # one 4/4 bar in: half way
    assert p.clock.tempo_map.bpm_at(quarter + 8.0) == 160.0       # two bars in: there


def test_a_landing_inside_a_bar_not_composed_yet_gives_the_same_events_as_a_rollback():
    """Composed ahead (the rollback keeps the bar's events before the landing) or not
    yet (the player keeps a cut and composes both parts later): the same music."""
    def session(pump):
        p = player(lookahead_bars=3)
        advance(p, 4096)
        if pump:
            p.pump(4)
        landing = p.transition(TENSE, "immediate", received_frame=2 * 96000 + 30000)   # inside bar 2
        assert landing == 2 * 96000 + 30000
        advance(p, 5 * 96000)
        return [(t.frame, t.event) for t in p.synth.events]
    ahead, late = session(True), session(False)
    assert ahead == late
    bar2 = [f for f, e in ahead if 2 * 96000 <= f < 2 * 96000 + 30000 and e.kind == Kind.NOTE_ON]
    assert bar2, "the old music plays in bar 2 until the landing"
