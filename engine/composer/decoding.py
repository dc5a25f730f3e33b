"""One bar through the network: sampled under the grammar (and any cadence constraints), or
restated from stored tokens with some notes re-sampled.

``BarDecoder.sample`` is the v1 loop (grammar-masked nucleus sampling, the copy
guard on every melody duration) plus the form's constraints: chords forced at
harmony slots, a held final note on chosen pitch classes, and a push off a chord
held too long (``cadences``). With no constraints it draws exactly what v1 drew.
``BarDecoder.restate`` feeds stored tokens through the network (so its state moves
on as if it had written them) and re-samples the pitches of the notes asked for at
a low temperature: the variation a return brings. Both speak the melody+harmony
grammar of ``tokens``; a codec with more voices brings its own decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.composer import cadences, tokens
from engine.composer.cadences import BarConstraints
from engine.composer.sampling import SamplingConfig, sample_token
from engine.music.notes import Bar, Chord, Meter

VARIATION_SAMPLING = SamplingConfig(temperature=0.5, top_p=0.9)
"""How a return's varied notes are re-drawn: close to what the network expects there."""

VARIATION_SEMITONES = 4
"""How far a return's re-drawn note may move from the note it replaces."""

PITCH_RANGE = (tokens.PITCH0, tokens.PITCH0 + tokens.PITCH_HIGH - tokens.PITCH_LOW + 1)


@dataclass
class Decoded:
    """A decoded bar, its tokens (bar token first), the state after it and the guard's vetoes."""

    bar: Bar
    tokens: tuple[int, ...]
    state: tuple
    vetoes: int = 0


def _with_seventh(bar: Bar, slot: int | None) -> Bar:
    """The bar with the chord at harmony slot ``slot`` written as a dominant seventh (a major triad's root + 10)."""
    if slot is None or slot >= len(bar.harmony) or bar.harmony[slot].quality != "maj":
        return bar
    chords = list(bar.harmony)
    chord = chords[slot]
    chords[slot] = Chord(chord.root_pc, "dom7", chord.start_ticks, chord.duration_ticks)
    return Bar(bar.meter, bar.melody, tuple(chords), bar.mode, bar.source)


class BarDecoder:
    """Samples or restates one bar with a stepper, a codec, a sampling config, a pitch bias and a guard."""

    def __init__(self, stepper, codec, sampling: SamplingConfig, pitch_bias: np.ndarray, guard=None) -> None:
        self.stepper, self.codec, self.sampling, self.guard = stepper, codec, sampling, guard
        self.pitch_bias = pitch_bias
        self._pc_bias: dict[tuple, np.ndarray] = {}

    # ---- sampling --------------------------------------------------------------

    def sample(self, meter: Meter, mode: str, cond_gates: np.ndarray, state, rng: np.random.Generator,
               recent_notes=(), constraints: BarConstraints = cadences.NONE, chord_run: tuple[int, int] | None = None) -> Decoded:
        """Sample one bar; ``chord_run`` is (chord token, slots held) at its start, for the harmonic
        rhythm (None: no push off held chords, as v1)."""
        grammar = self.codec.grammar(meter)
        bar_token = self.codec.bar_token(meter)
        logits, state = self.stepper.step(bar_token, cond_gates, state)
        out, vetoes, run = [bar_token], 0, chord_run
        for _ in range(self.codec.max_tokens_per_bar):
            ranges, bias, forced = self._constrain(grammar, constraints, run)
            pending = grammar.pending_melody_pitch() if self.guard is not None and forced is None else None
            if forced is not None:
                token = forced
            elif pending is not None:
                token, vetoed = self._guarded_duration(logits, ranges, grammar, pending, rng, recent_notes)
                vetoes += vetoed
            elif self.guard is not None and ranges == [PITCH_RANGE] and constraints.hold_slot is not None:
                held = (grammar.length - grammar.position) * tokens.GRID_TICKS  # the cadence's note, held to the bar line
                token, vetoed = self._guarded_pitch(logits, bias, grammar, held, rng, recent_notes, self.sampling)
                vetoes += vetoed
            else:
                token = sample_token(logits, ranges, self.sampling, rng, bias)
            if self.codec.ends_bar(token):
                break
            grammar.advance(token)
            if run is not None and tokens.kind_of(token) == "chord":
                run = cadences.chord_runs([token], *run)
            out.append(token)
            logits, state = self.stepper.step(token, cond_gates, state)
        assert grammar.can_end(), "the grammar always lets a bar end"
        return Decoded(_with_seventh(grammar.to_bar(mode), constraints.seventh_slot), tuple(out), state, vetoes)

    def _constrain(self, grammar, constraints: BarConstraints, run: tuple[int, int] | None):
        """(ranges, bias, forced token or None) for the next token under ``constraints``."""
        ranges = grammar.allowed_ranges()
        if grammar.expect == "chord":
            forced = constraints.chord_at(len(grammar.chords))
            if forced is not None:
                return [(forced, forced + 1)], self.pitch_bias, None
            hold = None if run is None else cadences.hold_bias(self.codec.vocab_size, *run)
            return ranges, self.pitch_bias if hold is None else self.pitch_bias + hold, None
        if constraints.hold_slot is None:
            return ranges, self.pitch_bias, None
        hold_at = grammar.slots[constraints.hold_slot] if constraints.hold_slot < len(grammar.slots) else grammar.length
        if grammar.expect == "dur":
            start = grammar.notes[-1][1]
            if start == hold_at:
                return ranges, self.pitch_bias, tokens.DUR0 + grammar.length - start - 1  # held to the bar line
            if start < hold_at:  # end by the cadence's note, so it can sound on its slot
                return [(tokens.DUR0, tokens.DUR0 + hold_at - start)], self.pitch_bias, None
            return ranges, self.pitch_bias, None
        at_hold = grammar.position == hold_at and len(grammar.chords) == constraints.hold_slot + 1
        if grammar.expect == "free" and at_hold and PITCH_RANGE in ranges:
            return [PITCH_RANGE], self.pitch_bias + self._cadence_pitches(constraints), None
        return ranges, self.pitch_bias, None

    def _cadence_pitches(self, constraints: BarConstraints) -> np.ndarray:
        key = (constraints.hold_pcs, constraints.prefer_pc)
        if key not in self._pc_bias:
            self._pc_bias[key] = cadences.pitch_class_bias(self.codec.vocab_size, self.codec.pitch_tokens("melody"), *key)
        return self._pc_bias[key]

    def _guarded_duration(self, logits, ranges, grammar, pitch: int, rng, recent_notes) -> tuple[int, int]:
        """A duration token for ``pitch`` whose note does not complete a corpus run longer than
        max_run, and how many draws the guard vetoed."""
        max_run = self.guard.max_run
        recent = list(recent_notes) + grammar.melody_so_far()
        pitches = [p for p, _ in recent[-max_run:]] + [pitch]
        durations = [d for _, d in recent[-max_run:]] + [0]
        bias, vetoes = self.pitch_bias.copy(), 0
        for _ in range(sum(stop - first for first, stop in ranges)):
            token = sample_token(logits, ranges, self.sampling, rng, bias)
            durations[-1] = self.codec.duration_ticks(token)
            if not self.guard.would_copy_codes(pitches, durations):
                return token, vetoes
            vetoes += 1
            bias[token] = -np.inf  # each veto removes one candidate; the loop ends before none is left
        return token, vetoes

    def _near(self, pitch_token: int) -> np.ndarray:
        """The pitch bias with every pitch more than ``VARIATION_SEMITONES`` from ``pitch_token``'s shut out:
        a varied note is a neighbour of the note it replaces, not a leap elsewhere."""
        bias = self.pitch_bias.copy()
        lo, hi = pitch_token - VARIATION_SEMITONES, pitch_token + VARIATION_SEMITONES + 1
        bias[PITCH_RANGE[0]:max(lo, PITCH_RANGE[0])] = -np.inf
        bias[min(hi, PITCH_RANGE[1]):PITCH_RANGE[1]] = -np.inf
        return bias

    def _guarded_pitch(self, logits, bias, grammar, duration_ticks: int, rng, recent_notes, sampling) -> tuple[int, int]:
        """A pitch token for a note whose duration is already fixed (a cadence's held note, a
        varied note of a return) that does not complete a corpus run longer than max_run."""
        max_run = self.guard.max_run
        recent = (list(recent_notes) + grammar.melody_so_far())[-max_run:]
        pitches, durations = [p for p, _ in recent] + [0], [d for _, d in recent] + [duration_ticks]
        bias, vetoes = bias.copy(), 0
        for _ in range(int(np.isfinite(bias[PITCH_RANGE[0]:PITCH_RANGE[1]]).sum())):
            token = sample_token(logits, [PITCH_RANGE], sampling, rng, bias)
            pitches[-1] = token - tokens.PITCH0 + tokens.PITCH_LOW
            if not self.guard.would_copy_codes(pitches, durations):
                return token, vetoes
            vetoes += 1
            bias[token] = -np.inf  # as for durations: the loop ends before no candidate is left
        return token, vetoes

    # ---- restating -------------------------------------------------------------

    def restate(self, source: tuple[int, ...], meter: Meter, mode: str, cond_gates: np.ndarray, state,
                rng: np.random.Generator, vary: frozenset[int] = frozenset(), sample_chords: bool = False,
                seventh_slot: int | None = None, recent_notes=()) -> Decoded:
        """Feed ``source`` (one bar's tokens, bar token first, in ``meter``) through the network;
        the pitches of melody notes numbered in ``vary`` are re-drawn (guarded, as sampled
        notes are), and with ``sample_chords`` every chord is drawn afresh (under the
        grammar) instead of kept."""
        grammar = self.codec.grammar(meter)
        bar_token = self.codec.bar_token(meter)
        logits, state = self.stepper.step(bar_token, cond_gates, state)
        out, note, vetoes = [bar_token], 0, 0
        for index, token in enumerate(source[1:], start=1):
            kind = tokens.kind_of(token)
            if kind == "pitch":
                if note in vary and self.guard is not None:
                    held = self.codec.duration_ticks(source[index + 1])
                    token, vetoed = self._guarded_pitch(logits, self._near(token), grammar, held, rng, recent_notes, VARIATION_SAMPLING)
                    vetoes += vetoed
                elif note in vary:
                    token = sample_token(logits, [PITCH_RANGE], VARIATION_SAMPLING, rng, self._near(token))
                note += 1
            elif kind == "chord" and sample_chords:
                token = sample_token(logits, grammar.allowed_ranges(), VARIATION_SAMPLING, rng, self.pitch_bias)
            grammar.advance(token)
            out.append(token)
            logits, state = self.stepper.step(token, cond_gates, state)
        return Decoded(_with_seventh(grammar.to_bar(mode), seventh_slot), tuple(out), state, vetoes)
