"""Authored music the player can play instead of composed bars: ``Segment``.

A segment is MIDI written by hand (an intro, a loop, an outro, a transition fill):
channel messages at ticks from its start, a length in bars of its own meter, and
whether it loops. Its ticks follow the engine's tempo map, so it plays in time with
the composed music around it. Checked once when built: every note-on gets a note-off
inside the segment (a missing or late one is moved to the segment's end), so an
authored file cannot leave a note hanging.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from engine.music.events import Kind, MidiEvent, note_off
from engine.music.notes import Meter


@dataclass(frozen=True, slots=True)
class Segment:
    """Authored events as (tick from the segment start, MidiEvent), ``length_bars``
    bars of ``meter``; ``tempo_bpm`` None keeps the tempo in force; ``loop`` repeats
    it until the next transition."""

    name: str
    events: tuple[tuple[int, MidiEvent], ...]
    length_bars: int
    meter: Meter = Meter()
    loop: bool = False
    tempo_bpm: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.length_bars, bool) or not isinstance(self.length_bars, int) or self.length_bars < 1:
            raise ValueError(f"segment {self.name!r}: length_bars {self.length_bars!r} must be an int >= 1")
        if self.tempo_bpm is not None and not 20.0 <= self.tempo_bpm <= 300.0:
            raise ValueError(f"segment {self.name!r}: tempo_bpm {self.tempo_bpm} is outside 20..300")
        object.__setattr__(self, "events", _paired(self.events, self.length_ticks))

    @property
    def length_ticks(self) -> int:
        return self.length_bars * self.meter.ticks_per_bar

    def bar_events(self, offset: int) -> list[tuple[int, MidiEvent]]:
        """Events of bar ``offset`` (0-based) as (tick within that bar, event); the last
        bar also takes the events at the segment's very end (its closing note-offs)."""
        tpb = self.meter.ticks_per_bar
        lo, hi = offset * tpb, (offset + 1) * tpb
        last = offset == self.length_bars - 1
        return [(t - lo, e) for t, e in self.events if lo <= t < hi or (last and t == hi)]

    @classmethod
    def from_song(cls, song, name: str = "", *, length_bars: int | None = None, loop: bool = False,
                  keep_tempo: bool = False) -> Segment:
        """A segment from a ``engine.music.midi.Song``: all tracks merged, the song's
        first meter, its length rounded up to whole bars unless given, its first tempo
        unless ``keep_tempo``."""
        meter = song.meters[0][1]
        events = sorted(((t, e) for track in song.tracks for t, e in track.events), key=lambda te: (te[0], te[1].kind))
        if length_bars is None:
            length_bars = max(1, math.ceil(song.end_tick / meter.ticks_per_bar))
        tempo = None if keep_tempo else song.tempo_map.segments[0].bpm
        return cls(name, tuple(events), length_bars, meter, loop, tempo)

    @classmethod
    def from_midi(cls, path: str | os.PathLike, name: str | None = None, **kwargs) -> Segment:
        """Read a standard MIDI file (see ``from_song`` for the options)."""
        from engine.music.midi import read_midi

        return cls.from_song(read_midi(path), os.path.basename(os.fspath(path)) if name is None else name, **kwargs)


def _paired(events, length_ticks: int) -> tuple[tuple[int, MidiEvent], ...]:
    """Sort, drop what lies past the end, and close every note inside the segment."""
    out: list[tuple[int, MidiEvent]] = []
    sounding: set[tuple[int, int]] = set()
    for tick, event in sorted(events, key=lambda te: (te[0], te[1].kind)):
        if not isinstance(event, MidiEvent) or isinstance(tick, bool) or not isinstance(tick, int) or tick < 0:
            raise TypeError(f"segment events must be (tick >= 0, MidiEvent), got {(tick, event)!r}")
        key = (event.channel, event.a)
        if tick >= length_ticks and not (tick == length_ticks and event.kind == Kind.NOTE_OFF):
            continue
        if event.kind == Kind.NOTE_ON:
            sounding.add(key)
        elif event.kind == Kind.NOTE_OFF:
            if key not in sounding:
                continue
            sounding.discard(key)
        out.append((tick, event))
    out.extend((length_ticks, note_off(ch, pitch)) for ch, pitch in sorted(sounding))
    return tuple(out)
