"""A short example piece written by code: melody, chords, bass and drums in C major.

``example_song(bars)`` is deterministic (a fixed seed), so the demo, the benchmark and
the tests hear the same notes. 14 bars at 125 bpm last about 27 s.
"""

from __future__ import annotations

import random

from engine.music.events import MidiEvent, control, note_off, note_on, program
from engine.music.keys import CHORD_QUALITIES, MODES
from engine.music.midi import Song, Track
from engine.music.notes import PPQ, Meter
from engine.music.tempo import TempoMap

TEMPO_BPM = 125.0  # 480000 µs per quarter: a whole number, so MIDI round trips exactly
BAR_TICKS = 4 * PPQ
PROGRESSION = ((0, "maj"), (9, "min"), (5, "maj"), (7, "dom7"))  # I vi IV V7
MELODY, CHORDS, BASS, DRUMS = 0, 1, 2, 9
KICK, SNARE, HAT, CRASH = 36, 38, 42, 49


def example_song(bars: int = 14, seed: int = 7) -> Song:
    """The example piece, ``bars`` bars of 4/4 (>= 1), as a four-track ``Song``."""
    if isinstance(bars, bool) or not isinstance(bars, int) or bars < 1:
        raise ValueError(f"example bars: {bars!r} must be an int >= 1")
    rng = random.Random(seed)
    tracks = (
        _track("melody", MELODY, 73, _melody(bars, rng)),
        _track("chords", CHORDS, 48, _chords(bars)),
        _track("bass", BASS, 33, _bass(bars)),
        _track("drums", DRUMS, 0, _drums(bars)),
    )
    return Song(TempoMap.constant(TEMPO_BPM), ((0, Meter(4, 4)),), tracks)


def _track(name: str, channel: int, number: int, notes: list[tuple[int, int, int, int]]) -> Track:
    """Notes as (start, duration, pitch, velocity) → a sorted track with set-up first."""
    events: list[tuple[int, MidiEvent]] = [(0, program(channel, number)), (0, control(channel, 7, 100))]
    for start, duration, pitch, velocity in notes:
        events.append((start, note_on(channel, pitch, velocity)))
        events.append((start + duration, note_off(channel, pitch)))
    events.sort(key=lambda item: (item[0], item[1]))
    return Track(name, tuple(events))


def _chord_at(bar: int) -> tuple[int, str]:
    return PROGRESSION[bar % len(PROGRESSION)]


def _melody(bars: int, rng: random.Random) -> list[tuple[int, int, int, int]]:
    scale = [60 + step for step in MODES["major"]] + [72 + step for step in MODES["major"]]
    notes, index = [], 4
    for bar in range(bars):
        root, quality = _chord_at(bar)
        tones = {(root + step) % 12 for step in CHORD_QUALITIES[quality]}
        tick = bar * BAR_TICKS
        for duration in rng.choice(((PPQ,) * 4, (PPQ // 2,) * 8, (PPQ, PPQ // 2, PPQ // 2, 2 * PPQ))):
            index = min(max(index + rng.choice((-2, -1, -1, 1, 1, 2)), 0), len(scale) - 1)
            if tick % PPQ == 0 and scale[index] % 12 not in tones:  # chord tones on the beat
                index = min(index + 1, len(scale) - 1)
            notes.append((tick, duration - 10, scale[index], rng.randint(80, 105)))
            tick += duration
    return notes


def _chords(bars: int) -> list[tuple[int, int, int, int]]:
    notes = []
    for bar in range(bars):
        root, quality = _chord_at(bar)
        for step in CHORD_QUALITIES[quality]:
            pitch = 48 + (root + step) % 12 + (12 if (root + step) % 12 < 5 else 0)
            notes.append((bar * BAR_TICKS, BAR_TICKS - 20, pitch, 70))
    return notes


def _bass(bars: int) -> list[tuple[int, int, int, int]]:
    notes = []
    for bar in range(bars):
        root, quality = _chord_at(bar)
        fifth = root + CHORD_QUALITIES[quality][2]
        for beat, pitch in enumerate((root, root, fifth, root + 12)):
            notes.append((bar * BAR_TICKS + beat * PPQ, PPQ - 40, 36 + pitch % 24, 100))
    return notes


def _drums(bars: int) -> list[tuple[int, int, int, int]]:
    notes = [(0, PPQ, CRASH, 100)]
    for bar in range(bars):
        start = bar * BAR_TICKS
        for eighth in range(8):
            notes.append((start + eighth * PPQ // 2, PPQ // 4, HAT, 70 if eighth % 2 else 90))
        notes += [(start, PPQ // 2, KICK, 110), (start + 2 * PPQ + PPQ // 2, PPQ // 2, KICK, 95)]
        notes += [(start + PPQ, PPQ // 2, SNARE, 105), (start + 3 * PPQ, PPQ // 2, SNARE, 105)]
    notes.append((bars * BAR_TICKS, PPQ, CRASH, 100))
    notes.append((bars * BAR_TICKS, PPQ, KICK, 110))
    return notes


MAX_BARS = 1024


def add_arguments(parser) -> None:
    from engine.cli_types import bounded_int

    bars = bounded_int(1, MAX_BARS)
    parser.add_argument("output", metavar="OUT.mid", help="MIDI file to write")
    parser.add_argument("--bars", type=bars, default=14, help=f"length in bars of 4/4, {bars.span} (default 14, about 27 s)")


def run(args) -> int:
    from pathlib import Path

    from engine.music.midi import write_midi

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_midi(example_song(args.bars), args.output)
    print(f"wrote {args.output}: {args.bars} bars")
    return 0
