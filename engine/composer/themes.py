"""Themes: a motif of 1-4 bars the composer states, develops and brings back, in any mood.

A ``Theme`` is a monophonic line in tonic-C space (key-neutral, like a ``Bar``) with
the mode and meter it was written in. It comes from an authored MIDI file
(``load_theme``: its notes, top line where they overlap, channel 10 ignored; its key
from the score, else the file's key signature, else the Krumhansl-Schmuckler
estimate) or is ``generated``: the opening bars the composer first writes in a
themed section (``theme_from_bars``). To be stated, it is re-barred into the
state's meter, harmonised as the corpus is (``dataset.tune_bars``) and encoded
(``theme_tokens``); tokens then move between modes by scale degree
(``to_mode``), and develop by diatonic sequence or inversion (``develop``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.composer import tokens
from engine.music.keys import MODES, Key, diatonic_triads
from engine.music.notes import Bar, Meter

log = logging.getLogger(__name__)

MAX_THEME_BARS = 4
GENERATED = "generated"
SINGABLE = (55, 88)

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


def _fold(pitch: int) -> int:
    """Move a pitch by octaves into the singable range."""
    low, high = SINGABLE
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


def theme_tokens(theme: Theme, meter: Meter, mode: str, max_bars: int = MAX_THEME_BARS) -> tuple[tuple[int, ...], ...]:
    """The theme as bars of ``meter`` (at most ``max_bars``), harmonised, encoded, in ``mode``."""
    from engine.composer.dataset import tune_bars

    length = meter.ticks_per_bar
    count = min(max_bars, -(-theme.length_ticks // length))
    rows = []
    for index in range(count):
        lo, hi = index * length, (index + 1) * length
        # a note across the bar line sounds on in the next bar, struck again (the grammar has no ties)
        melody = [(_fold(p), max(s, lo) - lo, min(s + d, hi) - max(s, lo)) for p, s, d in theme.notes if s < hi and s + d > lo]
        rows.append((meter, melody, []))
    bars = tune_bars(rows, theme.minor)
    return tuple(to_mode(tuple(tokens.encode_bar(bar)), theme.mode, mode) for bar in bars)


# ---- moving tokens by scale degree ---------------------------------------------------


def _degree(pitch: int, mode: str) -> tuple[int, int]:
    """(diatonic index counted from C0, chromatic offset above that degree)."""
    octave, pc = divmod(pitch, 12)
    scale = MODES[mode]
    degree = max(d for d in range(7) if scale[d] <= pc)
    return octave * 7 + degree, pc - scale[degree]


def _pitch(index: int, offset: int, mode: str) -> int:
    octave, degree = divmod(index, 7)
    return octave * 12 + MODES[mode][degree] + offset


def _diatonic_chord(index: int, mode: str) -> tuple[int, str]:
    """The triad on degree ``index`` of ``mode``; on the fifth degree the major dominant (minor's leading tone)."""
    if index % 7 == 4:
        return 7, "maj"
    return diatonic_triads(mode)[index % 7]


def _moved_chord(root: int, quality: str, source: str, target: str, steps: int) -> tuple[int, str]:
    """A chord of ``source`` moved ``steps`` scale degrees and into ``target`` mode: a diatonic
    chord becomes the target's triad on its new degree; a chromatic one keeps its quality."""
    index, offset = _degree(root + 60, source)
    if offset:
        return _pitch(index + steps, offset, target) % 12, quality
    return _diatonic_chord(index + steps, target)


def map_tokens(bar_tokens: tuple[int, ...], pitch_fn, chord_fn) -> tuple[int, ...]:
    """A bar's tokens with every pitch moved by ``pitch_fn`` (folded into the singable range)
    and every chord by ``chord_fn(root, quality)``."""
    out = []
    for token in bar_tokens:
        kind = tokens.kind_of(token)
        if kind == "pitch":
            token = tokens.PITCH0 + _fold(pitch_fn(token - tokens.PITCH0 + tokens.PITCH_LOW)) - tokens.PITCH_LOW
        elif kind == "chord":
            token = tokens.chord_token(*chord_fn(*tokens.chord_of_token(token)))
        out.append(token)
    return tuple(out)


def to_mode(bar_tokens: tuple[int, ...], source: str, target: str) -> tuple[int, ...]:
    """Tokens written in ``source`` mode restated in ``target`` (major/minor), degree for degree;
    in minor, a seventh degree over the dominant is the leading tone (harmonic minor), as
    the dominant chord itself stays major."""
    if source == target:
        return bar_tokens
    moved = map_tokens(bar_tokens, lambda p: _pitch(*_degree(p, source), target),
                       lambda r, q: _moved_chord(r, q, source, target, 0))
    if target != "minor":
        return moved
    out, chord = [], None
    for token in moved:
        kind = tokens.kind_of(token)
        if kind == "chord":
            chord = tokens.chord_of_token(token)
        elif kind == "pitch" and chord == (7, "maj") and (token - tokens.PITCH0 + tokens.PITCH_LOW) % 12 == 10:
            token += 1
        out.append(token)
    return tuple(out)


def develop(bar_tokens: tuple[int, ...], operation: str, mode: str) -> tuple[int, ...]:
    """A development of one bar: ``sequence+N`` (every pitch and chord N scale steps away)
    or ``inversion`` (intervals mirrored about the first note; chords are left to be
    drawn afresh)."""
    if operation.startswith("sequence"):
        steps = int(operation[len("sequence"):])
        return map_tokens(bar_tokens, lambda p: _pitch(_degree(p, mode)[0] + steps, _degree(p, mode)[1], mode),
                          lambda r, q: _moved_chord(r, q, mode, mode, steps))
    if operation == "inversion":
        pitches = [t - tokens.PITCH0 + tokens.PITCH_LOW for t in bar_tokens if tokens.kind_of(t) == "pitch"]
        if not pitches:
            return bar_tokens
        axis = _degree(pitches[0], mode)[0]
        return map_tokens(bar_tokens, lambda p: _pitch(2 * axis - _degree(p, mode)[0], 0, mode), lambda r, q: (r, q))
    raise ValueError(f"unknown development {operation!r}")


DEVELOPMENTS = ("sequence+1", "sequence-1", "sequence+2", "inversion")
