"""A tune as played: repeats expanded, pickups joined, and every bar labelled with its place in the form.

Input is the notated measures (``Measure``: its length, the meter's full length,
repeat signs, volta numbers, double bars, fermatas); output is the bars in playing
order (``PlayedBar``), each made of one measure or of two short ones joined (the end
of a strain plus the next strain's pickup make one full bar, as a player hears it),
with a ``BarForm`` label:

- **sections** begin at the first measure, at a start-repeat, after an end-repeat or
  a double bar, and after the last volta of a repeat; each gets a letter (A, B, ...)
  by first appearance, so a repeated strain keeps its letter (A A B B);
- **phrases** end at fermatas where the source marks them (chorales) and otherwise
  cut a section into 4-bar phrases (3-bar where the section divides by 3 and not by 4;
  a leftover single bar joins the last phrase);
- the tune's opening pickup is its own bar, labelled ``pickup`` and outside every
  phrase; when a repeat goes back to it after a full bar, it is not played again.

No music21 here: the corpus readers (music21 scores, the committed DCML tables) fill
``Measure`` rows, and this module is the one place form is decided.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PHRASE_BARS = 4


@dataclass(frozen=True)
class Measure:
    """One notated measure: content and bar length in ticks, and the marks that shape the form."""

    length_ticks: int
    full_ticks: int
    repeat_start: bool = False
    repeat_end: bool = False
    ending: tuple[int, ...] = ()
    section_end: bool = False
    fermata: bool = False

    @property
    def short(self) -> bool:
        return self.length_ticks < self.full_ticks


@dataclass(frozen=True)
class BarForm:
    """Where one played bar sits: section letter (0 = A), which pass through it, phrase and bar positions."""

    section: int
    section_pass: int
    phrase_in_section: int
    section_phrases: int
    bar_in_phrase: int
    phrase_bars: int
    closes_phrase: bool
    closes_section: bool
    pickup: bool = False


PICKUP_FORM = BarForm(0, 1, 0, 1, -1, 0, False, False, pickup=True)


@dataclass(frozen=True)
class PlayedBar:
    """A bar as heard: (measure index, tick shift) pieces and its form label."""

    pieces: tuple[tuple[int, int], ...]
    form: BarForm


def expand_repeats(measures: list[Measure]) -> list[tuple[int, int]]:
    """(measure index, pass number) in playing order: end-repeats go back once, voltas play on their pass."""
    order: list[tuple[int, int]] = []
    start, passes, index, jumped_from = 0, 1, 0, -1
    while index < len(measures):
        measure = measures[index]
        if measure.repeat_start and passes == 1:
            start = index
        if measure.ending and passes not in measure.ending:
            index += 1
            continue
        if passes > 1 and index > jumped_from and not measure.ending:
            passes, start = 1, index  # past the repeat and its voltas
        order.append((index, passes))
        if measure.repeat_end and index != jumped_from and passes == 1:
            jumped_from, passes, index = index, 2, start
            continue
        if measure.repeat_end and passes > 1 and index != jumped_from:
            passes, start = 1, index + 1  # a second volta that itself ends with a repeat sign
        index += 1
    return order


def section_ids(measures: list[Measure]) -> list[int]:
    """The notated section of every measure (see the module docstring for where sections begin)."""
    ids, current = [], 0
    for index, measure in enumerate(measures):
        if index > 0:
            before = measures[index - 1]
            ends_before = before.section_end or (before.repeat_end and not measure.ending) or (before.ending and not measure.ending)
            if (measure.repeat_start or ends_before) and not measure.ending:
                current += 1
        ids.append(current)
    return ids


def join_pickups(measures: list[Measure], order: list[tuple[int, int]]) -> list[tuple[tuple[tuple[int, int], ...], int]]:
    """Played bars as ((measure, shift) pieces, pass): a short measure and a following short one that fill a bar are one bar.

    The opening pickup is kept (right-aligned) the first time and skipped when a repeat
    returns to it after a full bar."""
    bars: list[tuple[tuple[tuple[int, int], ...], int]] = []
    position = 0
    while position < len(order):
        index, passes = order[position]
        measure = measures[index]
        following = order[position + 1] if position + 1 < len(order) else None
        if measure.short and following is not None and _fills(measure, measures[following[0]]):
            bars.append((((index, 0), (following[0], measure.length_ticks)), passes))
            position += 2
            continue
        if measure.short and index == 0 and position > 0:
            position += 1  # the opening pickup, returned to by a repeat: already heard in the bar before
            continue
        shift = measure.full_ticks - measure.length_ticks if measure.short and position == 0 else 0
        bars.append((((index, shift),), passes))
        position += 1
    return bars


def _fills(first: Measure, second: Measure) -> bool:
    return second.short and first.full_ticks == second.full_ticks and first.length_ticks + second.length_ticks == first.full_ticks


def phrase_lengths(bar_count: int, fermata_ends: list[int]) -> list[int]:
    """Bars per phrase of a section: cut after each fermata bar, else 4-bar phrases (3 where it divides by 3, not 4)."""
    if bar_count <= 0:
        return []
    cuts = sorted({end + 1 for end in fermata_ends if 0 <= end < bar_count - 1})
    if cuts:
        bounds = [0] + cuts + [bar_count]
        return [b - a for a, b in zip(bounds, bounds[1:])]
    size = 3 if bar_count % 4 and bar_count % 3 == 0 else DEFAULT_PHRASE_BARS
    lengths = [size] * (bar_count // size)
    leftover = bar_count % size
    if leftover == 1 and lengths:
        lengths[-1] += 1
    elif leftover:
        lengths.append(leftover)
    return lengths


def _section_runs(bar_sections: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(first bar, bar count) of each run of consecutive bars in the same (section, pass)."""
    runs, start = [], 0
    for index in range(1, len(bar_sections) + 1):
        if index == len(bar_sections) or bar_sections[index] != bar_sections[start]:
            runs.append((start, index - start))
            start = index
    return runs


def label_form(measures: list[Measure]) -> list[PlayedBar]:
    """The tune's bars in playing order, each with its BarForm; empty for a tune without measures."""
    if not measures:
        return []
    sections = section_ids(measures)
    played = join_pickups(measures, expand_repeats(measures))
    letters: dict[int, int] = {}
    keys = []
    for pieces, passes in played:
        section = sections[pieces[0][0]]
        letters.setdefault(section, len(letters))
        keys.append((letters[section], passes))
    out: list[PlayedBar] = []
    for first, count in _section_runs(keys):
        pickup = first == 0 and played[0][0][0][1] > 0
        if pickup:
            out.append(PlayedBar(played[0][0], PICKUP_FORM))
            first, count = first + 1, count - 1
        fermatas = [i for i in range(count) if any(measures[m].fermata for m, _ in played[first + i][0])]
        out += _label_run(played[first : first + count], keys[first], phrase_lengths(count, fermatas))
    return out


def _label_run(bars, key: tuple[int, int], lengths: list[int]) -> list[PlayedBar]:
    """Label one pass through one section, phrase by phrase."""
    out, bar = [], 0
    for phrase, length in enumerate(lengths):
        for within in range(length):
            closes = within == length - 1
            form = BarForm(key[0], key[1], phrase, len(lengths), within, length, closes, closes and phrase == len(lengths) - 1)
            out.append(PlayedBar(bars[bar][0], form))
            bar += 1
    return out
