"""Structure figures of a piece: how much it repeats itself, whether phrases close, how
often chords change, and whether a theme comes back (issue 18).

Every function takes a piece as a list of key-neutral ``Bar`` (tonic C) and returns
one number; ``piece_figures`` gathers them. The same functions measure real test
tunes and composed pieces, so their ratio says how far the composer is from real
music:

- ``repeat_share`` — bars whose melody equals an earlier bar's (``exact_key``), the
  same up to transposition (``transposed_key``) or in rhythm only (``rhythm_key``);
- ``phrase_repeat_share`` — ``phrase_bars``-bar phrases (from bar 0) sharing at least
  75 % of their notes (bar, onset, pitch) with an earlier phrase;
- ``bigram_ratio`` — distinct pitch-class bigrams over all (lower: more motivic);
- ``cadence_rate`` — phrase-end bars whose harmony closes dominant → tonic or on the
  dominant; ``chord_changes_per_bar``;
- ``theme_recall`` — the share of ``span``-bar windows that contain the theme: at least
  75 % of its notes at their onsets, in the same scale-degree pattern up to a shift
  (transposition- and mode-invariant).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

import numpy as np

from engine.music.keys import MODES
from engine.music.notes import Bar

PHRASE_SHARE = 0.75


def exact_key(bar: Bar) -> tuple:
    return tuple((n.pitch, n.start_ticks, n.duration_ticks) for n in bar.melody)


def transposed_key(bar: Bar) -> tuple:
    first = bar.melody[0].pitch if bar.melody else 0
    return tuple((n.pitch - first, n.start_ticks, n.duration_ticks) for n in bar.melody)


def rhythm_key(bar: Bar) -> tuple:
    return tuple((n.start_ticks, n.duration_ticks) for n in bar.melody)


def repeat_share(bars: Sequence[Bar], key: Callable[[Bar], tuple]) -> float:
    """Share of the bars with notes (after the first) whose ``key`` equals an earlier bar's."""
    seen, repeats, counted = set(), 0, 0
    for bar in bars:
        if not bar.melody:
            continue
        k = key(bar)
        if seen:
            counted += 1
            repeats += k in seen
        seen.add(k)
    return repeats / counted if counted else float("nan")


def _phrase_notes(bars: Sequence[Bar]) -> Counter:
    return Counter((i, n.start_ticks, n.pitch) for i, bar in enumerate(bars) for n in bar.melody)


def phrase_repeat_share(bars: Sequence[Bar], phrase_bars: int = 4, share: float = PHRASE_SHARE) -> float:
    """Share of whole phrases (after the first) sharing ``share`` of their notes with an earlier one."""
    phrases = [_phrase_notes(bars[i:i + phrase_bars]) for i in range(0, len(bars) - phrase_bars + 1, phrase_bars)]
    if len(phrases) < 2:
        return float("nan")
    hits = 0
    for k in range(1, len(phrases)):
        size = sum(phrases[k].values())
        hits += any(sum((phrases[k] & earlier).values()) >= share * max(size, sum(earlier.values()), 1)
                    for earlier in phrases[:k])
    return hits / (len(phrases) - 1)


def bigram_ratio(bars: Sequence[Bar]) -> float:
    """Distinct pitch-class bigrams of the melody over all its bigrams."""
    pcs = [n.pitch % 12 for bar in bars for n in bar.melody]
    bigrams = list(zip(pcs, pcs[1:]))
    return len(set(bigrams)) / len(bigrams) if bigrams else float("nan")


def _chords(bars: Sequence[Bar]) -> list[tuple[int, str]]:
    triad = {"dom7": "maj", "maj7": "maj", "min7": "min", "hdim7": "dim"}
    return [(c.root_pc, triad.get(c.quality, c.quality)) for bar in bars for c in bar.harmony]


def _is_dominant(chord: tuple[int, str]) -> bool:
    return chord in ((7, "maj"), (11, "dim"))


def cadence_rate(bars: Sequence[Bar], phrase_bars: int = 4) -> float:
    """Share of phrase-end bars (every ``phrase_bars``-th) that end V → I or on V."""
    ends = range(phrase_bars - 1, len(bars), phrase_bars)
    closed = 0
    for end in ends:
        chords = _chords(bars[max(0, end - 1):end + 1])
        if not chords:
            continue
        last, before = chords[-1], chords[-2] if len(chords) > 1 else None
        closed += (last[0] == 0 and before is not None and _is_dominant(before)) or _is_dominant(last)
    return closed / len(ends) if len(ends) else float("nan")


def chord_changes_per_bar(bars: Sequence[Bar]) -> float:
    chords = _chords(bars)
    return sum(a != b for a, b in zip(chords, chords[1:])) / len(bars) if bars else float("nan")


# ---- theme recall --------------------------------------------------------------------


def _degree(pitch: int, mode: str) -> float:
    """The scale degree of ``pitch`` counted up from the tonic's lowest octave; a note off
    the scale sits half-way to the degree above (Eb in C major: 1.5)."""
    octave, pc = divmod(pitch, 12)
    scale = MODES[mode if mode in ("major", "minor") else "major"]
    below = max(d for d in range(7) if scale[d] <= pc)
    return octave * 7 + below + (0.0 if scale[below] == pc else 0.5)


def theme_degrees(notes: Sequence[tuple[int, int, int]], minor: bool) -> list[tuple[int, float]]:
    """(onset ticks, scale degree) of a theme's (pitch, start, duration) notes."""
    mode = "minor" if minor else "major"
    return [(start, _degree(pitch, mode)) for pitch, start, _ in notes]


def _span_degrees(bars: Sequence[Bar]) -> dict[int, float]:
    out, offset = {}, 0
    for bar in bars:
        for n in bar.melody:
            out[offset + n.start_ticks] = _degree(n.pitch, bar.mode)
        offset += bar.ticks
    return out


def _enough_at_one_shift(diffs: list[float], need: float) -> bool:
    """Whether ``need`` of the degree differences agree on one whole-step shift; a note off
    the scale on either side (a chromatic note that a restatement in the other mode
    keeps, or that lands on the other mode's scale) agrees when within half a degree."""
    for shift in {d for d in diffs if d == int(d)}:
        if sum(abs(d - shift) <= 0.5 for d in diffs) >= need:
            return True
    return False


def contains_theme(bars: Sequence[Bar], theme: Sequence[tuple[int, float]], share: float = PHRASE_SHARE) -> bool:
    """Whether ``share`` of the theme's notes sound at their onsets, in its degree pattern up to a shift."""
    span = _span_degrees(bars)
    need = share * len(theme)
    for anchor in theme[:2]:  # the first note may be the one a variation changed
        for onset in span:
            start = onset - anchor[0]
            diffs = [span[start + t] - d for t, d in theme if start + t in span]
            if len(diffs) >= need and _enough_at_one_shift(diffs, need):
                return True
    return False


def theme_recall(bars: Sequence[Bar], theme: Sequence[tuple[int, int]], span: int = 8) -> float:
    """Share of ``span``-bar windows (every start) of ``bars`` that contain the theme."""
    starts = range(0, len(bars) - span + 1)
    if not len(starts):
        return float("nan")
    return float(np.mean([contains_theme(bars[s:s + span], theme) for s in starts]))


def piece_figures(bars: Sequence[Bar], phrase_bars: int = 4) -> dict[str, float]:
    """Every structure figure of one piece."""
    return {"repeat_bars": repeat_share(bars, exact_key), "repeat_bars_transposed": repeat_share(bars, transposed_key),
            "repeat_rhythm": repeat_share(bars, rhythm_key), "repeat_phrases": phrase_repeat_share(bars, phrase_bars),
            "pc_bigram_ratio": bigram_ratio(bars), "cadence_rate": cadence_rate(bars, phrase_bars),
            "chord_changes_per_bar": chord_changes_per_bar(bars)}


def mean_figures(pieces: Sequence[Sequence[Bar]], phrase_bars: int = 4) -> dict[str, float]:
    """Each figure's mean over pieces (pieces where it is undefined left out)."""
    rows = [piece_figures(piece, phrase_bars) for piece in pieces]
    return {name: float(np.nanmean([row[name] for row in rows])) if rows else float("nan") for name in (rows[0] if rows else {})}
