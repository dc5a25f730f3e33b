"""Notes, chords, meters and bars: the immutable vocabulary every layer speaks.

Musical time inside a bar is counted in integer ticks at ``PPQ`` ticks per quarter
note (the MIDI convention). A ``Bar`` is key-neutral: its pitches are written as if
the tonic were C (pitch class 0), and the arranger transposes them to the intent's
key. Objects are checked once when built and are immutable after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.music.keys import CHORD_QUALITIES, MODES

PPQ = 480
"""Ticks per quarter note, everywhere in the engine."""

_COMPOUND_NUMERATORS = (6, 9, 12)


def check_int(name: str, value, lo: int, hi: int) -> None:
    """Raise TypeError unless ``value`` is an int, ValueError unless lo <= value <= hi."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value} is outside {lo}..{hi}")


@dataclass(frozen=True, slots=True)
class Meter:
    """A time signature such as 4/4, 3/4, 6/8 or 2/2.

    Compound meters (6/8, 9/8, 12/8) count their beat as a dotted quarter, so 6/8
    has two beats per bar; simple meters count one beat per denominator note.
    """

    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        check_int("meter numerator", self.numerator, 1, 32)
        if self.denominator not in (1, 2, 4, 8, 16, 32):
            raise ValueError(f"meter denominator: {self.denominator} is not a power of two in 1..32")

    @classmethod
    def parse(cls, text: str) -> Meter:
        """Build a meter from text such as ``"6/8"``."""
        try:
            num, den = (int(part) for part in str(text).split("/"))
        except ValueError:
            raise ValueError(f"meter {text!r} is not of the form N/D, e.g. 4/4 or 6/8") from None
        return cls(num, den)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def is_compound(self) -> bool:
        return self.denominator == 8 and self.numerator in _COMPOUND_NUMERATORS

    @property
    def ticks_per_bar(self) -> int:
        return self.numerator * 4 * PPQ // self.denominator

    @property
    def beats_per_bar(self) -> int:
        return self.numerator // 3 if self.is_compound else self.numerator

    @property
    def ticks_per_beat(self) -> int:
        return self.ticks_per_bar // self.beats_per_bar

    @property
    def quarters_per_bar(self) -> float:
        return self.ticks_per_bar / PPQ


@dataclass(frozen=True, slots=True)
class Note:
    """One note: MIDI pitch, start and duration in ticks, velocity 1..127."""

    pitch: int
    start_ticks: int
    duration_ticks: int
    velocity: int = 90

    def __post_init__(self) -> None:
        check_int("note pitch", self.pitch, 0, 127)
        check_int("note start_ticks", self.start_ticks, 0, 2**31)
        check_int("note duration_ticks", self.duration_ticks, 1, 2**31)
        check_int("note velocity", self.velocity, 1, 127)

    @property
    def end_ticks(self) -> int:
        return self.start_ticks + self.duration_ticks

    def transposed(self, semitones: int) -> Note:
        return Note(self.pitch + semitones, self.start_ticks, self.duration_ticks, self.velocity)


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord: root pitch class (0 = the tonic in a key-neutral bar) and a quality.

    ``quality`` is one of ``engine.music.keys.CHORD_QUALITIES``.
    """

    root_pc: int
    quality: str
    start_ticks: int
    duration_ticks: int

    def __post_init__(self) -> None:
        check_int("chord root_pc", self.root_pc, 0, 11)
        if self.quality not in CHORD_QUALITIES:
            raise ValueError(f"chord quality {self.quality!r} is not one of {sorted(CHORD_QUALITIES)}")
        check_int("chord start_ticks", self.start_ticks, 0, 2**31)
        check_int("chord duration_ticks", self.duration_ticks, 1, 2**31)

    @property
    def end_ticks(self) -> int:
        return self.start_ticks + self.duration_ticks

    def pitch_classes(self) -> tuple[int, ...]:
        """The chord's pitch classes, root first."""
        return tuple((self.root_pc + step) % 12 for step in CHORD_QUALITIES[self.quality])


MELODY = "melody"
"""The name of a bar's lead voice in ``Bar.voices``."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of music in key-neutral form: a melody, its harmony, and any other voices.

    Pitches are written with the tonic on C; ``mode`` says whether the bar was
    composed in major or minor (or another mode of ``keys.MODES``). Melody notes
    are monophonic, sorted by start, and lie inside the bar; chords tile the bar.
    ``other_voices`` holds further named voices as ``(name, notes)`` pairs (a bass
    line, a countermelody), each sorted by start and inside the bar; ``voices`` and
    ``voice(name)`` read all of them, the melody included, so a reader of one voice
    does not care which codec wrote the bar, and readers of ``melody`` never change.
    """

    meter: Meter
    melody: tuple[Note, ...] = ()
    harmony: tuple[Chord, ...] = ()
    mode: str = "major"
    source: str = field(default="", compare=False)
    other_voices: tuple[tuple[str, tuple[Note, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"bar mode {self.mode!r} is not one of {sorted(MODES)}")
        length = self.meter.ticks_per_bar
        for chord in self.harmony:
            if chord.end_ticks > length:
                raise ValueError(f"chord {chord} ends past the bar ({length} ticks in {self.meter})")
        self._check_notes(MELODY, self.melody)
        names = [MELODY]
        for name, notes in self.other_voices:
            if not isinstance(name, str) or not name or name in names:
                raise ValueError(f"bar voice name {name!r} is empty, not a string or given twice")
            names.append(name)
            self._check_notes(name, notes)

    def _check_notes(self, voice: str, notes: tuple[Note, ...]) -> None:
        length = self.meter.ticks_per_bar
        for note in notes:
            if not isinstance(note, Note):
                raise TypeError(f"bar {voice} holds {type(note).__name__} {note!r}, not a Note")
            if note.end_ticks > length:
                raise ValueError(f"note {note} ends past the bar ({length} ticks in {self.meter})")
        starts = [note.start_ticks for note in notes]
        if starts != sorted(starts):
            raise ValueError(f"bar {voice} notes must be sorted by start_ticks")

    @property
    def ticks(self) -> int:
        return self.meter.ticks_per_bar

    @property
    def voices(self) -> dict[str, tuple[Note, ...]]:
        """Every voice by name, the melody first."""
        return {MELODY: self.melody, **dict(self.other_voices)}

    def voice(self, name: str) -> tuple[Note, ...]:
        """The notes of voice ``name``; empty for a voice this bar does not carry."""
        if name == MELODY:
            return self.melody
        return next((notes for voice, notes in self.other_voices if voice == name), ())

    def chord_at(self, tick: int) -> Chord | None:
        """The chord sounding at ``tick``, or None where the bar has no harmony."""
        for chord in self.harmony:
            if chord.start_ticks <= tick < chord.end_ticks:
                return chord
        return self.harmony[-1] if self.harmony else None
