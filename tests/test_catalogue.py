"""Every broken input of the catalogue (``tests/catalogue.py``): exit 1, one line naming the input, no traceback."""

import pytest

from tests.catalogue import CASES, run_case

MESSAGE_LIMIT_BYTES = 2048


def test_the_catalogue_covers_every_kind_of_input():
    areas = {case.area for case in CASES}
    assert len(CASES) >= 50 and len({case.name for case in CASES}) == len(CASES)
    assert areas == {"score", "cutscene", "session", "MIDI", "SoundFont", "model", "CLI"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_input_is_one_line_naming_it(case, tmp_path):
    code, lines, _ = run_case(case, tmp_path)
    assert code == 1, lines
    assert len(lines) == 1, lines
    line = lines[0]
    assert "Traceback" not in line
    assert case.names in line and case.says in line, line
    assert len(line.encode()) < MESSAGE_LIMIT_BYTES


def _api_cases(folder):
    from tests.catalogue import SCORE, alias_bomb, write

    good = write(folder, "good.yaml", SCORE)
    (folder / "sf").mkdir()
    (folder / "nomodel").mkdir()
    return {
        "score missing": ({"score": folder / "nope.yaml"}, "SourceError", "nope.yaml: cannot read"),
        "alias bomb": ({"score": write(folder, "bomb.yaml", alias_bomb())}, "SourceError", "alias bomb"),
        "segment MIDI truncated": ({"score": write(folder, "seg.yaml", SCORE.replace("to: b}", "to: b, segment: x.mid}"))},
                                   "SourceError", "seg.yaml:12: events.go.segment: MIDI file 'x.mid'"),
        "SoundFont a directory": ({"score": good, "soundfont": folder / "sf"}, "SoundFontError", "is a directory"),
        "model folder empty": ({"score": good, "model": folder / "nomodel"}, "ModelFileError", "does not exist"),
        "sample rate": ({"score": good, "sample_rate_hz": 12345}, "ValueError", "12345"),
    }


@pytest.mark.parametrize("name", ["score missing", "alias bomb", "segment MIDI truncated", "SoundFont a directory",
                                  "model folder empty", "sample rate"])
def test_music_engine_load_raises_only_its_documented_types(tmp_path, name):
    from engine.api import MusicEngine
    from engine.errors import EngineError
    from engine.score.source import SourceError

    (tmp_path / "x.mid").write_bytes(b"MThd\x00\x00\x00\x06")
    kwargs, kind, says = _api_cases(tmp_path)[name]
    with pytest.raises((SourceError, EngineError, ValueError)) as info:
        MusicEngine.load(kwargs.pop("score"), **kwargs)
    assert type(info.value).__name__ == kind and says in str(info.value)
