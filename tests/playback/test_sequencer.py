from hypothesis import given, settings, strategies as st

from engine.music.events import Kind, TimedEvent, control, note_off, note_on
from engine.playback.sequencer import MUSIC_LANE, STINGER_LANE, Sequencer

from tests.playback.fakes import RecordingSynth

import numpy as np


def run(seq, synth, frames, block=256):
    out = np.zeros((block, 2), dtype=np.float32)
    for _ in range(frames // block):
        seq.render(synth, out)


def test_cancel_from_releases_notes_sounding_across_the_frame():
    seq, synth = Sequencer(), RecordingSynth()
    seq.schedule([TimedEvent(100, note_on(0, 60, 90)), TimedEvent(5000, note_off(0, 60)),
                  TimedEvent(3000, note_on(0, 64, 90)), TimedEvent(3100, note_off(0, 64))])
    assert seq.cancel_from(1000) == 1
    run(seq, synth, 6144)
    assert [(t.frame, t.event.kind, t.event.a) for t in synth.events] == [
        (100, Kind.NOTE_ON, 60), (1000, Kind.NOTE_OFF, 60)]
    assert synth.balance() == {} and not seq.sounding


def test_cancel_keeps_other_lanes():
    seq, synth = Sequencer(), RecordingSynth()
    seq.schedule([TimedEvent(0, note_on(0, 60, 90)), TimedEvent(4000, note_off(0, 60))], MUSIC_LANE)
    seq.schedule([TimedEvent(0, note_on(15, 72, 90)), TimedEvent(4000, note_off(15, 72))], STINGER_LANE)
    seq.cancel_from(2000, [MUSIC_LANE])
    run(seq, synth, 4096)
    offs = {(t.frame, t.event.channel) for t in synth.events if t.event.kind == Kind.NOTE_OFF}
    assert offs == {(2000, 0), (4000, 15)}


def test_restrike_sends_note_off_first_and_stray_offs_are_dropped():
    seq, synth = Sequencer(), RecordingSynth()
    seq.schedule([TimedEvent(0, note_on(1, 40, 90)), TimedEvent(10, note_on(1, 40, 90)),
                  TimedEvent(20, note_off(1, 40)), TimedEvent(30, note_off(1, 40))])
    run(seq, synth, 256)
    kinds = [(t.frame, t.event.kind) for t in synth.events]
    assert kinds == [(0, Kind.NOTE_ON), (10, Kind.NOTE_OFF), (10, Kind.NOTE_ON), (20, Kind.NOTE_OFF)]


ops = st.lists(st.tuples(st.sampled_from(["note", "cc", "cancel", "render"]),
                         st.integers(0, 20000), st.integers(1, 8000), st.integers(0, 3), st.integers(50, 60)),
               max_size=60)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_every_note_on_gets_its_note_off(script):
    seq, synth = Sequencer(), RecordingSynth()
    for op, at, length, channel, pitch in script:
        start = seq.frame + at
        if op == "note":
            seq.schedule([TimedEvent(start, note_on(channel, pitch, 80)),
                          TimedEvent(start + length, note_off(channel, pitch))], lane=channel % 2)
        elif op == "cc":
            seq.schedule([TimedEvent(start, control(channel, 11, 100))])
        elif op == "cancel":
            seq.cancel_from(start, None if channel == 3 else [channel % 2])
        else:
            run(seq, synth, length // 256 * 256)
    seq.cancel_from(seq.frame)
    run(seq, synth, 256)
    assert synth.balance() == {}
    assert not seq.sounding and seq.pending_count == 0


def test_one_note_struck_twice_at_one_frame_sounds_once_and_is_released():
    """Two stingers landing on one beat strike the same key at the same frame; a block's
    events are ordered note-offs first, so a re-strike there would leave one voice on."""
    seq, synth = Sequencer(), RecordingSynth()
    seq.schedule([TimedEvent(300, note_on(15, 60, 100))], STINGER_LANE)
    seq.schedule([TimedEvent(300, note_on(15, 60, 100)), TimedEvent(900, note_off(15, 60))], STINGER_LANE)
    out = np.zeros((256, 2), dtype=np.float32)
    for _ in range(8):
        seq.render(synth, out, extra=[TimedEvent(seq.frame, control(15, 11, 100))])
    assert synth.balance() == {}
    assert [e.event.kind for e in synth.events if e.event.a == 60] == [Kind.NOTE_ON, Kind.NOTE_OFF]
