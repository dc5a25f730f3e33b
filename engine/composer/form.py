"""Form: which phrase comes next and what it does, decided above the network.

A ``Form`` (``engine.music.form``: the labels, their cadences and the moods' default
forms) is a list of phrase labels such as ``A A' B A'``. Each phrase is
``phrase_bars`` bars (the score's ``phrase_bars``, the grid its ``next_phrase``
transitions land on). The planner gives every phrase a role:

- **statement** — the form's first letter, composed fresh (opening with the theme
  when the section has one) and remembered;
- **contrast** — a new letter, composed fresh (opening with a development of the
  theme when there is one) and remembered;
- **answer** — a primed label whose letter was heard: the first half of that phrase
  restated exactly, the rest composed, so the pair reads as question and answer;
- **return** — a label heard before: its stored bars restated, varied;
- **bridge** — the bars from a section's first bar to the next phrase line, when a
  transition lands mid-phrase: composed freely, the form starts after them.

Phrase ends cadence as the form says (``Form.cadence``). The form cycles; each pass
composes its contrast letters afresh (``B``, then ``B~2``, ``B~3``: a rondo),
counting the passes a mood made in earlier sections too, so a long or often-visited
state keeps its refrain without looping one tape. Everything here is pure and
immutable: the planner's state travels in the composer's snapshot, so a rollback
replans identically.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.music.form import Form, letter

ROLES = ("statement", "answer", "contrast", "return", "bridge")


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
