"""Compose phrases for the evaluation with the real ``Composer`` and measure every bar.

Two plans of phrases, each phrase composed by a fresh composer (zero state, its
own seed) and measured bar by bar with the attribute functions that labelled the
training data (``attributes.py``):

- ``control_plan`` — a grid of requested valence × arousal × intensity (meters and
  seeds cycled), for controllability: does the realised mode, arousal and density
  follow what was asked?
- ``matched_plan`` — one phrase per real test-split phrase, asking for what that
  phrase is (its mode, meter, mean arousal and register mapped back through the
  composer's intent mapping), so generated and real feature distributions are
  compared like with like.

``compose`` returns ``Phrase`` records; the guard's interventions per bar are read
off the composer's ``vetoed_notes`` counter.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.composer import attributes
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.music.notes import Bar, Meter


@dataclass(frozen=True)
class PhraseRequest:
    """What one phrase asks for; ``target_arousal``/``target_register`` are the
    conditioning labels the composer derives from it (filled by ``compose``)."""

    valence: float
    arousal: float
    intensity: float
    minor: bool
    meter: str
    seed: int
    source: str = "grid"
    bar_arousal: tuple[float, ...] = ()  # per-bar overrides (a diagnostic), else the phrase's value
    bar_intensity: tuple[float, ...] = ()


@dataclass
class Phrase:
    """A composed phrase with per-bar measurements."""

    request: PhraseRequest
    bars: list[Bar]
    target_arousal: float
    target_register: float
    vetoes_per_bar: list[int] = field(default_factory=list)

    def bar_values(self, name: str) -> np.ndarray:
        """Per-bar ``valence``, ``arousal``, ``register``, ``density`` (onsets per quarter)."""
        fn = {"valence": attributes.valence, "arousal": attributes.arousal,
              "register": attributes.register, "density": attributes.onsets_per_quarter}[name]
        return np.array([fn(bar) for bar in self.bars], dtype=np.float64)

    def modes(self) -> list[str | None]:
        return [attributes.realised_mode(bar) for bar in self.bars]

    @property
    def n_notes(self) -> int:
        return sum(len(bar.melody) for bar in self.bars)


def control_plan(valences=(0.1, 0.35, 0.65, 0.9), arousals=(0.0, 0.25, 0.5, 0.75, 1.0),
                 intensities=(0.2, 0.8), meters=("4/4", "6/8", "3/4", "2/4"),
                 seeds_per_cell: int = 3) -> list[PhraseRequest]:
    """The requested grid; valence below 0.5 asks for minor (as ``moodscore compose``
    does), and each cell's seeds walk through ``meters``."""
    plan = []
    for cell, (v, a, i) in enumerate(itertools.product(valences, arousals, intensities)):
        for k in range(seeds_per_cell):
            seed = cell * seeds_per_cell + k
            plan.append(PhraseRequest(v, a, i, v < 0.5, meters[seed % len(meters)], seed))
    return plan


def _unit(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def intent_for_labels(valence: float, arousal: float, register: float, minor: bool, spec) -> tuple[float, float, float]:
    """(valence, arousal, intensity) intents whose conditioning (``composer.intent_conditioning``)
    comes closest to the given labels: the inverse of its piecewise-linear maps, clipped."""
    a_lo, a_hi = spec.arousal_quantiles[0], spec.arousal_quantiles[-1]
    r_lo, r_hi = spec.register_quantiles[1], spec.register_quantiles[-2]
    v = valence / 0.25 if minor else (valence - 0.75) / 0.25
    return _unit(v), _unit((arousal - a_lo) / (a_hi - a_lo)), _unit((register - r_lo) / (r_hi - r_lo))


def matched_plan(real_phrases: list[tuple[list[Bar], bool]], spec, seed0: int = 100_000,
                 per_bar: bool = False) -> list[PhraseRequest]:
    """One request per real phrase (its bars and whether the tune is minor), asking
    for the phrase's mean labels; ``per_bar`` also asks for each bar's own arousal
    and register, as a real melody's contour would (a diagnostic: a game holds one
    intent for many bars)."""
    plan = []
    fns = (attributes.valence, attributes.arousal, attributes.register)
    for k, (bars, minor) in enumerate(real_phrases):
        v, a, i = intent_for_labels(*[np.mean([fn(b) for b in bars]) for fn in fns], minor, spec)
        per = [intent_for_labels(*[fn(b) for fn in fns], minor, spec) for b in bars] if per_bar else []
        plan.append(PhraseRequest(v, a, i, minor, str(bars[0].meter), seed0 + k, "matched",
                                  tuple(x[1] for x in per), tuple(x[2] for x in per)))
    return plan


def request_intent(request: PhraseRequest, bar_index: int = 0) -> Intent:
    """The Intent of a request at one bar (per-bar overrides applied)."""
    arousal = request.bar_arousal[bar_index] if request.bar_arousal else request.arousal
    intensity = request.bar_intensity[bar_index] if request.bar_intensity else request.intensity
    return Intent(valence=request.valence, arousal=arousal, intensity=intensity,
                  key=Key(0, "minor" if request.minor else "major"), meter=Meter.parse(request.meter))


def compose(plan: list[PhraseRequest], make_composer: Callable[[int], object], bars_per_phrase: int = 8) -> list[Phrase]:
    """Compose every request of ``plan`` with ``make_composer(seed)`` (a fresh
    ``Composer``), ``bars_per_phrase`` bars each, recording guard vetoes per bar."""
    from engine.composer.composer import intent_conditioning

    phrases = []
    for request in plan:
        composer = make_composer(request.seed)
        cond = intent_conditioning(request_intent(request), composer.model.conditioning)
        phrase = Phrase(request, [], float(cond[1]), float(cond[2]))
        for index in range(bars_per_phrase):
            before = composer.vetoed_notes
            phrase.bars.append(composer.compose_bar(request_intent(request, index), index))
            phrase.vetoes_per_bar.append(composer.vetoed_notes - before)
        phrases.append(phrase)
    return phrases


def real_phrases(tunes: list[tuple[list[Bar], bool]], bars_per_phrase: int = 8) -> list[tuple[list[Bar], bool]]:
    """Consecutive non-overlapping ``bars_per_phrase``-bar phrases of real tunes in one
    meter (a phrase crossing a meter change is skipped), with each tune's mode."""
    out = []
    for bars, minor in tunes:
        for start in range(0, len(bars) - bars_per_phrase + 1, bars_per_phrase):
            chunk = bars[start:start + bars_per_phrase]
            if len({str(b.meter) for b in chunk}) == 1 and str(chunk[0].meter) in attributes.CONDITIONING_METERS:
                out.append((chunk, minor))
    return out


def subsample(items: list, n: int, seed: int = 0) -> list:
    """At most ``n`` items, chosen reproducibly, in their original order."""
    if len(items) <= n:
        return list(items)
    keep = np.sort(np.random.default_rng(seed).choice(len(items), n, replace=False))
    return [items[k] for k in keep]
