"""Form: which phrase comes next and what it does, decided above the network.

A ``Form`` is a list of phrase labels such as ``A A' B A'``: a letter is a body of
material, primes mark its variants. Each phrase is ``phrase_bars`` bars (the score's
``phrase_bars``, the grid its ``next_phrase`` transitions land on). The planner gives
every phrase a role:

- **statement** — the form's first letter, composed fresh (opening with the theme
  when the section has one) and remembered;
- **contrast** — a new letter, composed fresh (opening with a development of the
  theme when there is one) and remembered;
- **answer** — a primed label whose letter was heard: the first half of that phrase
  restated exactly, the rest composed, so the pair reads as question and answer;
- **return** — a label heard before: its stored bars restated, varied;
- **bridge** — the bars from a section's first bar to the next phrase line, when a
  transition lands mid-phrase: composed freely, the form starts after them.

Phrase ends cadence: a phrase whose answer follows, and a contrast leading back,
end on the dominant (half cadence); answers, closed statements and the form's last
phrase end dominant → tonic (authentic). The form cycles; each pass composes its
contrast letters afresh (``B``, then ``B~2``, ``B~3``: a rondo), counting the passes
a mood made in earlier sections too, so a long or often-visited state keeps its
refrain without looping one tape. Default forms are per mood (``DEFAULT_FORMS``):
song form (A A' B A') for calm moods, the folk dance's repeated strains
(A A' A A' B B' B B') for lively ones; a score's ``form:`` overrides them.
Everything here is pure and immutable: the planner's state travels in the
composer's snapshot, so a rollback replans identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABEL = re.compile(r"^[A-Z]'{0,3}$")
MAX_LABELS = 16
ROLES = ("statement", "answer", "contrast", "return", "bridge")
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


@dataclass(frozen=True)
class PhrasePlan:
    """What one phrase is: its role, label, memory key, cadence and where in the form."""

    role: str
    label: str
    key: str
    cadence: str | None
    first_bar: int
    phrase_bars: int
    source_key: str | None = None  # the remembered phrase restated (return) or answered
    cycle: int = 0  # which pass through the form, counting the mood's earlier sections


def phrase_at(form: Form, phrase_number: int, heard: frozenset[str], phrase_bars: int, first_bar: int,
              passes_before: int = 0) -> PhrasePlan:
    """The plan of phrase ``phrase_number`` of a section (0 = the form's first) given the
    memory keys already ``heard`` in this section's mood and the passes through its form
    the mood made in earlier sections."""
    cycle, index = divmod(phrase_number, len(form.labels))
    cycle += passes_before
    label = form.labels[index]
    key = label if letter(label) == letter(form.labels[0]) or cycle == 0 else f"{label}~{cycle + 1}"
    cadence = form.cadence(index)
    if key in heard:
        return PhrasePlan("return", label, key, cadence, first_bar, phrase_bars, key, cycle)
    suffix = key[len(label):]
    if label.endswith("'"):
        for earlier in (letter(label) + "'" * n + suffix for n in range(len(label) - len(letter(label)))):
            if earlier in heard:
                return PhrasePlan("answer", label, key, cadence, first_bar, phrase_bars, earlier, cycle)
    role = "statement" if letter(label) == letter(form.labels[0]) else "contrast"
    return PhrasePlan(role, label, key, cadence, first_bar, phrase_bars, cycle=cycle)


def bridge(first_bar: int, bars: int) -> PhrasePlan:
    """The free bars before a section's form starts on the next phrase line."""
    return PhrasePlan("bridge", "-", "-", None, first_bar, bars)
