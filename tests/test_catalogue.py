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
