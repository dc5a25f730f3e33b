"""VoiceGate: silent channels stop costing voices, and come back holding their notes."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.music.events import Kind, TimedEvent, control, note_off, note_on
from engine.playback.voices import ALL_SOUND_OFF, VoiceGate
from tests.playback.fakes import FakeComposer, RecordingSynth, real_synth


def ev(frame, event):
    return TimedEvent(frame, event)


def kinds(events):
    return [(t.frame, t.event.kind, t.event.channel, t.event.a, t.event.b) for t in events]


def test_events_pass_unchanged_while_nothing_is_silent():
    gate = VoiceGate()
    events = [ev(0, control(0, 11, 90)), ev(0, note_on(0, 60, 100)), ev(10, note_off(0, 60)), ev(20, note_on(1, 40, 70))]
    assert gate.filter(list(events)) == events


def test_a_channel_at_cc11_zero_is_silenced_and_its_notes_are_held_not_sent():
    gate = VoiceGate()
    sent = gate.filter([ev(0, note_on(3, 60, 100)), ev(64, control(3, 11, 0)), ev(100, note_on(3, 64, 90)),
                        ev(200, note_off(3, 60)), ev(300, note_on(4, 50, 80))])
    assert kinds(sent) == [(0, Kind.NOTE_ON, 3, 60, 100), (64, Kind.CONTROL, 3, 11, 0),
                           (64, Kind.CONTROL, 3, ALL_SOUND_OFF, 0), (300, Kind.NOTE_ON, 4, 50, 80)]
    assert gate.is_virtual(3) and not gate.is_virtual(4)
    assert gate.notes_skipped == 1


def test_fading_back_in_strikes_the_notes_the_music_holds_at_the_fade_start():
    gate = VoiceGate()
    gate.filter([ev(0, control(0, 11, 0)), ev(10, note_on(0, 60, 100)), ev(10, note_on(0, 67, 80)),
                 ev(30, note_on(0, 72, 90)), ev(40, note_off(0, 72))])
    sent = gate.filter([ev(128, control(0, 11, 3)), ev(192, control(0, 11, 9)), ev(500, note_off(0, 60))])
    assert kinds(sent) == [(128, Kind.CONTROL, 0, 11, 3), (128, Kind.NOTE_ON, 0, 60, 100),
                           (128, Kind.NOTE_ON, 0, 67, 80), (192, Kind.CONTROL, 0, 11, 9),
                           (500, Kind.NOTE_OFF, 0, 60, 0)]
    assert gate.notes_restruck == 2 and not gate.is_virtual(0)


def test_percussion_is_not_struck_late_and_its_stale_note_offs_are_dropped():
    gate = VoiceGate(no_restrike_channels=(9,))
    gate.filter([ev(0, control(9, 11, 0)), ev(10, note_on(9, 36, 100))])
    sent = gate.filter([ev(64, control(9, 11, 40)), ev(90, note_off(9, 36))])
    assert kinds(sent) == [(64, Kind.CONTROL, 9, 11, 40)]


def test_volume_and_expression_both_have_to_be_up_for_a_channel_to_sound():
    gate = VoiceGate()
    gate.filter([ev(0, control(2, 7, 0)), ev(0, control(2, 11, 0)), ev(5, note_on(2, 70, 100))])
    assert kinds(gate.filter([ev(64, control(2, 11, 100))])) == [(64, Kind.CONTROL, 2, 11, 100)]
    assert gate.is_virtual(2)
    sent = gate.filter([ev(128, control(2, 7, 100))])
    assert kinds(sent) == [(128, Kind.CONTROL, 2, 7, 100), (128, Kind.NOTE_ON, 2, 70, 100)]


message = st.one_of(
    st.tuples(st.just("on"), st.integers(0, 3), st.integers(58, 62)),
    st.tuples(st.just("off"), st.integers(0, 3), st.integers(58, 62)),
    st.tuples(st.just("gain"), st.integers(0, 3), st.sampled_from([0, 0, 1, 64, 127])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(message, max_size=60))
def test_the_synth_never_gets_an_unmatched_note_off_and_holds_only_what_the_music_holds(script):
    gate, sounding, held = VoiceGate(no_restrike_channels=(3,)), set(), set()
    for frame, (kind, channel, x) in enumerate(script):
        if kind == "on":
            event = note_on(channel, x, 100)
            held.add((channel, x))
        elif kind == "off":
            event = note_off(channel, x)
            held.discard((channel, x))
        else:
            event = control(channel, 11, x)
        for timed in gate.filter([ev(frame, event)]):
            e = timed.event
            if e.kind == Kind.NOTE_ON:
                sounding.add((e.channel, e.a))
            elif e.kind == Kind.NOTE_OFF:
                assert (e.channel, e.a) in sounding      # never a stray note-off
                sounding.discard((e.channel, e.a))
            elif e.kind == Kind.CONTROL and e.a == ALL_SOUND_OFF:
                sounding = {k for k in sounding if k[0] != e.channel}
        assert sounding <= held
        for channel in range(3):   # re-struck channels: exactly what the music holds, when audible
            if not gate.is_virtual(channel):
                assert {k for k in sounding if k[0] == channel} == {k for k in held if k[0] == channel}
    for channel, pitch in sorted(held):
        for timed in gate.filter([ev(len(script), note_off(channel, pitch))]):
            sounding.discard((timed.event.channel, timed.event.a))
    assert not sounding


def test_the_player_stops_a_faded_out_layer_in_the_synth_and_brings_it_back():
    from engine.music.intent import Intent
    from engine.playback.player import Player

    synth = RecordingSynth()
    p = Player(FakeComposer(), synth, Intent(intensity=0.0, layers=("pad", "counter")))
    out = np.zeros((256, 2), dtype=np.float32)
    for _ in range(100):
        p.render_into(out)
    counter = 3
    sent = [t.event for t in synth.events if t.event.channel == counter]
    assert any(e.kind == Kind.CONTROL and e.a == ALL_SOUND_OFF for e in sent)
    assert not any(e.kind == Kind.NOTE_ON for e in sent)
    assert p.voices.notes_skipped > 0
    p.set_intensity(1.0, fade_s=0.2)
    for _ in range(100):
        p.render_into(out)
    assert any(t.event.kind == Kind.NOTE_ON and t.event.channel == counter for t in synth.events)


def test_fluidsynth_runs_no_voices_for_a_silent_layer():
    from engine.music.intent import Intent
    from engine.playback.player import Player

    with real_synth() as synth:
        layers = ("pad", "bass", "melody", "counter")
        quiet = Player(FakeComposer(), synth, dataclasses.replace(Intent(), intensity=0.0, layers=layers))
        out = np.zeros((256, 2), dtype=np.float32)
        voices = []
        for _ in range(400):
            quiet.render_into(out)
            voices.append(synth._fl.fluid_synth_get_active_voice_count(synth._handle))
        # only the pad is in: its voices, nothing from the silent layers
        pad_notes = max(len([k for k in quiet.sequencer.sounding if k[0] == 0]), 1)
        assert max(voices[100:]) <= 4 * pad_notes + 8
        assert quiet.voices.channels_silenced == 4   # bass, melody, counter and percussion
