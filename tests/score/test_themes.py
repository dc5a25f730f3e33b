"""A state's theme and form keys: read, checked (the motif file too), and handed to the composer's planner."""

import mido
import pytest

from engine.composer.planner import form_config_for_score
from engine.music.theme import GENERATED, Theme
from engine.music.keys import Key
from engine.score.load import load_score
from engine.score.source import SourceError

from .conftest import MINIMAL


def _motif(path, bars: int = 2) -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for pitch in [62, 64, 65, 67] * bars:
        track.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=480))
    mid.save(path)


def test_theme_and_form_keys_reach_the_planner(write_score, tmp_path):
    _motif(tmp_path / "motif.mid")
    text = MINIMAL.replace("a: {mood: calm, tempo: 100}", "a: {mood: calm, tempo: 100, theme: motif.mid, form: [A, A', B, A]}")
    text = text.replace("intensity: {parameter: danger}}", "intensity: {parameter: danger}, theme: {file: motif.mid, key: D minor}}")
    score = load_score(write_score(text))
    assert score.states["a"].form == ("A", "A'", "B", "A") and score.states["b"].form == ()
    assert score.states["b"].theme.key == Key(2, "minor") and score.states["a"].theme.key is None
    config = form_config_for_score(score)
    calm, tense = config.section("calm"), config.section("tense")
    assert str(calm.form) == "A A' B A" and tense.form is None
    assert isinstance(calm.theme, Theme) and isinstance(tense.theme, Theme) and tense.theme.minor
    assert config.phrase_bars == score.phrase_bars


def test_generated_theme(write_score):
    score = load_score(write_score(MINIMAL.replace("tempo: 100}", "tempo: 100, theme: generated}")))
    assert form_config_for_score(score).section("calm").theme == GENERATED


@pytest.mark.parametrize("value, message", [
    ("form: [A, b]", "9: states.a.form: form label 'b' is not a capital letter"),
    ("theme: nothing.mid", "9: states.a.theme: file 'nothing.mid' does not exist"),
    ("theme: long.mid", "long.mid: 6.0 bars of 4/4; a theme is 1..4 bars"),
    ("theme: {file: motif.mid, key: H}", "9: states.a.theme.key: key 'H': note name 'H' must start with a letter A..G"),
    ("theme: {file: motif.mid, tempo: 3}", "9: states.a.theme.tempo: unknown key 'tempo'"),
])
def test_bad_theme_or_form_names_line_and_path(write_score, tmp_path, value, message):
    _motif(tmp_path / "motif.mid")
    _motif(tmp_path / "long.mid", bars=6)
    with pytest.raises(SourceError) as info:
        load_score(write_score(MINIMAL.replace("tempo: 100}", f"tempo: 100, {value}}}")))
    assert message in str(info.value)
