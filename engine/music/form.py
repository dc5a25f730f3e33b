"""Form: the phrase labels a piece of music is built from, and how each phrase closes.

A ``Form`` is a list of phrase labels such as ``A A' B A'``: a letter is a body of
material, primes mark its variants (``A'`` answers ``A``). Each phrase closes on a
cadence (``Form.cadence``): a phrase whose answer follows, and a contrast leading
back, end on the dominant (half cadence); answers, closed statements and the form's
last phrase end dominant -> tonic (authentic). Default forms are per mood
(``DEFAULT_FORMS``): song form (A A' B A') for calm moods, the folk dance's repeated
strains (A A' A A' B B' B B') for lively ones; a score's ``form:`` overrides them.
This is the grammar only, shared by the score (``form:`` is checked on load) and the
composer (``engine.composer.form`` plans each phrase's role from it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABEL = re.compile(r"^[A-Z]'{0,3}$")
MAX_LABELS = 16
CADENCES = ("authentic", "half")


@dataclass(frozen=True)
class Form:
    """Phrase labels of one pass through the form, e.g. ``("A", "A'", "B", "A'")``."""

    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.labels, tuple) or not 1 <= len(self.labels) <= MAX_LABELS:
            raise ValueError(f"form: give 1..{MAX_LABELS} phrase labels, got {self.labels!r}")
        for label in self.labels:
            if not isinstance(label, str) or not LABEL.match(label):
                raise ValueError(f"form label {label!r} is not a capital letter with up to three primes (A, A', B'')")

    @classmethod
    def parse(cls, value) -> "Form":
        """A form from a list of labels or text such as ``"A A' B A"`` / ``"A,A',B,A"``."""
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"form {value!r} is not a list of phrase labels")
        return cls(tuple(str(label).strip() for label in value))

    def __str__(self) -> str:
        return " ".join(self.labels)

    def cadence(self, index: int) -> str:
        """The cadence that closes phrase ``index`` of the form."""
        label = self.labels[index]
        if index == len(self.labels) - 1 or label.endswith("'"):
            return "authentic"
        following = self.labels[index + 1]
        if letter(following) == letter(label) and following.endswith("'"):
            return "half"  # antecedent: its answer follows
        return "authentic" if letter(label) == letter(self.labels[0]) else "half"


def letter(label: str) -> str:
    return label.rstrip("'")


SONG_FORM = Form(("A", "A'", "B", "A'"))
DANCE_FORM = Form(("A", "A'", "A", "A'", "B", "B'", "B", "B'"))
DEFAULT_FORMS = {"calm": SONG_FORM, "mysterious": SONG_FORM, "sad": SONG_FORM,
                 "tense": DANCE_FORM, "action": DANCE_FORM, "triumphant": DANCE_FORM, "playful": DANCE_FORM}
"""The built-in moods' forms; any other mood takes the dance form from arousal 0.5 up, else song form."""


def default_form(mood: str, arousal: float) -> Form:
    return DEFAULT_FORMS.get(mood) or (DANCE_FORM if arousal >= 0.5 else SONG_FORM)
