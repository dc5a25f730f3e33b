"""A theme read from MIDI: its key from the score, the file or the notes; bad motifs named."""

from __future__ import annotations

import mido
import pytest

from engine.music import theme as themes
from engine.music.keys import Key


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
