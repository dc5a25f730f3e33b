"""The arranger: one key-neutral Bar + Intent -> timed MIDI events over five layers.

Layers (``engine.music.intent.LAYERS``): a sustained pad voicing of each chord, a bass
line on roots and fifths whose motion follows arousal, the composed melody, a counter
arpeggio of chord tones, and GM percussion on channel 9 whose pattern follows arousal
and the meter. Programs come from ``intent.instrumentation`` (data); velocity and
register follow intensity; every pitch is moved into the intent's key by
``key.transpose_offset()`` (the composer already wrote in the intent's mode).

Layers are a table (``LAYER_SPECS``): a row per layer (name, channel, default program,
when it comes in) and a writer function per layer, all with one signature
(``LayerWriter``). A new layer is its name in ``LAYERS`` (``engine/music/intent.py``,
where scores and intents read the vocabulary), one row and one writer here.

Every layer the intent allows is written out, whether or not intensity lets it be
heard: ``layer_gains`` says which are in, and the player fades them with CC 11, as a
vertical-layering engine fades stems that keep playing underneath (a layer held at
gain 0 costs no synthesis: see ``engine.playback.voices``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from engine.music.events import TimedEvent, note_off, note_on, program
from engine.music.intent import DEFAULT_PROGRAMS, LAYERS, Intent
from engine.music.notes import Bar, Chord

KICK, SIDE_STICK, SNARE, CLOSED_HAT, OPEN_HAT, CRASH = 36, 37, 38, 42, 46, 49


@dataclass(frozen=True, slots=True)
class BarContext:
    """What a layer writer knows besides the bar and the intent: the semitones from C
    to the intent's key, the bar's index, and the arranger's settings."""

    transpose: int
    bar_index: int
    crash_every_bars: int


NoteSpec = tuple[int, int, int, float]
"""(start tick, end tick, MIDI pitch, velocity) of one note of a layer."""

LayerWriter = Callable[[Bar, Intent, BarContext], Iterable[NoteSpec]]
"""Writes one layer's notes for a bar: the one signature every layer shares."""


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """A layer: its name (one of ``LAYERS``), MIDI channel (0-based; 9 is GM drums),
    default program (0-based GM, when the mood names none), its writer, and when it
    comes in: ``enters_at`` intensity, or None for the default rule (of the n layers a
    state allows, the i-th, counted from 0 in table order, comes in at i / n, so the
    first is always in). ``held``: its notes sounding across a mid-bar landing are
    struck again there (so the harmony does not drop out). ``percussive``: after a
    fade to silence its held notes are not struck again (a late drum hit is wrong)."""

    name: str
    channel: int
    program: int
    write: LayerWriter
    enters_at: float | None = None
    held: bool = False
    percussive: bool = False

    def entry(self, index: int, allowed: int) -> float:
        """The intensity at which this layer, ``index`` of ``allowed``, comes in."""
        return self.enters_at if self.enters_at is not None else index / allowed


def _voicing(chord: Chord, offset: int, low: int) -> list[int]:
    """Close voicing of the chord's pitch classes, each in low..low+11."""
    return sorted(low + (pc + offset - low) % 12 for pc in chord.pitch_classes())


def write_pad(bar: Bar, intent: Intent, at: BarContext) -> Iterable[NoteSpec]:
    """A sustained close voicing of each chord, higher and louder with intensity."""
    low = 52 + round(6 * intent.intensity)
    velocity = 42 + 40 * intent.intensity
    for chord in bar.harmony:
        pitches = _voicing(chord, at.transpose, low)
        if intent.intensity > 0.6:
            pitches.append(pitches[0] + 12)
        for pitch in pitches:
            yield chord.start_ticks, chord.end_ticks, pitch, velocity


def write_bass(bar: Bar, intent: Intent, at: BarContext) -> Iterable[NoteSpec]:
    """Roots and fifths: held when calm, on beats, then on off-beats as arousal rises."""
    velocity = 60 + 45 * intent.intensity
    for chord in bar.harmony:
        root = 33 + (chord.root_pc + at.transpose - 9) % 12      # A1..G#2
        fifth = root + (7 if chord.quality not in ("dim", "hdim7") else 6)
        if intent.arousal < 0.35:
            yield chord.start_ticks, chord.end_ticks, root, velocity
            continue
        step = bar.meter.ticks_per_beat
        if intent.arousal >= 0.7:
            step //= 3 if bar.meter.is_compound else 2
        pattern = (root, root, fifth, root + 12) if intent.arousal >= 0.7 else (root, fifth)
        for i, tick in enumerate(range(chord.start_ticks, chord.end_ticks, step)):
            end = min(tick + step * 9 // 10, chord.end_ticks)
            yield tick, end, pattern[i % len(pattern)], velocity + (8 if i == 0 else 0)


def write_melody(bar: Bar, intent: Intent, at: BarContext) -> Iterable[NoteSpec]:
    """The composed melody, an octave up at high intensity, louder with it."""
    lift = 12 if intent.intensity > 0.75 else 0
    scale = 0.75 + 0.4 * intent.intensity
    for note in bar.melody:
        yield note.start_ticks, note.end_ticks, note.pitch + at.transpose + lift, note.velocity * scale


def write_counter(bar: Bar, intent: Intent, at: BarContext) -> Iterable[NoteSpec]:
    """An arpeggio of chord tones, up and back down, faster with arousal."""
    low = 67 + (12 if intent.intensity > 0.8 else 0)
    step = bar.meter.ticks_per_beat
    if intent.arousal >= 0.5:
        step //= 3 if bar.meter.is_compound else 2
    velocity = 44 + 40 * intent.intensity
    for chord in bar.harmony:
        tones = _voicing(chord, at.transpose, low)
        cycle = tones + [tones[0] + 12] + tones[:0:-1]   # up and back down
        for i, tick in enumerate(range(chord.start_ticks, chord.end_ticks, step)):
            yield tick, min(tick + step, chord.end_ticks), cycle[i % len(cycle)], velocity


def write_percussion(bar: Bar, intent: Intent, at: BarContext) -> Iterable[NoteSpec]:
    """Kick, snare (side stick when calm) and hats whose density follows arousal and
    the meter; a crash every ``crash_every_bars`` bars at high intensity."""
    meter, arousal = bar.meter, intent.arousal
    beats, beat = meter.beats_per_bar, meter.ticks_per_beat
    sub = 3 if meter.is_compound else 2
    hit = beat // 4
    velocity = 60 + 50 * intent.intensity
    if at.crash_every_bars and at.bar_index % at.crash_every_bars == 0 and intent.intensity > 0.7:
        yield 0, hit, CRASH, velocity
    for b in range(beats):
        t = b * beat
        if b == 0 or (beats == 4 and b == 2):
            yield t, t + hit, KICK, velocity + 10
        elif beats > 1 and (b % 2 == 1 or beats == 3):
            yield t, t + hit, SNARE if arousal >= 0.3 else SIDE_STICK, velocity
        hats = 1 if arousal < 0.4 else sub if arousal < 0.75 else 2 * sub
        for h in range(hats):
            ht = t + h * beat // hats
            open_hat = arousal > 0.8 and b == beats - 1 and h == hats - 1
            yield ht, ht + beat // hats // 2 or 1, OPEN_HAT if open_hat else CLOSED_HAT, velocity * (0.8 if h else 0.95)


LAYER_SPECS: tuple[LayerSpec, ...] = (
    LayerSpec("pad", 0, DEFAULT_PROGRAMS["pad"], write_pad, held=True),
    LayerSpec("bass", 1, DEFAULT_PROGRAMS["bass"], write_bass),
    LayerSpec("melody", 2, DEFAULT_PROGRAMS["melody"], write_melody),
    LayerSpec("counter", 3, DEFAULT_PROGRAMS["counter"], write_counter),
    LayerSpec("percussion", 9, DEFAULT_PROGRAMS["percussion"], write_percussion, percussive=True),
)
"""The layers, from the ground up (the order intensity brings them in): one row each."""

assert tuple(spec.name for spec in LAYER_SPECS) == LAYERS, "one row per layer of engine.music.intent.LAYERS, in order"

LAYER_CHANNELS: dict[str, int] = {spec.name: spec.channel for spec in LAYER_SPECS}
"""MIDI channel (0-based) of each layer; GM drums are channel 9."""


@dataclass(frozen=True, slots=True)
class ArrangerConfig:
    """The layer table, and the bar index period of a crash cymbal."""

    layers: tuple[LayerSpec, ...] = LAYER_SPECS
    crash_every_bars: int = 8

    def channel(self, layer: str) -> int:
        return next(spec.channel for spec in self.layers if spec.name == layer)


def active_layers(intent: Intent, layers: tuple[LayerSpec, ...] = LAYER_SPECS) -> tuple[str, ...]:
    """The layers intensity lets in: of those the intent allows (in table order), each
    is in when intensity reaches its entry (``LayerSpec.entry``: i / n by default)."""
    allowed = [spec for spec in layers if spec.name in intent.layers]
    n = len(allowed)
    return tuple(spec.name for i, spec in enumerate(allowed) if intent.intensity >= spec.entry(i, n))


def layer_gains(intent: Intent, layers: tuple[LayerSpec, ...] = LAYER_SPECS) -> dict[str, float]:
    """Target gain 0..1 of every layer for ``intent`` (1 in, 0 out)."""
    active = set(active_layers(intent, layers))
    return {spec.name: 1.0 if spec.name in active else 0.0 for spec in layers}


@dataclass(slots=True)
class _Notes:
    """Notes of one bar as (layer, start_tick, end_tick, pitch, velocity)."""

    items: list[tuple[str, int, int, int, int]] = field(default_factory=list)

    def add(self, layer: str, start: int, end: int, pitch: int, velocity: float) -> None:
        if end > start and 0 <= pitch <= 127:
            self.items.append((layer, start, end, pitch, max(1, min(127, int(velocity)))))


class Arranger:
    """Pure: ``arrange`` depends only on its arguments."""

    def __init__(self, config: ArrangerConfig = ArrangerConfig()):
        self.config = config
        self._specs = {spec.name: spec for spec in config.layers}

    def arrange(self, bar: Bar, intent: Intent, frame_of_tick: Callable[[int], int], *,
                bar_index: int = 0, from_frame: int = 0) -> list[TimedEvent]:
        """Timed events for ``bar`` under ``intent``. ``frame_of_tick(tick)`` places a
        tick of this bar on the clock. Notes starting before ``from_frame`` are left
        out (a bar recomposed after a mid-bar transition), except those of ``held``
        layers (the pad), re-struck at ``from_frame`` so the harmony does not drop out."""
        notes = self.notes(bar, intent, bar_index)
        bar_frame = frame_of_tick(0)
        events = [TimedEvent(max(bar_frame, from_frame), self._program(spec, intent))
                  for spec in self.config.layers if spec.name in intent.layers]
        cache: dict[int, int] = {}
        for layer, start, end, pitch, velocity in notes.items:
            f0 = cache.get(start) if start in cache else cache.setdefault(start, frame_of_tick(start))
            f1 = cache.get(end) if end in cache else cache.setdefault(end, frame_of_tick(end))
            spec = self._specs[layer]
            if f0 < from_frame:
                if not spec.held or f1 <= from_frame:
                    continue
                f0 = from_frame
            if f1 <= f0:
                continue
            events.append(TimedEvent(f0, note_on(spec.channel, pitch, velocity)))
            events.append(TimedEvent(f1, note_off(spec.channel, pitch)))
        events.sort()
        return events

    def _program(self, spec: LayerSpec, intent: Intent):
        number = intent.instrumentation.program(spec.name)
        return program(spec.channel, spec.program if number is None else number)

    def notes(self, bar: Bar, intent: Intent, bar_index: int) -> _Notes:
        """Every allowed layer's notes for ``bar`` in ticks (audible or not)."""
        notes = _Notes()
        at = BarContext(intent.key.transpose_offset(), bar_index, self.config.crash_every_bars)
        for spec in self.config.layers:
            if spec.name in intent.layers:
                for start, end, pitch, velocity in spec.write(bar, intent, at):
                    notes.add(spec.name, start, end, pitch, velocity)
        return notes
