"""Stingers: short motifs played over the music on their own channel.

A stinger is either authored (events at ticks, e.g. from a MIDI file) or generated
from the harmony sounding where it lands: a rising arpeggio of the current chord in
the current key. It lands on the next beat or bar, may duck the music under it (a
CC 11 dip on the layer channels) and will not re-trigger within ``min_interval_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.music.events import MidiEvent, note_off, note_on, program
from engine.music.notes import PPQ, Chord
from engine.music.sync import STINGER_SYNC_POINTS, SyncPoint

STINGER_CHANNEL = 15


@dataclass(frozen=True, slots=True)
class Stinger:
    """How a stinger sounds and behaves. ``events`` empty: generated from the harmony.

    ``duck_gain`` is the music's gain under the stinger (1.0: no ducking); the dip
    takes ``duck_attack_s`` and recovers over ``duck_release_s`` after the motif.
    """

    name: str = "stinger"
    events: tuple[tuple[int, MidiEvent], ...] = ()
    sync: SyncPoint = SyncPoint.NEXT_BEAT
    program: int = 61            # GM brass section (0-based)
    channel: int = STINGER_CHANNEL
    velocity: int = 105
    duck_gain: float = 0.5
    duck_attack_s: float = 0.03
    duck_release_s: float = 0.4
    min_interval_s: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sync", SyncPoint.parse(self.sync))
        if not self.sync.rule.stinger:
            raise ValueError(f"stinger {self.name!r}: sync {self.sync.value} must be one of {', '.join(STINGER_SYNC_POINTS)}")
        if not 0 <= self.channel <= 15:
            raise ValueError(f"stinger {self.name!r}: channel {self.channel} is outside 0..15")
        if not 0.0 <= self.duck_gain <= 1.0:
            raise ValueError(f"stinger {self.name!r}: duck_gain {self.duck_gain} is outside 0..1")
        if self.min_interval_s < 0 or self.duck_attack_s < 0 or self.duck_release_s < 0:
            raise ValueError(f"stinger {self.name!r}: times must be >= 0")

    def motif(self, chord: Chord | None, transpose: int) -> list[tuple[int, MidiEvent]]:
        """The stinger's events as (tick from its start, event), program change first."""
        head = [(0, program(self.channel, self.program))] if self.channel != 9 else []
        if self.events:
            return head + [(t, _on_channel(e, self.channel)) for t, e in self.events]
        return head + arpeggio(chord, transpose, self.channel, self.velocity)

    def length_ticks(self, chord: Chord | None = None) -> int:
        return max((t for t, _ in self.motif(chord, 0)), default=0)


def arpeggio(chord: Chord | None, transpose: int, channel: int, velocity: int) -> list[tuple[int, MidiEvent]]:
    """A rising arpeggio of ``chord`` (tonic triad when None) in sixteenths, the top held."""
    pcs = chord.pitch_classes()[:3] if chord is not None else (0, 4, 7)
    low = 60
    pitches = sorted(low + (pc + transpose - low) % 12 for pc in pcs)
    pitches.append(pitches[0] + 12)
    step, events = PPQ // 4, []
    for i, pitch in enumerate(pitches):
        start = i * step
        end = start + (step if i < len(pitches) - 1 else PPQ * 2)
        events.append((start, note_on(channel, pitch, min(127, velocity + 4 * i))))
        events.append((end, note_off(channel, pitch)))
    return sorted(events, key=lambda te: (te[0], te[1].kind))


def _on_channel(event: MidiEvent, channel: int) -> MidiEvent:
    """Authored melodic events move to the stinger channel; drums stay on channel 9."""
    if event.channel == 9:
        return event
    return MidiEvent(event.kind, channel, event.a, event.b)
