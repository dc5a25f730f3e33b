"""The arranger: one key-neutral Bar + Intent -> timed MIDI events over five layers.

Layers (``engine.music.intent.LAYERS``): a sustained pad voicing of each chord, a bass
line on roots and fifths whose motion follows arousal, the composed melody, a counter
arpeggio of chord tones, and GM percussion on channel 9 whose pattern follows arousal
and the meter. Programs come from ``intent.instrumentation`` (data); velocity and
register follow intensity; every pitch is moved into the intent's key by
``key.transpose_offset()`` (the composer already wrote in the intent's mode).

Every layer the intent allows is written out, whether or not intensity lets it be
heard: ``layer_gains`` says which are in, and the player fades them with CC 11, as a
vertical-layering engine fades stems that keep playing underneath (a layer held at
gain 0 costs no synthesis: see ``engine.playback.voices``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from engine.music.events import TimedEvent, note_off, note_on, program
from engine.music.intent import DEFAULT_PROGRAMS, LAYERS, Intent
from engine.music.notes import Bar, Chord

LAYER_CHANNELS: dict[str, int] = {"pad": 0, "bass": 1, "melody": 2, "counter": 3, "percussion": 9}
"""MIDI channel (0-based) of each layer; GM drums are channel 9."""

KICK, SIDE_STICK, SNARE, CLOSED_HAT, OPEN_HAT, CRASH = 36, 37, 38, 42, 46, 49


@dataclass(frozen=True, slots=True)
class ArrangerConfig:
    """Channels per layer, and the bar index period of a crash cymbal."""

    channels: tuple[tuple[str, int], ...] = tuple(LAYER_CHANNELS.items())
    crash_every_bars: int = 8

    def channel(self, layer: str) -> int:
        return dict(self.channels)[layer]


def active_layers(intent: Intent) -> tuple[str, ...]:
    """The layers intensity lets in: of the allowed ones (in LAYERS order), layer i of n
    is in when intensity >= i / n; the first allowed layer is always in."""
    allowed = [layer for layer in LAYERS if layer in intent.layers]
    n = len(allowed)
    return tuple(layer for i, layer in enumerate(allowed) if i == 0 or intent.intensity >= i / n)


def layer_gains(intent: Intent) -> dict[str, float]:
    """Target gain 0..1 of every layer for ``intent`` (1 in, 0 out)."""
    active = set(active_layers(intent))
    return {layer: 1.0 if layer in active else 0.0 for layer in LAYERS}


@dataclass(slots=True)
class _Notes:
    """Notes of one bar as (layer, start_tick, end_tick, pitch, velocity)."""

    items: list[tuple[str, int, int, int, int]] = field(default_factory=list)

    def add(self, layer: str, start: int, end: int, pitch: int, velocity: int) -> None:
        if end > start and 0 <= pitch <= 127:
            self.items.append((layer, start, end, pitch, max(1, min(127, int(velocity)))))


class Arranger:
    """Pure: ``arrange`` depends only on its arguments."""

    def __init__(self, config: ArrangerConfig = ArrangerConfig()):
        self.config = config

    def arrange(self, bar: Bar, intent: Intent, frame_of_tick: Callable[[int], int], *,
                bar_index: int = 0, from_frame: int = 0) -> list[TimedEvent]:
        """Timed events for ``bar`` under ``intent``. ``frame_of_tick(tick)`` places a
        tick of this bar on the clock. Notes starting before ``from_frame`` are left
        out (a bar recomposed after a mid-bar transition), except the pad, which is
        re-struck at ``from_frame`` so the harmony does not drop out."""
        notes = self.notes(bar, intent, bar_index)
        bar_frame = frame_of_tick(0)
        events = [TimedEvent(max(bar_frame, from_frame), self._program(layer, intent))
                  for layer in LAYERS if layer in intent.layers]
        cache: dict[int, int] = {}
        for layer, start, end, pitch, velocity in notes.items:
            f0 = cache.get(start) if start in cache else cache.setdefault(start, frame_of_tick(start))
            f1 = cache.get(end) if end in cache else cache.setdefault(end, frame_of_tick(end))
            if f0 < from_frame:
                if layer != "pad" or f1 <= from_frame:
                    continue
                f0 = from_frame
            if f1 <= f0:
                continue
            channel = self.config.channel(layer)
            events.append(TimedEvent(f0, note_on(channel, pitch, velocity)))
            events.append(TimedEvent(f1, note_off(channel, pitch)))
        events.sort()
        return events

    def _program(self, layer: str, intent: Intent):
        number = intent.instrumentation.program(layer)
        return program(self.config.channel(layer), DEFAULT_PROGRAMS[layer] if number is None else number)

    def notes(self, bar: Bar, intent: Intent, bar_index: int) -> _Notes:
        """Every layer's notes for ``bar`` in ticks (all allowed layers, audible or not)."""
        notes, offset = _Notes(), intent.key.transpose_offset()
        layers = set(intent.layers)
        for chord in bar.harmony:
            if "pad" in layers:
                _pad(notes, chord, offset, intent)
            if "bass" in layers:
                _bass(notes, chord, offset, intent, bar)
            if "counter" in layers:
                _counter(notes, chord, offset, intent, bar)
        if "melody" in layers:
            lift = 12 if intent.intensity > 0.75 else 0
            scale = 0.75 + 0.4 * intent.intensity
            for note in bar.melody:
                notes.add("melody", note.start_ticks, note.end_ticks, note.pitch + offset + lift, note.velocity * scale)
        if "percussion" in layers:
            _percussion(notes, bar, intent, bar_index, self.config.crash_every_bars)
        return notes


def _voicing(chord: Chord, offset: int, low: int) -> list[int]:
    """Close voicing of the chord's pitch classes, each in low..low+11."""
    return sorted(low + (pc + offset - low) % 12 for pc in chord.pitch_classes())


def _pad(notes: _Notes, chord: Chord, offset: int, intent: Intent) -> None:
    low = 52 + round(6 * intent.intensity)
    velocity = 42 + 40 * intent.intensity
    pitches = _voicing(chord, offset, low)
    if intent.intensity > 0.6:
        pitches.append(pitches[0] + 12)
    for pitch in pitches:
        notes.add("pad", chord.start_ticks, chord.end_ticks, pitch, velocity)


def _bass(notes: _Notes, chord: Chord, offset: int, intent: Intent, bar: Bar) -> None:
    root = 33 + (chord.root_pc + offset - 9) % 12      # A1..G#2
    fifth = root + (7 if chord.quality not in ("dim", "hdim7") else 6)
    velocity = 60 + 45 * intent.intensity
    if intent.arousal < 0.35:
        notes.add("bass", chord.start_ticks, chord.end_ticks, root, velocity)
        return
    step = bar.meter.ticks_per_beat
    if intent.arousal >= 0.7:
        step //= 3 if bar.meter.is_compound else 2
    pattern = (root, root, fifth, root + 12) if intent.arousal >= 0.7 else (root, fifth)
    for i, tick in enumerate(range(chord.start_ticks, chord.end_ticks, step)):
        end = min(tick + step * 9 // 10, chord.end_ticks)
        notes.add("bass", tick, end, pattern[i % len(pattern)], velocity + (8 if i == 0 else 0))


def _counter(notes: _Notes, chord: Chord, offset: int, intent: Intent, bar: Bar) -> None:
    low = 67 + (12 if intent.intensity > 0.8 else 0)
    tones = _voicing(chord, offset, low)
    cycle = tones + [tones[0] + 12] + tones[:0:-1]   # up and back down
    step = bar.meter.ticks_per_beat
    if intent.arousal >= 0.5:
        step //= 3 if bar.meter.is_compound else 2
    velocity = 44 + 40 * intent.intensity
    for i, tick in enumerate(range(chord.start_ticks, chord.end_ticks, step)):
        notes.add("counter", tick, min(tick + step, chord.end_ticks), cycle[i % len(cycle)], velocity)


def _percussion(notes: _Notes, bar: Bar, intent: Intent, bar_index: int, crash_every: int) -> None:
    meter, arousal = bar.meter, intent.arousal
    beats, beat = meter.beats_per_bar, meter.ticks_per_beat
    sub = 3 if meter.is_compound else 2
    hit = beat // 4
    velocity = 60 + 50 * intent.intensity
    if crash_every and bar_index % crash_every == 0 and intent.intensity > 0.7:
        notes.add("percussion", 0, hit, CRASH, velocity)
    for b in range(beats):
        t = b * beat
        if b == 0 or (beats == 4 and b == 2):
            notes.add("percussion", t, t + hit, KICK, velocity + 10)
        elif beats > 1 and (b % 2 == 1 or beats == 3):
            notes.add("percussion", t, t + hit, SNARE if arousal >= 0.3 else SIDE_STICK, velocity)
        hats = 1 if arousal < 0.4 else sub if arousal < 0.75 else 2 * sub
        for h in range(hats):
            ht = t + h * beat // hats
            open_hat = arousal > 0.8 and b == beats - 1 and h == hats - 1
            notes.add("percussion", ht, ht + beat // hats // 2 or 1, OPEN_HAT if open_hat else CLOSED_HAT,
                      velocity * (0.8 if h else 0.95))
