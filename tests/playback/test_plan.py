"""The plan, driven directly: no synth, no composer, no thread."""

import dataclasses

from engine.music.events import note_off, note_on
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.music.notes import Meter
from engine.playback.conductor import ClockConfig, Conductor
from engine.playback.plan import Plan
from engine.playback.segments import Segment

BAR = 96000           # 4/4 at 120 bpm, 48 kHz
CALM = Intent(tempo_bpm=120.0, intensity=0.5)
TENSE = Intent(mood="tense", tempo_bpm=120.0, intensity=0.9, key=Key(2, "minor"))
FILL = Segment("fill", ((0, note_on(5, 50, 100)), (480, note_off(5, 50))), length_bars=2)


def plan(intent=CALM, **kw):
    return Plan(intent, Conductor(ClockConfig(48000, 4), tempo_bpm=intent.tempo_bpm, meter=intent.meter), **kw)


def gains_at(p, frame):
    return dict([g for g in p.gain_points if g.frame <= frame][-1].gains)


def test_a_landing_replaces_what_was_planned_after_it():
    p = plan()
    p.land(2 * BAR, TENSE, 0)
    p.land(BAR, dataclasses.replace(CALM, mood="calm2"), 0)
    assert [c.frame for c in p.changes] == [0, BAR]
    assert p.fold(3 * BAR).mood == "calm2" and p.fold(BAR - 1).mood == "calm"


def test_a_mid_bar_landing_recolours_the_bar_but_its_key_waits_for_the_bar_line():
    p = plan()
    p.land(BAR // 4, TENSE, 0)
    bar0, bar1 = p.intent_for_bar(0), p.intent_for_bar(1)
    assert bar0.mood == "tense" and bar0.key == CALM.key
    assert bar1.key == TENSE.key and bar1.meter == Meter(4, 4)


def test_a_soft_change_waits_past_the_lookahead_and_fades_the_layers_now():
    p = plan()
    assert p.soften(1000, 0.0, 4800, lookahead_bars=1)
    assert p.fold(BAR).intensity == 0.5 and p.fold(2 * BAR).intensity == 0.0
    assert gains_at(p, 1000) == {"pad": 1.0, "bass": 0.0, "melody": 0.0, "counter": 0.0, "percussion": 0.0}
    assert p.gain_points[-1].fade_frames == 4800


def test_a_segment_runs_from_the_bar_line_with_every_layer_then_the_intent_comes_back():
    p = plan()
    p.land(BAR, TENSE, 100, segment=FILL)
    assert p.run_at_bar(1).segment is FILL and p.run_at_bar(2).segment is FILL and p.run_at_bar(3) is None
    assert p.segment_end(BAR + 5) == 3 * BAR
    assert set(gains_at(p, BAR).values()) == {1.0}
    assert gains_at(p, 3 * BAR)["percussion"] == 1.0 and gains_at(p, 3 * BAR)["pad"] == 1.0
    assert not p.soften(BAR + 5, 0.1, 100, lookahead_bars=1)     # the segment keeps its layers up


def test_a_landing_cuts_a_looping_run_at_its_bar_line():
    p = plan()
    p.land(BAR, CALM, 0, segment=dataclasses.replace(FILL, loop=True))
    assert p.segment_end(10 * BAR) == 11 * BAR
    p.land(6 * BAR + 10, TENSE, 0)
    assert p.runs[0].end_bar == 7 and p.run_at_bar(7) is None


def test_fade_out_and_forgetting_keep_what_is_still_needed():
    p = plan()
    p.land(BAR, TENSE, 0)
    p.fade_out(2 * BAR, 24000)
    assert set(dict(p.gain_points[-1].gains)) == {"pad", "bass", "melody", "counter", "percussion"}
    assert set(dict(p.gain_points[-1].gains).values()) == {0.0}
    p.forget_before(5 * BAR)
    assert len(p.gain_points) == 1 and p.gain_points[0].frame == 2 * BAR


def test_a_fade_defaults_to_one_beat_of_the_tempo_there():
    p = plan(fade_beats=1.0)
    assert p.fade_frames(None, 0) == 24000 and p.fade_frames(0.0, 0) == 24000 and p.fade_frames(0.5, 0) == 24000
    p.land(BAR, dataclasses.replace(CALM, tempo_bpm=60.0), 0)
    assert p.fade_frames(None, 2 * BAR) == 48000


def test_the_crossfade_ends_at_the_landing_when_there_is_time():
    p = plan()                                           # calm at 0.5: pad, bass, melody
    start = p.land(4 * BAR, dataclasses.replace(TENSE, intensity=0.1), 48000, received_frame=1000, state="t")
    assert start == 4 * BAR - 48000
    point = p.gain_points[-1]
    assert (point.frame, point.fade_frames) == (4 * BAR - 48000, 48000)
    assert dict(point.gains) == {"pad": 1.0, "bass": 0.0, "melody": 0.0, "counter": 0.0, "percussion": 0.0}


def test_a_landing_nearer_than_the_fade_crossfades_from_the_request_for_its_full_length():
    p = plan()
    assert p.land(24000, TENSE, 48000, received_frame=20000) == 20000
    assert p.gain_points[-1].fade_frames == 48000
    later = p.land(3 * BAR, CALM, 4 * BAR, received_frame=22000)
    assert later == 24000                                 # not before the previous landing


def test_heard_is_the_old_state_until_the_landing_and_pending_names_what_comes():
    p = plan(state="calm")
    p.land(2 * BAR, TENSE, 0, received_frame=100, state="tense")
    heard = p.heard_at(2 * BAR - 1)
    assert (heard.state, heard.intent.mood) == ("calm", "calm")
    assert (heard.pending.state, heard.pending.mood, heard.pending.frame) == ("tense", "tense", 2 * BAR)
    heard = p.heard_at(2 * BAR)
    assert (heard.state, heard.intent.mood, heard.pending) == ("tense", "tense", None)


def test_a_soft_change_while_a_landing_is_pending_retargets_the_landing_not_the_music_playing():
    p = plan()                                           # calm at 0.5: pad, bass, melody
    p.land(4 * BAR, TENSE, 48000, received_frame=1000, state="t")
    changed = p.soften(BAR, 0.0, 4800, lookahead_bars=1)
    assert changed == 4 * BAR - 48000                    # the crossfade's own start: not yet begun
    assert min(g.frame for g in p.gain_points) == 4 * BAR - 48000   # the calm music keeps its layers till then
    assert dict(p.gain_points[-1].gains)["bass"] == 0.0  # the landing aims at intensity 0: pad only
    assert p.fold(3 * BAR).intensity == 0.5              # composed before the landing: unchanged
    assert p.fold(4 * BAR).intensity == 0.0 and p.fold(4 * BAR).mood == "tense"


def test_fold_is_the_last_landing_at_the_intensity_of_the_last_soft_change_after_it():
    import random

    rng, p = random.Random(7), plan()
    for _ in range(40):
        frame = rng.randrange(0, 12 * BAR)
        if rng.random() < 0.25:
            p.land(frame, dataclasses.replace(TENSE, mood=f"m{frame}"), 0)
        else:
            p.soften(frame, round(rng.random(), 3), 0, lookahead_bars=1)
    assert any(c.intent is None for c in p.changes) and sum(c.intent is not None for c in p.changes) > 1

    def walked(frame, strict):   # the definition, change by change
        intent = p.changes[0].intent
        for change in p.changes:
            if change.frame > frame or (strict and change.frame == frame):
                break
            intent = change.intent or dataclasses.replace(intent, intensity=change.intensity)
        return intent

    frames = sorted({c.frame + d for c in p.changes for d in (-1, 0, 1)} | {0, 20 * BAR})
    for frame in frames:
        for strict in (False, True):
            assert p.fold(frame, strict) == walked(frame, strict), (frame, strict)
