"""Themes in the composer: a motif (``engine.music.theme.Theme``) stated, developed and
brought back, in any mood.

To be stated, a theme is re-barred into the state's meter, harmonised as the corpus
is (``dataset.tune_bars``) and encoded (``theme_tokens``); tokens then move between
modes by scale degree (``to_mode``), and develop by diatonic sequence or inversion
(``develop``).
"""

from __future__ import annotations

from engine.composer import tokens
from engine.music.keys import MODES, diatonic_triads
from engine.music.notes import Meter
from engine.music.theme import MAX_THEME_BARS, Theme

SINGABLE = (55, 88)


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
