"""Reading one music21 score (an ABC tune, a MusicXML chorale, a MIDI file) into a ``ParsedTune``.

The melody is the first part's top line, the lower voices are every other part. The
notated measures, with their repeat signs, voltas, double bars and fermatas, go to
``form_labels.label_form``, which decides the bars as played and their form labels;
the key label comes from ``key_labels`` (the source's own key first). music21 is
imported only here and only inside the corpus worker processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from engine.composer import form_labels, key_labels
from engine.composer.form_labels import BarForm, Measure
from engine.music.notes import PPQ

SIGNATURE_ONLY_COLLECTIONS = ("essenFolksong",)
"""Sources whose key field is a signature, not a key: Essen's K: (FACTS.md)."""
EVIDENCE_ONLY_COLLECTIONS = ("midi",)
"""Sources whose key events are not trusted (a sequencer writes C major by default): final note and profile only."""

SECTION_BARLINES = ("double", "final", "light-light", "light-heavy", "heavy-light", "heavy-heavy")


@dataclass
class ParsedTune:
    """One tune as played: key label, per-bar meters and form labels, notes (tonic moved to C)."""

    tune_id: str
    collection: str
    key: key_labels.KeyLabel
    analysed_tonic_pc: int
    analysed_minor: bool
    final_pc: int
    meters: list[tuple[int, int]] = field(default_factory=list)
    forms: list[BarForm] = field(default_factory=list)
    source_measures: list[int] = field(default_factory=list)
    notes: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # bar, pitch, start, dur, voice

    @property
    def tonic_pc(self) -> int:
        return self.key.tonic_pc

    @property
    def minor(self) -> bool:
        return self.key.minor


def ticks(quarter_length) -> int:
    return int(round(float(quarter_length) * PPQ))


def measure_notes(measure, shift_ticks: int, top_only: bool) -> list[tuple[int, int, int]]:
    """(midi, start ticks, duration ticks) of the notes in a measure, grace notes dropped."""
    out = []
    for element in measure.flatten().notes:
        duration = ticks(element.quarterLength)
        if duration <= 0:
            continue
        start = ticks(element.offset) + shift_ticks
        pitches = [max(p.midi for p in element.pitches)] if top_only else [p.midi for p in element.pitches]
        out += [(pitch, start, duration) for pitch in pitches]
    return out


def _endings(score) -> dict[int, tuple[int, ...]]:
    """id(measure) -> volta numbers, from the score's repeat brackets."""
    from music21 import spanner

    endings: dict[int, tuple[int, ...]] = {}
    for bracket in score.recurse().getElementsByClass(spanner.RepeatBracket):
        numbers = tuple(int(n) for n in re.findall(r"\d+", str(bracket.number or 1))) or (1,)
        for measure in bracket.getSpannedElements():
            endings[id(measure)] = numbers
    return endings


def _has_fermata(measure) -> bool:
    return any(type(e).__name__ == "Fermata" for n in measure.flatten().notes for e in n.expressions)


def _measure_row(measure, full_ticks: int, endings: dict) -> Measure:
    from music21 import bar

    left, right = measure.leftBarline, measure.rightBarline
    return Measure(ticks(measure.duration.quarterLength), full_ticks,
                   repeat_start=isinstance(left, bar.Repeat) and left.direction == "start",
                   repeat_end=isinstance(right, bar.Repeat) and right.direction == "end",
                   ending=endings.get(id(measure), ()),
                   section_end=right is not None and not isinstance(right, bar.Repeat) and right.type in SECTION_BARLINES,
                   fermata=_has_fermata(measure))


def _meters(measures) -> tuple[list[tuple[int, int]], list[int]]:
    meters, full, meter = [], [], None
    for measure in measures:
        meter = measure.timeSignature or meter
        if meter is None:
            raise ValueError("no time signature")
        meters.append((meter.numerator, meter.denominator))
        full.append(meter.numerator * 4 * PPQ // meter.denominator)
    return meters, full


def _key_label(score, collection: str, final_pc: int, weights: np.ndarray) -> key_labels.KeyLabel:
    from music21 import key

    signatures = list(score.recurse().getElementsByClass(key.KeySignature))
    first = signatures[0] if signatures and collection not in EVIDENCE_ONLY_COLLECTIONS else None
    if isinstance(first, key.Key) and collection not in SIGNATURE_ONLY_COLLECTIONS and first.mode.lower() in key_labels.MAJOR_MODES + key_labels.MINOR_MODES:
        return key_labels.from_notation(first.tonic.pitchClass, first.mode)
    if first is not None:
        return key_labels.from_signature(first.sharps, final_pc, weights)
    return key_labels.from_final(final_pc, weights)


def extract_tune(score, tune_id: str, collection: str) -> ParsedTune:
    """Turn one music21 score into a ParsedTune (repeats expanded, labelled); ValueError when it is unusable."""
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    part_measures = [list(p.getElementsByClass("Measure")) for p in parts]
    melody_measures = part_measures[0]
    if len(melody_measures) < 2:
        raise ValueError("fewer than two measures")
    meters, full = _meters(melody_measures)
    endings = _endings(score)
    played = form_labels.label_form([_measure_row(m, f, endings) for m, f in zip(melody_measures, full)])
    raw: list[tuple[int, int, int, int, int]] = []
    for bar, played_bar in enumerate(played):
        first = played_bar.pieces[0][0]
        for voice, measures in enumerate(part_measures):
            for index, shift in played_bar.pieces:
                if index < len(measures):
                    for pitch, start, duration in measure_notes(measures[index], shift, top_only=voice == 0):
                        if start < full[first]:
                            raw.append((bar, pitch, start, min(duration, full[first] - start), min(voice, 1)))
    if not any(n[4] == 0 for n in raw):
        raise ValueError("no melody notes")
    weights = np.zeros(12)
    for _, pitch, _, duration, _ in raw:
        weights[pitch % 12] += duration
    final_pc = final_chord_bass(raw, None if len(parts) > 1 else 0)
    label = _key_label(parts[0], collection, final_pc, weights)
    analysed = score.analyze("key")
    transpose = -(label.tonic_pc if label.tonic_pc <= 6 else label.tonic_pc - 12)
    tune = ParsedTune(tune_id, collection, label, analysed.tonic.pitchClass, analysed.mode == "minor", final_pc)
    tune.meters = [meters[b.pieces[0][0]] for b in played]
    tune.forms = [b.form for b in played]
    tune.source_measures = [int(melody_measures[b.pieces[0][0]].number or 0) for b in played]
    tune.notes = [(bar, pitch + transpose, start, duration, voice) for bar, pitch, start, duration, voice in raw]
    return tune


def final_chord_bass(raw, voice: int | None = None) -> int:
    """Pitch class of the lowest note (of ``voice``, or of all) sounding at the tune's very end: the bass of the final chord."""
    notes = [n for n in raw if voice is None or n[4] == voice]
    end = max((n[0], n[2] + n[3]) for n in notes)
    return min(n[1] for n in notes if (n[0], n[2] + n[3]) == end) % 12
