"""Structure figures on hand-made pieces with known answers, and on the real fixture tunes."""

import math

from engine.composer.evaluation import structure
from engine.music.notes import PPQ, Bar, Chord, Meter, Note

M = Meter(2, 4)


def bar(pitches, chords=((0, "maj"), (0, "maj")), mode="major"):
    """A 2/4 bar of quarter notes (None: a rest) over two half-bar chords."""
    notes = tuple(Note(p, i * PPQ, PPQ) for i, p in enumerate(pitches) if p is not None)
    harmony = tuple(Chord(r, q, i * PPQ, PPQ) for i, (r, q) in enumerate(chords))
    return Bar(M, notes, harmony, mode)


def test_repeats_exact_transposed_and_rhythm():
    piece = [bar([60, 62]), bar([60, 62]), bar([65, 67]), bar([64, None])]
    assert structure.repeat_share(piece, structure.exact_key) == 1 / 3
    assert structure.repeat_share(piece, structure.transposed_key) == 2 / 3
    assert structure.repeat_share(piece, structure.rhythm_key) == 2 / 3


def test_phrase_repeats_need_three_quarters_of_the_notes():
    a = [bar([60, 62]), bar([64, 65])]
    varied = [bar([60, 62]), bar([64, 67])]  # 3 of 4 notes
    other = [bar([60, 69]), bar([71, 72])]  # 1 of 4
    assert structure.phrase_repeat_share(a + varied + other, phrase_bars=2) == 0.5
    assert math.isnan(structure.phrase_repeat_share(a, phrase_bars=2))


def test_bigrams_cadences_and_chord_changes():
    assert structure.bigram_ratio([bar([60, 62]), bar([60, 62])]) == 2 / 3  # (0,2) (2,0) (0,2)
    closed = bar([67, 60], ((7, "dom7"), (0, "maj")))
    half = bar([64, 62], ((0, "maj"), (7, "maj")))
    open_ = bar([64, 65], ((0, "maj"), (5, "maj")))
    piece = [bar([60, 62])] + [half] + [bar([60, 62])] + [closed] + [bar([60, 62])] + [open_]
    assert structure.cadence_rate(piece, phrase_bars=2) == 2 / 3
    assert structure.chord_changes_per_bar(piece) == 5 / 6  # I I . I V . I I . V I . I I . I IV


def test_theme_found_transposed_and_in_the_other_mode_but_not_when_changed():
    theme = structure.theme_degrees([(60, 0, PPQ), (64, PPQ, PPQ), (67, 2 * PPQ, PPQ), (72, 3 * PPQ, PPQ)], minor=False)
    minor_up_a_step = [bar([None, 62], mode="minor"), bar([65, 69], mode="minor"), bar([74, None], mode="minor")]  # D F A D, a beat late
    assert structure.contains_theme(minor_up_a_step, theme)
    changed = [bar([None, 62]), bar([67, 69]), bar([72, None])]  # two of four degrees moved: another tune
    assert not structure.contains_theme(changed, theme)
    # windows from bars 0, 1, 2: the second still holds three of the four notes, the third one
    assert structure.theme_recall(minor_up_a_step + [bar([60, 60])] * 7, theme, span=8) == 2 / 3


def test_real_tunes_give_finite_figures(fixture_tunes):
    figures = structure.mean_figures([bars[:32] for bars, _, _ in fixture_tunes])
    assert set(figures) == {"repeat_bars", "repeat_bars_transposed", "repeat_rhythm", "repeat_phrases",
                            "pc_bigram_ratio", "cadence_rate", "chord_changes_per_bar"}
    assert all(0 <= value <= 2 for value in figures.values())
    assert figures["repeat_rhythm"] >= figures["repeat_bars_transposed"] >= figures["repeat_bars"]


def test_a_chromatic_note_kept_by_a_restatement_in_the_other_mode_still_matches():
    # C E Eb D in C major (Eb off the scale) restated in C minor degree for degree, Eb kept:
    # in minor it is on the scale, half a degree from where the major theme had it
    theme = structure.theme_degrees([(60, 0, PPQ), (64, PPQ, PPQ), (63, 2 * PPQ, PPQ), (62, 3 * PPQ, PPQ)], minor=False)
    assert structure.contains_theme([bar([60, 63], mode="minor"), bar([63, 62], mode="minor")], theme, share=1.0)
    # a diatonic note a whole degree away is still a different note
    assert not structure.contains_theme([bar([60, 65], mode="minor"), bar([63, 62], mode="minor")], theme, share=1.0)
