"""Keys, modes and chord qualities, with the pitch arithmetic between them."""

from __future__ import annotations

from dataclasses import dataclass

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
}
"""Scale steps in semitones above the tonic, per mode."""

MINOR_LIKE = frozenset({"minor", "harmonic_minor", "dorian", "phrygian", "locrian"})

CHORD_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus4": (0, 5, 7),
    "dom7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "hdim7": (0, 3, 6, 10),
}
"""Chord tones in semitones above the root, per quality."""

PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_pitch_class(name: str) -> int:
    """Pitch class of a note name such as ``"C"``, ``"F#"``, ``"Bb"`` or ``"Ebb"``."""
    text = str(name).strip()
    if not text or text[0].upper() not in _LETTERS:
        raise ValueError(f"note name {name!r} must start with a letter A..G")
    pc = _LETTERS[text[0].upper()]
    for accidental in text[1:]:
        if accidental in "#♯":
            pc += 1
        elif accidental in "b♭":
            pc -= 1
        else:
            raise ValueError(f"note name {name!r}: {accidental!r} is not # or b")
    return pc % 12


@dataclass(frozen=True, slots=True)
class Key:
    """A tonic pitch class (0 = C) and a mode from ``MODES``."""

    tonic_pc: int = 0
    mode: str = "major"

    def __post_init__(self) -> None:
        if isinstance(self.tonic_pc, bool) or not isinstance(self.tonic_pc, int):
            raise TypeError(f"key tonic_pc must be an int, got {self.tonic_pc!r}")
        if not 0 <= self.tonic_pc <= 11:
            raise ValueError(f"key tonic_pc: {self.tonic_pc} is outside 0..11")
        if self.mode not in MODES:
            raise ValueError(f"key mode {self.mode!r} is not one of {sorted(MODES)}")

    @classmethod
    def parse(cls, text: str) -> Key:
        """Build a key from text such as ``"D minor"``, ``"Bb"`` or ``"F# dorian"``."""
        parts = str(text).split()
        if not 1 <= len(parts) <= 2:
            raise ValueError(f"key {text!r} is not of the form 'TONIC [MODE]', e.g. 'D minor'")
        mode = parts[1].lower() if len(parts) == 2 else "major"
        return cls(parse_pitch_class(parts[0]), mode)

    def __str__(self) -> str:
        return f"{PITCH_CLASS_NAMES[self.tonic_pc]} {self.mode}"

    @property
    def is_minor(self) -> bool:
        return self.mode in MINOR_LIKE

    def scale_pcs(self) -> tuple[int, ...]:
        """The key's pitch classes, tonic first."""
        return tuple((self.tonic_pc + step) % 12 for step in MODES[self.mode])

    def transpose_offset(self) -> int:
        """Semitones to add to a key-neutral (tonic C) pitch: in -5..+6, the nearest octave."""
        return self.tonic_pc - 12 if self.tonic_pc > 6 else self.tonic_pc

    def contains(self, pitch: int) -> bool:
        return pitch % 12 in self.scale_pcs()


def diatonic_triads(mode: str) -> tuple[tuple[int, str], ...]:
    """(root_pc, quality) of the triad on each scale degree of ``mode``, tonic C."""
    steps = MODES[mode]
    triads = []
    for degree in range(7):
        root = steps[degree]
        third = (steps[(degree + 2) % 7] - root) % 12
        fifth = (steps[(degree + 4) % 7] - root) % 12
        quality = {(4, 7): "maj", (3, 7): "min", (3, 6): "dim", (4, 8): "aug"}[(third, fifth)]
        triads.append((root, quality))
    return tuple(triads)
