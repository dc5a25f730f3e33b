"""Channel messages stamped with the sample frame at which they must sound.

Kinds sort so that, within one frame, note-offs come first (a re-struck pitch
works), then program, control and pitch-bend set-up, then note-ons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Kind(IntEnum):
    NOTE_OFF = 0
    PROGRAM = 1
    CONTROL = 2
    PITCH_BEND = 3
    NOTE_ON = 4


@dataclass(frozen=True, slots=True, order=True)
class MidiEvent:
    """One channel message. ``a``/``b``: pitch/velocity, program/bank, control/value, bend/0.

    Channels are 0-based (GM drums are channel 9); pitch bend is 0..16383, centre 8192.
    """

    kind: Kind
    channel: int
    a: int = 0
    b: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.channel <= 15:
            raise ValueError(f"MIDI channel: {self.channel} is outside 0..15")
        hi = 16383 if self.kind == Kind.PITCH_BEND else 127
        if not 0 <= self.a <= hi:
            raise ValueError(f"{self.kind.name.lower()} value: {self.a} is outside 0..{hi}")
        if not 0 <= self.b <= (16383 if self.kind == Kind.PROGRAM else 127):
            raise ValueError(f"{self.kind.name.lower()} second value: {self.b} is out of range")


def note_on(channel: int, pitch: int, velocity: int) -> MidiEvent:
    return MidiEvent(Kind.NOTE_ON, channel, pitch, velocity)


def note_off(channel: int, pitch: int) -> MidiEvent:
    return MidiEvent(Kind.NOTE_OFF, channel, pitch, 0)


def program(channel: int, number: int, bank: int = 0) -> MidiEvent:
    return MidiEvent(Kind.PROGRAM, channel, number, bank)


def control(channel: int, number: int, value: int) -> MidiEvent:
    return MidiEvent(Kind.CONTROL, channel, number, value)


@dataclass(frozen=True, slots=True, order=True)
class TimedEvent:
    """A message and the sample frame at which it sounds."""

    frame: int
    event: MidiEvent

    def __post_init__(self) -> None:
        if self.frame < 0:
            raise ValueError(f"event frame: {self.frame} must be >= 0")


def releases_at(events: list[TimedEvent], frame: int) -> list[TimedEvent]:
    """Note-offs at ``frame`` for the notes of ``events`` (in time order) sounding across it."""
    sounding: set[tuple[int, int]] = set()
    for timed in events:
        if timed.frame >= frame:
            break
        key = (timed.event.channel, timed.event.a)
        if timed.event.kind == Kind.NOTE_ON:
            sounding.add(key)
        elif timed.event.kind == Kind.NOTE_OFF:
            sounding.discard(key)
    return [TimedEvent(frame, note_off(channel, pitch)) for channel, pitch in sorted(sounding)]
