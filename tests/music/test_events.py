"""Timed MIDI events: the note-offs that end what sounds across a frame."""

from __future__ import annotations

from engine.music.events import TimedEvent, note_off, note_on, releases_at


def test_releases_at_ends_only_the_notes_sounding_across_the_frame():
    events = [TimedEvent(0, note_on(0, 60, 90)), TimedEvent(10, note_on(1, 64, 90)), TimedEvent(20, note_off(0, 60)),
              TimedEvent(30, note_on(0, 67, 90)), TimedEvent(50, note_off(1, 64))]
    assert releases_at(events, 40) == [TimedEvent(40, note_off(0, 67)), TimedEvent(40, note_off(1, 64))]
    assert releases_at(events, 25) == [TimedEvent(25, note_off(1, 64))]
    assert releases_at(events, 0) == []
