"""Event tokens for one bar of melody and harmony, and the grammar every bar obeys.

Time is counted on a grid of ``GRID_PER_QUARTER`` = 12 steps per quarter note, so
one step is ``GRID_TICKS`` = 40 engine ticks (PPQ 480); it holds sixteenths and
eighth-note triplets exactly. Pitches are in tonic-C space (the key is kept beside
as conditioning); the arranger transposes.

Vocabulary (ids in this order):

- ``PAD`` - padding for training batches, never generated;
- ``BAR_<n>/<d>`` - one per meter of ``METERS``: starts a bar (and ends the previous one);
- ``POS_<t>`` - t = 0..71 grid steps from the bar start (a bar holds at most 6 quarters);
- ``CHORD_<root>_<quality>`` - root pitch class 0..11 x quality maj/min/dim;
- ``PITCH_<p>`` - MIDI pitch ``PITCH_LOW``..``PITCH_HIGH`` (tonic C);
- ``DUR_<d>`` - d = 1..72 grid steps.

Meters beyond ``METERS`` that real tunes use (``EXTRA_METERS``: 3/2, 6/4, 5/4) have
BAR tokens appended after this vocabulary (ids ``VOCAB_SIZE``...), so every id of the
base codec (``melody_harmony``, the models trained before them) is unchanged and the
``melody_harmony_v2`` codec is the same tokenisation with three more meters.

A bar is ``BAR_m`` then, for each position where something starts, in increasing
order: ``POS_t`` [``CHORD_r_q`` at every harmony slot start] [``PITCH_p DUR_d``].
Harmony slots are half-bars in meters of an even number of beats and whole bars
otherwise (``harmony_slots``), so every slot start carries a chord and the harmony
covers the bar. Rests are implicit. The melody is monophonic: a pitch may start only
once the previous note has ended, and no note outlasts the bar. ``BarGrammar``
enforces exactly this while decoding; the next ``BAR_*`` token ends a bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from engine.composer.bar_codec import BarCodec
from engine.music.notes import PPQ, Bar, Chord, Meter, Note

GRID_PER_QUARTER = 12
GRID_TICKS = PPQ // GRID_PER_QUARTER
MAX_POSITIONS = 72
MAX_DURATION = 72
PITCH_LOW, PITCH_HIGH = 48, 95
METERS = ("4/4", "3/4", "2/4", "2/2", "6/8", "9/8", "12/8", "3/8")
QUALITIES = ("maj", "min", "dim")
TRIAD_OF = {"dom7": "maj", "maj7": "maj", "min7": "min", "hdim7": "dim"}
"""Seventh chords a bar may carry, written as the triad under them (the vocabulary's chords are triads)."""
MELODY_VELOCITY = 90


def _build_vocab() -> tuple[str, ...]:
    names = ["PAD"] + [f"BAR_{m}" for m in METERS] + [f"POS_{t}" for t in range(MAX_POSITIONS)]
    names += [f"CHORD_{r}_{q}" for r in range(12) for q in QUALITIES]
    names += [f"PITCH_{p}" for p in range(PITCH_LOW, PITCH_HIGH + 1)]
    names += [f"DUR_{d}" for d in range(1, MAX_DURATION + 1)]
    return tuple(names)


VOCAB = _build_vocab()
TOKEN_ID = {name: index for index, name in enumerate(VOCAB)}
PAD = 0
BAR0 = TOKEN_ID[f"BAR_{METERS[0]}"]
POS0 = TOKEN_ID["POS_0"]
CHORD0 = TOKEN_ID["CHORD_0_maj"]
PITCH0 = TOKEN_ID[f"PITCH_{PITCH_LOW}"]
DUR0 = TOKEN_ID["DUR_1"]
VOCAB_SIZE = len(VOCAB)
EXTRA_METERS = ("3/2", "6/4", "5/4")
ALL_METERS = METERS + EXTRA_METERS
EXTRA_BAR0 = VOCAB_SIZE
BASE_BAR_RANGE = (BAR0, BAR0 + len(METERS))


def kind_of(token: int) -> str:
    """'pad', 'bar', 'pos', 'chord', 'pitch' or 'dur'."""
    if token == PAD:
        return "pad"
    if token >= EXTRA_BAR0:
        if token < EXTRA_BAR0 + len(EXTRA_METERS):
            return "bar"
        raise ValueError(f"token id {token} is outside the vocabulary")
    for kind, first in (("dur", DUR0), ("pitch", PITCH0), ("chord", CHORD0), ("pos", POS0), ("bar", BAR0)):
        if token >= first:
            return kind
    raise ValueError(f"token id {token} is outside the vocabulary")


def bar_token(meter: Meter) -> int:
    """The ``BAR_*`` token of a meter; ValueError for a meter the model does not know."""
    name = f"BAR_{meter}"
    if name in TOKEN_ID:
        return TOKEN_ID[name]
    if str(meter) in EXTRA_METERS:
        return EXTRA_BAR0 + EXTRA_METERS.index(str(meter))
    raise ValueError(f"meter {meter} is not supported by the composer (supported: {', '.join(ALL_METERS)})")


def meter_of_bar_token(token: int) -> Meter:
    return Meter.parse(EXTRA_METERS[token - EXTRA_BAR0] if token >= EXTRA_BAR0 else METERS[token - BAR0])


def grid_per_bar(meter: Meter) -> int:
    return meter.ticks_per_bar // GRID_TICKS


def harmony_slots(meter: Meter) -> tuple[int, ...]:
    """Grid positions where a chord starts: two per bar of an even number of beats, else one."""
    length = grid_per_bar(meter)
    return (0, length // 2) if meter.beats_per_bar % 2 == 0 else (0,)


def chord_token(root_pc: int, quality: str) -> int:
    return TOKEN_ID[f"CHORD_{root_pc}_{quality}"]


def chord_of_token(token: int) -> tuple[int, str]:
    index = token - CHORD0
    return index // len(QUALITIES), QUALITIES[index % len(QUALITIES)]


def fold_pitch(pitch: int) -> int:
    """Move a pitch by octaves into PITCH_LOW..PITCH_HIGH."""
    while pitch < PITCH_LOW:
        pitch += 12
    while pitch > PITCH_HIGH:
        pitch -= 12
    return pitch


def quantize_melody(notes, bar_grid: int) -> list[tuple[int, int, int]]:
    """(pitch, start, duration) on the grid: monophonic, inside the bar, durations >= 1."""
    events: list[list[int]] = []
    for note in sorted(notes, key=lambda n: (n.start_ticks, -n.pitch)):
        start = round(note.start_ticks / GRID_TICKS)
        if start >= bar_grid or (events and start <= events[-1][1]):
            continue
        if events:
            events[-1][2] = min(events[-1][2], start - events[-1][1])
        duration = max(1, min(round(note.duration_ticks / GRID_TICKS), bar_grid - start))
        events.append([fold_pitch(note.pitch), start, duration])
    return [tuple(e) for e in events]


def encode_bar(bar: Bar) -> list[int]:
    """Tokens of one bar (quantised to the grid); harmony is read at each slot start."""
    bar_grid = grid_per_bar(bar.meter)
    melody = {start: (pitch, duration) for pitch, start, duration in quantize_melody(bar.melody, bar_grid)}
    slots = harmony_slots(bar.meter)
    tokens = [bar_token(bar.meter)]
    for position in sorted(set(melody) | set(slots)):
        tokens.append(POS0 + position)
        if position in slots:
            chord = bar.chord_at(position * GRID_TICKS)
            quality = TRIAD_OF.get(chord.quality, chord.quality) if chord else None
            root, quality = (chord.root_pc, quality) if quality in QUALITIES else (0, "maj")
            tokens.append(chord_token(root, quality))
        if position in melody:
            pitch, duration = melody[position]
            tokens += [PITCH0 + pitch - PITCH_LOW, DUR0 + duration - 1]
    return tokens


def decode_bar(tokens: list[int], mode: str = "major") -> Bar:
    """The Bar of a token list that starts with ``BAR_*`` (ValueError if it breaks the grammar)."""
    if not tokens or kind_of(tokens[0]) != "bar":
        raise ValueError("a bar's tokens must start with a BAR_* token")
    meter = meter_of_bar_token(tokens[0])
    grammar = BarGrammar(meter)
    for token in tokens[1:]:
        grammar.advance(token)
    if not grammar.can_end():
        raise ValueError("the bar's tokens stop before every harmony slot has a chord")
    return grammar.to_bar(mode)


@dataclass
class BarGrammar:
    """The state of one bar being decoded: which tokens may come next, and what came.

    ``allowed_ranges`` lists (first, stop) token-id ranges allowed next; ``advance``
    checks a token against them and updates the state.
    """

    meter: Meter
    end_ranges: tuple[tuple[int, int], ...] = (BASE_BAR_RANGE,)
    """The BAR token ids that may end the bar: the codec's meters."""

    def __post_init__(self) -> None:
        self.length = grid_per_bar(self.meter)
        self.slots = harmony_slots(self.meter)
        self.position = -1  # grid position of the last POS token
        self.note_end = 0  # grid position where the last melody note ends
        self.expect = "pos0"  # what the last token requires next
        self.notes: list[tuple[int, int, int]] = []
        self.chords: list[tuple[int, str]] = []
        self._last_kind = ""

    def next_slot(self) -> int:
        """Grid position of the next harmony slot without a chord (or the bar length)."""
        return self.slots[len(self.chords)] if len(self.chords) < len(self.slots) else self.length

    def can_end(self) -> bool:
        return self.expect == "free" and len(self.chords) == len(self.slots)

    def allowed_ranges(self) -> list[tuple[int, int]]:
        if self.expect == "pos0":
            return [(POS0, POS0 + 1)]
        if self.expect == "chord":
            return [(CHORD0, CHORD0 + 12 * len(QUALITIES))]
        if self.expect == "pitch":
            return [(PITCH0, PITCH0 + PITCH_HIGH - PITCH_LOW + 1)]
        if self.expect == "dur":
            return [(DUR0, DUR0 + self.length - self.position)]
        return self._free_ranges()

    def _free_ranges(self) -> list[tuple[int, int]]:
        """After a chord or a note: a later position (never past the next slot), a pitch, or the end."""
        ranges = []
        if self._last_kind == "chord" and self.position >= self.note_end:
            ranges.append((PITCH0, PITCH0 + PITCH_HIGH - PITCH_LOW + 1))
        slot = self.next_slot()
        first_onset = max(self.position + 1, self.note_end)
        if first_onset < min(slot, self.length):  # positions where a note may start
            ranges.append((POS0 + first_onset, POS0 + min(slot, self.length)))
        if slot < self.length:  # a chord change may fall under a sounding note
            ranges.append((POS0 + slot, POS0 + slot + 1))
        if self.can_end():
            ranges += self.end_ranges
        return ranges

    def advance(self, token: int) -> None:
        """Accept one token; ValueError if the grammar does not allow it here."""
        if not any(first <= token < stop for first, stop in self.allowed_ranges()):
            raise ValueError(f"token {VOCAB[token] if 0 <= token < VOCAB_SIZE else token} is not allowed here (bar {self.meter}, position {self.position})")
        kind = kind_of(token)
        self._last_kind = kind
        if kind == "pos":
            self.position = token - POS0
            at_slot = self.position == self.next_slot()
            self.expect = "chord" if at_slot else "pitch"
        elif kind == "chord":
            self.chords.append(chord_of_token(token))
            self.expect = "free"
        elif kind == "pitch":
            self.notes.append((token - PITCH0 + PITCH_LOW, self.position, 0))
            self.expect = "dur"
        elif kind == "dur":
            pitch, start, _ = self.notes[-1]
            self.notes[-1] = (pitch, start, token - DUR0 + 1)
            self.note_end = start + token - DUR0 + 1
            self.expect = "free"
        else:
            self.expect = "ended"

    def pending_melody_pitch(self) -> int | None:
        """The pitch whose duration token comes next, or None."""
        return self.notes[-1][0] if self.expect == "dur" else None

    def melody_so_far(self) -> list[tuple[int, int]]:
        """(pitch, duration_ticks) of the notes whose duration is known."""
        done = self.notes[:-1] if self.expect == "dur" else self.notes
        return [(p, d * GRID_TICKS) for p, _, d in done]

    def to_bar(self, mode: str) -> Bar:
        """The Bar decoded so far (call when ``can_end``)."""
        melody = tuple(Note(p, s * GRID_TICKS, d * GRID_TICKS, MELODY_VELOCITY) for p, s, d in self.notes)
        bounds = list(self.slots) + [self.length]
        harmony = tuple(Chord(r, q, bounds[i] * GRID_TICKS, (bounds[i + 1] - bounds[i]) * GRID_TICKS) for i, (r, q) in enumerate(self.chords))
        return Bar(self.meter, melody, harmony, mode)


class MelodyHarmonyCodec(BarCodec):
    """This module's tokenisation: one monophonic melody and a chord per harmony slot, over ``meters``
    (``METERS`` for the base codec; extra meters' BAR tokens follow the base vocabulary)."""

    voices = ("melody",)
    max_tokens_per_bar = 4 * MAX_POSITIONS + 2  # positions strictly increase: at most POS CHORD PITCH DUR each, BAR, end

    def __init__(self, name: str = "melody_harmony", meters: tuple[str, ...] = METERS) -> None:
        extra = tuple(m for m in meters if m not in METERS)
        assert meters[: len(METERS)] == METERS and extra == EXTRA_METERS[: len(extra)], "extra meters append in EXTRA_METERS order"
        self.name = name
        self.meters = meters
        self.vocab = VOCAB + tuple(f"BAR_{m}" for m in extra)
        self._end_ranges = (BASE_BAR_RANGE,) + (((EXTRA_BAR0, EXTRA_BAR0 + len(extra)),) if extra else ())

    def _check_meter(self, meter: Meter) -> None:
        if str(meter) not in self.meters:
            raise ValueError(f"meter {meter} is not supported by the {self.name} codec (supported: {', '.join(self.meters)})")

    def bar_token(self, meter: Meter) -> int:
        self._check_meter(meter)
        return bar_token(meter)

    def ends_bar(self, token: int) -> bool:
        return any(first <= token < stop for first, stop in self._end_ranges)

    def grammar(self, meter: Meter) -> BarGrammar:
        self._check_meter(meter)
        return BarGrammar(meter, self._end_ranges)

    def encode(self, bar: Bar) -> list[int]:
        self._check_meter(bar.meter)
        return encode_bar(bar)

    def decode(self, tokens: Sequence[int], mode: str = "major") -> Bar:
        if tokens and not self.ends_bar(tokens[0]):
            raise ValueError(f"a bar of the {self.name} codec must start with one of its BAR tokens")
        return decode_bar(list(tokens), mode)

    def pitch_tokens(self, voice: str = "melody") -> dict[int, int]:
        if voice != "melody":
            raise ValueError(f"the {self.name} codec has no {voice!r} voice")
        return {pitch: PITCH0 + pitch - PITCH_LOW for pitch in range(PITCH_LOW, PITCH_HIGH + 1)}

    def duration_ticks(self, token: int) -> int:
        return (token - DUR0 + 1) * GRID_TICKS


MELODY_HARMONY = MelodyHarmonyCodec()
MELODY_HARMONY_V2 = MelodyHarmonyCodec("melody_harmony_v2", ALL_METERS)
"""The base tokenisation plus 3/2, 6/4 and 5/4: what models trained on the v2 corpus use."""
