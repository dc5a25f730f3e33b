"""Theme: a motif of 1-4 bars, as written, that a piece states, develops and brings back.

A ``Theme`` is a monophonic line in tonic-C space (key-neutral, like a ``Bar``) with
the mode and meter it was written in. It comes from an authored MIDI file
(``load_theme``: its notes, top line where they overlap, channel 10 ignored; its key
from the score, else the file's key signature, else the Krumhansl-Schmuckler
estimate) or is ``generated``: the opening bars the composer first writes in a themed
section (``theme_from_bars``). This is the motif alone, read and checked where the
score is loaded; how the composer states and develops it is ``engine.composer.themes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.music.keys import Key
from engine.music.notes import Bar, Meter

MAX_THEME_BARS = 4
GENERATED = "generated"

_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class Theme:
    """A motif in tonic-C space: notes as (pitch, start ticks, duration ticks) from its start."""

    name: str
    notes: tuple[tuple[int, int, int], ...]
    length_ticks: int
    minor: bool
    meter: Meter

    def __post_init__(self) -> None:
        if not self.notes:
            raise ValueError(f"theme {self.name}: it has no notes")
        if not 1 <= -(-self.length_ticks // self.meter.ticks_per_bar) <= MAX_THEME_BARS:
            bars = self.length_ticks / self.meter.ticks_per_bar
            raise ValueError(f"theme {self.name}: {bars:.1f} bars of {self.meter}; a theme is 1..{MAX_THEME_BARS} bars")

    @property
    def mode(self) -> str:
        return "minor" if self.minor else "major"


def estimate_key(notes: list[tuple[int, int, int]]) -> Key:
    """The Krumhansl-Schmuckler key of (pitch, start, duration) notes: the best-correlating major or minor profile."""
    weights = np.zeros(12)
    for pitch, _, duration in notes:
        weights[pitch % 12] += duration
    best = max(((np.corrcoef(weights, np.roll(profile, tonic))[0, 1], tonic, mode)
                for tonic in range(12) for profile, mode in ((_MAJOR_PROFILE, "major"), (_MINOR_PROFILE, "minor"))),
               key=lambda item: (np.nan_to_num(item[0], nan=-2.0), -item[1]))
    return Key(best[1], best[2])


def _file_key(path: Path) -> Key | None:
    """The first key-signature meta message of a MIDI file, if any."""
    import mido

    for message in mido.MidiFile(path):
        if message.type == "key_signature":
            text = message.key
            minor = text.endswith("m")
            return Key.parse(f"{text[:-1] if minor else text} {'minor' if minor else 'major'}")
    return None


def _midi_notes(song) -> list[tuple[int, int, int]]:
    """(pitch, start, duration) of every note of every track but GM drums, in ticks."""
    from engine.music.events import Kind

    notes, sounding = [], {}
    for track in song.tracks:
        for tick, event in track.events:
            if event.channel == 9 or event.kind not in (Kind.NOTE_ON, Kind.NOTE_OFF):
                continue
            key = (event.channel, event.a)
            if key in sounding:
                start = sounding.pop(key)
                if tick > start:
                    notes.append((event.a, start, tick - start))
            if event.kind == Kind.NOTE_ON and event.b > 0:
                sounding[key] = tick
    return sorted(notes, key=lambda n: (n[1], -n[0]))


def load_theme(path: str | Path, key: Key | None = None) -> Theme:
    """A theme from a MIDI file; ValueError naming the file when it is not a 1..4-bar motif."""
    from engine.music.midi import read_midi

    path = Path(path)
    try:
        song = read_midi(path)
        file_key = key or _file_key(path)
    except (OSError, ValueError, EOFError, KeyError) as error:
        raise ValueError(f"theme {path}: not a readable MIDI file ({type(error).__name__}: {error})") from None
    notes = _midi_notes(song)
    if not notes:
        raise ValueError(f"theme {path}: it has no notes")
    first = min(start for _, start, _ in notes)
    key = file_key or estimate_key(notes)
    shift = -key.transpose_offset()
    notes = [(pitch + shift, start - first, duration) for pitch, start, duration in notes]
    length = max(start + duration for _, start, duration in notes)
    meter = song.meters[0][1]
    try:
        return Theme(path.name, tuple(notes), -(-length // meter.ticks_per_bar) * meter.ticks_per_bar, key.is_minor, meter)
    except ValueError as error:
        raise ValueError(f"theme {path}: {str(error).split(': ', 1)[1]}") from None


def theme_from_bars(bars: list[Bar], name: str = GENERATED) -> Theme:
    """The theme of composed bars (the melody of a generated theme's opening)."""
    notes, offset = [], 0
    for bar in bars:
        notes += [(n.pitch, offset + n.start_ticks, n.duration_ticks) for n in bar.melody]
        offset += bar.ticks
    return Theme(name, tuple(notes), offset, bars[0].mode != "major", bars[0].meter)
