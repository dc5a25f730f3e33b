"""A catalogue of broken scores, each with the exact message expected, and the examples."""

from pathlib import Path

import pytest

from engine.music.example import example_song
from engine.music.midi import Song, Track, write_midi
from engine.music.notes import Meter
from engine.music.tempo import TempoMap
from engine.score.load import load_score
from engine.score.source import SourceError

from .conftest import MINIMAL

EXAMPLES = sorted((Path(__file__).parents[2] / "demo" / "scores").glob("*.yaml"))

# (old text in MINIMAL, new text, expected "line: yaml.path: message")
BROKEN = {
    "unknown top key": ("initial_state: a\n", "initial_state: a\nphrase_bar: 4\n",
                        "4: phrase_bar: unknown key 'phrase_bar' (did you mean 'phrase_bars'?)"),
    "unknown state key": ("tempo: 100}", "tempo: 100, metre: 3/4}",
                          "9: states.a.metre: unknown key 'metre' (did you mean 'meter'?)"),
    "unknown state": ("to: b}", "to: bb}", "12: events.go.to: unknown state 'bb' (did you mean 'b'?)"),
    "unknown from": ("from: a,", "from: [a, c],", "12: events.go.from[1]: unknown state 'c'"),
    "unknown initial": ("initial_state: a", "initial_state: z", "3: initial_state: unknown state 'z'"),
    "unknown mood": ("mood: calm", "mood: clam", "9: states.a.mood: unknown mood 'clam' (did you mean 'calm'?)"),
    "unknown parameter": ("parameter: danger", "parameter: dangr",
                          "10: states.b.intensity.parameter: unknown parameter 'dangr' (did you mean 'danger'?)"),
    "unknown stinger": ("to: b}", "to: b, stinger: hti}",
                        "12: events.go.stinger: unknown stinger 'hti' (did you mean 'hit'?)"),
    "stinger mood": ("hit: {mood: tense}", "hit: {mood: tnse}",
                     "7: stingers.hit.mood: unknown mood 'tnse' (did you mean 'tense'?)"),
    "tempo range": ("tempo: 100", "tempo: 400", "9: states.a.tempo: 400 is outside 20..300"),
    "tempo pair": ("tempo: 100", "tempo: [120, 90]", "9: states.a.tempo: low 120 must be below high 90"),
    "intensity range": ("tempo: 100}", "tempo: 100, intensity: 1.5}", "9: states.a.intensity: 1.5 is outside 0..1"),
    "intensity type": ("tempo: 100}", "tempo: 100, intensity: loud}",
                       "9: states.a.intensity: expected a number, got str 'loud'"),
    "parameter default": ("default: 0,", "default: 2,", "5: parameters.danger.default: 2 is outside 0..1"),
    "set range": ("to: b}", "to: b, set: {danger: 3}}", "12: events.go.set.danger: 3 is outside 0..1"),
    "bad meter": ("tempo: 100}", "tempo: 100, meter: 7/9}",
                  "9: states.a.meter: meter denominator: 9 is not a power of two in 1..32"),
    "meter text": ("tempo: 100}", "tempo: 100, meter: fast}",
                   "9: states.a.meter: meter 'fast' is not of the form N/D, e.g. 4/4 or 6/8"),
    "bad key": ("tempo: 100}", "tempo: 100, key: H minor}",
                "9: states.a.key: key 'H minor': note name 'H' must start with a letter A..G"),
    "bad mode": ("tempo: 100}", "tempo: 100, key: D dorain}",
                 "9: states.a.key: unknown mode 'dorain' (did you mean 'dorian'?)"),
    "bad sync": ("to: b}", "to: b, sync: next_beet}",
                 "12: events.go.sync: 'next_beet' is not allowed (did you mean 'next_beat'?)"),
    "bad layer": ("tempo: 100}", "tempo: 100, layers: [pad, melodi]}",
                  "9: states.a.layers[1]: unknown layer 'melodi' (did you mean 'melody'?)"),
    "timed needs then": ("tempo: 100}", "tempo: 100, duration_bars: 4}",
                         "9: states.a: 'duration_bars' and 'then' go together: a timed state needs both"),
    "version": ("version: 1", "version: 2", "1: version: version 2 is not supported (this engine reads 1)"),
    "missing version": ("version: 1\n", "", "1: (top level): missing required key 'version'"),
    "path escapes": ("to: b}", "to: b, segment: ../x.mid}",
                     "12: events.go.segment: path '../x.mid' leads outside the file's folder"),
    "absolute path": ("to: b}", "to: b, segment: /tmp/x.mid}",
                      "12: events.go.segment: path '/tmp/x.mid' is absolute; give it relative to the file's folder"),
    "missing file": ("to: b}", "to: b, segment: x.mid}", "12: events.go.segment: file 'x.mid' does not exist"),
    "not midi": ("to: b}", "to: b, segment: x.wav}", "12: events.go.segment: file 'x.wav' must end .mid or .midi"),
    "gm range": ("stingers:", "moods:\n  m: {valence: 0.5, arousal: 0.5, instruments: {pad: 128}}\nstingers:",
                 "7: moods.m.instruments.pad: 128 is outside 0..127"),
    "gm name": ("stingers:", "moods:\n  m: {valence: 0.5, arousal: 0.5, instruments: {melody: flutes}}\nstingers:",
                "7: moods.m.instruments.melody: unknown General MIDI instrument 'flutes' (did you mean 'Flute'?)"),
    "stinger both": ("hit: {mood: tense}", "hit: {mood: tense, file: x.mid}",
                     "7: stingers.hit: give a stinger either 'mood' (generated) or 'file' (authored MIDI), exactly one"),
    "loudness mode": ("initial_state: a\n", "initial_state: a\nloudness: loud\n",
                      "4: loudness: 'loud' is not allowed (one of: auto, off)"),
    "event does nothing": ("go: {from: a, to: b}", "go: {fade_s: 1}",
                           "12: events.go: this event does nothing: give it 'to', 'transitions', 'stinger' or 'set'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_score_reports_exact_problem(write_score, case):
    old, new, expected = BROKEN[case]
    assert old in MINIMAL, case
    path = write_score(MINIMAL.replace(old, new, 1))
    with pytest.raises(SourceError) as info:
        load_score(path)
    assert f"{path}:{expected}" in str(info.value).splitlines()


def test_minimal_loads(write_score):
    score = load_score(write_score(MINIMAL))
    assert score.summary() == "T: 2 states, 1 events, 1 parameters, 1 stingers"
    assert set(score.moods) >= {"calm", "mysterious", "tense", "action", "triumphant", "sad", "playful"}


@pytest.mark.parametrize("text, mode", [("", "auto"), ("loudness: auto\n", "auto"), ("loudness: off\n", "off"),
                                        ("loudness: false\n", "off"), ("loudness: 'off'\n", "off")])
def test_loudness_is_auto_unless_the_score_says_off(write_score, text, mode):
    # YAML reads a bare off (or false, no) as a boolean: it means off all the same
    assert load_score(write_score(MINIMAL.replace("initial_state: a\n", "initial_state: a\n" + text))).loudness == mode


def test_all_problems_are_reported(write_score):
    text = MINIMAL.replace("tempo: 100", "tempo: 400").replace("to: b}", "to: bb}").replace("mood: calm", "mood: x")
    with pytest.raises(SourceError) as info:
        load_score(write_score(text))
    assert len(info.value.problems) == 3


def test_yaml_syntax_error(write_score):
    path = write_score(MINIMAL.replace("tempo: 100}", "tempo: 100"))
    with pytest.raises(SourceError) as info:
        load_score(path)
    assert str(info.value).startswith(f"{path}:10: (top level): YAML syntax error")


def test_segment_inside_folder_loads(write_score, tmp_path):
    (tmp_path / "midi").mkdir()
    write_midi(example_song(1), tmp_path / "midi" / "x.mid")
    score = load_score(write_score(MINIMAL.replace("to: b}", "to: b, segment: midi/x.mid}")))
    assert score.events["go"].transitions[0].segment == (tmp_path / "midi" / "x.mid").resolve()


def _song_bytes(tmp_path, song) -> bytes:
    write_midi(song, tmp_path / "song.mid")
    return (tmp_path / "song.mid").read_bytes()


BROKEN_MIDI = {
    "empty": (lambda good: b"", "not a MIDI file: it is empty (0 bytes)"),
    "corrupt": (lambda good: b"RIFF" + good[4:], "not a MIDI file: it starts with b'RIFF', not b'MThd'"),
    "truncated": (lambda good: good[: len(good) - 7], "truncated MIDI file: track 5 of 5 should hold"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_MIDI))
@pytest.mark.parametrize("where, old, new, line, yaml_path", [
    ("segment", "to: b}", "to: b, segment: x.mid}", 12, "events.go.segment"),
    ("stinger", "hit: {mood: tense}", "hit: {file: x.mid}", 7, "stingers.hit.file"),
    ("state loop", "a: {mood: calm, tempo: 100}", "a: {mood: calm, tempo: 100, segments: {loop: x.mid}}", 9,
     "states.a.segments.loop"),
])
def test_broken_midi_named_by_the_score_fails_the_load(write_score, tmp_path, case, where, old, new, line, yaml_path):
    make, reason = BROKEN_MIDI[case]
    (tmp_path / "x.mid").write_bytes(make(_song_bytes(tmp_path, example_song(2))))
    path = write_score(MINIMAL.replace(old, new))
    with pytest.raises(SourceError) as info:
        load_score(path)
    assert str(info.value).startswith(f"{path}:{line}: {yaml_path}: MIDI file 'x.mid': {reason}")


def test_midi_without_notes_or_with_a_wild_tempo_fails(write_score, tmp_path):
    silent = Song(TempoMap.constant(120.0), ((0, Meter(4, 4)),), (Track("empty", ()),))
    (tmp_path / "x.mid").write_bytes(_song_bytes(tmp_path, silent))
    path = write_score(MINIMAL.replace("to: b}", "to: b, segment: x.mid}"))
    with pytest.raises(SourceError, match=r":12: events\.go\.segment: MIDI file 'x\.mid': it has no notes$"):
        load_score(path)
    fast = example_song(1)
    (tmp_path / "x.mid").write_bytes(_song_bytes(tmp_path, Song(TempoMap.constant(400.0), fast.meters, fast.tracks)))
    with pytest.raises(SourceError, match=r"MIDI file 'x\.mid': its tempo 400 bpm is outside 20\.\.300$"):
        load_score(path)


def test_a_directory_named_like_a_midi_file_is_said_to_be_one(write_score, tmp_path):
    (tmp_path / "x.mid").mkdir()
    with pytest.raises(SourceError, match=r":12: events\.go\.segment: file 'x\.mid' is a directory$"):
        load_score(write_score(MINIMAL.replace("to: b}", "to: b, segment: x.mid}")))


def test_mood_override_keeps_defaults(write_score):
    text = MINIMAL.replace("stingers:", "moods:\n  calm: {instruments: {melody: Oboe}}\nstingers:")
    score = load_score(write_score(text))
    assert score.moods["calm"].instrumentation.program("melody") == 68
    assert score.moods["calm"].valence == 0.65


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_load(path):
    score = load_score(path)
    assert score.initial_state in score.states


def test_examples_differ_musically():
    scores = [load_score(path) for path in EXAMPLES]
    assert len(scores) >= 3
    meters = {str(s.meter) for score in scores for s in score.states.values()}
    assert meters & {"6/8", "3/4"}
    assert len({score.states[score.initial_state].key for score in scores}) == len(scores)


def test_documented_example_is_check_clean(tmp_path):
    import re

    doc = (Path(__file__).parents[2] / "docs" / "score-format.md").read_text()
    (tmp_path / "midi").mkdir()
    for name in ("alarm", "combat_in", "combat", "combat_out", "sting"):
        write_midi(example_song(1), tmp_path / "midi" / f"{name}.mid")
    path = tmp_path / "example.yaml"
    path.write_text(re.search(r"```yaml\n(.*?)```", doc, re.S).group(1))
    assert load_score(path).summary() == "Dungeon: 5 states, 4 events, 1 parameters, 2 stingers"
