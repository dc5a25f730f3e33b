"""Themes: read from MIDI (key from the score, the file or the notes), re-barred, moved between modes, developed."""

from __future__ import annotations

import mido
import pytest

from engine.composer import themes, tokens
from engine.music.keys import Key
from engine.music.notes import Meter


def _midi(path, notes, key=None, meter=(4, 4), channel=0):
    mid = mido.MidiFile(ticks_per_beat=240)  # another resolution: read_midi rescales
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1]))
    if key:
        track.append(mido.MetaMessage("key_signature", key=key))
    for pitch, ticks in notes:
        track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=80, time=0))
        track.append(mido.Message("note_off", channel=channel, note=pitch, velocity=0, time=ticks))
    mid.save(path)
    return path


def _pitches(bar_tokens):
    return [t - tokens.PITCH0 + tokens.PITCH_LOW for t in bar_tokens if tokens.kind_of(t) == "pitch"]


def test_key_from_signature_argument_or_notes(tmp_path):
    notes = [(62, 240), (66, 240), (69, 240), (74, 240)]  # D major arpeggio
    signed = themes.load_theme(_midi(tmp_path / "a.mid", notes, key="D"))
    assert [p for p, _, _ in signed.notes] == [60, 64, 67, 72] and not signed.minor
    assert signed.notes[1][1] == 480 and signed.length_ticks == 1920
    given = themes.load_theme(_midi(tmp_path / "b.mid", notes), Key(7, "major"))
    assert [p for p, _, _ in given.notes][0] == 55 + 12  # D written in G: the fifth (tonic C: G)
    guessed = themes.load_theme(_midi(tmp_path / "c.mid", notes))
    assert [p % 12 for p, _, _ in guessed.notes] == [0, 4, 7, 0]
    assert themes.estimate_key([(57, 0, 480), (60, 480, 480), (64, 960, 960), (57, 1920, 960)]) == Key(9, "minor")


@pytest.mark.parametrize("notes, message", [
    ([], "it has no notes"),
    ([(60, 240 * 4 * 5)], "5.0 bars of 4/4; a theme is 1..4 bars"),
])
def test_bad_motifs_name_the_file(tmp_path, notes, message):
    path = _midi(tmp_path / "m.mid", notes)
    with pytest.raises(ValueError, match=f"theme .*m.mid: {message}"):
        themes.load_theme(path)


def test_drums_are_ignored_and_a_non_midi_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="has no notes"):
        themes.load_theme(_midi(tmp_path / "d.mid", [(36, 240)], channel=9))
    (tmp_path / "x.mid").write_bytes(b"not midi")
    with pytest.raises(ValueError, match="theme .*x.mid: not a readable MIDI file"):
        themes.load_theme(tmp_path / "x.mid")


def test_rebarring_keeps_onsets_and_harmonises():
    theme = themes.Theme("t", ((60, 0, 480), (64, 480, 480), (67, 960, 960)), 1920, False, Meter(4, 4))
    bars = themes.theme_tokens(theme, Meter(3, 4), "major")
    assert len(bars) == 2 and _pitches(bars[0]) == [60, 64, 67] and _pitches(bars[1]) == [67]  # G tied over: struck again
    for bar_tokens in bars:
        assert tokens.decode_bar(list(bar_tokens), "major").harmony  # every slot has a chord


def test_modes_move_by_degree_with_the_leading_tone_over_the_dominant():
    bar = (tokens.bar_token(Meter(2, 4)), tokens.POS0, tokens.chord_token(7, "maj"), tokens.PITCH0 + 71 - tokens.PITCH_LOW,
           tokens.DUR0 + 11, tokens.POS0 + 12, tokens.chord_token(9, "min"), tokens.PITCH0 + 69 - tokens.PITCH_LOW, tokens.DUR0 + 11)
    minor = themes.to_mode(bar, "major", "minor")
    assert _pitches(minor) == [71, 68]  # B stays the leading tone over V; A -> Ab
    assert [tokens.chord_of_token(t) for t in minor if tokens.kind_of(t) == "chord"] == [(7, "maj"), (8, "maj")]
    assert themes.to_mode(bar, "major", "major") == bar


def test_developments_sequence_and_invert():
    theme = themes.Theme("t", ((60, 0, 480), (62, 480, 480), (64, 960, 960)), 1920, False, Meter(4, 4))
    (bar,) = themes.theme_tokens(theme, Meter(4, 4), "major")
    assert _pitches(themes.develop(bar, "sequence+1", "major")) == [62, 64, 65]
    assert _pitches(themes.develop(bar, "sequence-1", "major")) == [59, 60, 62]
    assert _pitches(themes.develop(bar, "inversion", "major")) == [60, 59, 57]
    with pytest.raises(ValueError, match="unknown development"):
        themes.develop(bar, "retrograde", "major")
