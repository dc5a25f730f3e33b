import os

import pytest

from engine.score import source as src
from engine.score.source import Problems, SourceError, load_yaml, resolve_inside


def test_values_match_safe_load_and_lines_are_kept(write_score):
    path = write_score("a: 1\nb:\n  c: [x, y]\n  d:\n    - e: 2\n")
    doc = load_yaml(path)
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"], "d": [{"e": 2}]}}
    assert doc.line_of(("b", "c")) == 3
    assert doc.line_of(("b", "d", 0, "e")) == 5
    assert doc.line_of(("b", "missing", "deeper")) == 2


def test_syntax_error_names_file_and_line(write_score):
    path = write_score("a: [1, 2\nb: 3\n")
    with pytest.raises(SourceError) as info:
        load_yaml(path)
    assert str(info.value).startswith(f"{path}:2: (top level): YAML syntax error: expected ',' or ']'")


def test_unsafe_tag_is_refused(write_score):
    path = write_score("a: !!python/object:os.system {}\n")
    with pytest.raises(SourceError, match=r":1: \(top level\): YAML syntax error"):
        load_yaml(path)


def test_duplicate_key_is_a_problem(write_score):
    path = write_score("a: 1\nb: 2\na: 3\n")
    with pytest.raises(SourceError) as info:
        load_yaml(path)
    assert str(info.value) == f"{path}:3: a: duplicate key 'a'"


def test_problem_format():
    problem = src.Problem("dungeon.yaml", 14, ("states", "combat", "tempo"), "400 is outside 20..300")
    assert str(problem) == "dungeon.yaml:14: states.combat.tempo: 400 is outside 20..300"
    assert src.format_path(("events", 2, "to")) == "events[2].to"


def test_getters_collect_all_problems(write_score):
    doc = load_yaml(write_score("s:\n  tempo: 400\n  tempp: 1\n  mode: dorain\n"))
    p = Problems(doc)
    body = doc.data["s"]
    src.check_keys(p, ("s",), body, ["tempo", "mode"])
    assert src.get_number(p, ("s",), body, "tempo", 20, 300) is None
    assert src.get_enum(p, ("s",), body, "mode", ["dorian", "major"]) is None
    assert src.get_int(p, ("s",), body, "bars", default=4) == 4
    assert src.get_str(p, ("s",), body, "name") is None
    f = doc.file
    assert [str(x) for x in p] == [
        f"{f}:3: s.tempp: unknown key 'tempp' (did you mean 'tempo'?)",
        f"{f}:2: s.tempo: 400 is outside 20..300",
        f"{f}:4: s.mode: 'dorain' is not allowed (did you mean 'dorian'?)",
        f"{f}:1: s: missing required key 'name'",
    ]
    with pytest.raises(SourceError):
        p.raise_if_any()


def test_resolve_inside(tmp_path):
    (tmp_path / "sub").mkdir()
    assert resolve_inside(tmp_path, "sub/x.mid") == (tmp_path / "sub" / "x.mid").resolve()
    assert resolve_inside(tmp_path, "sub/../x.mid") == (tmp_path / "x.mid").resolve()
    with pytest.raises(ValueError, match="leads outside"):
        resolve_inside(tmp_path / "sub", "../x.mid")
    with pytest.raises(ValueError, match="is absolute"):
        resolve_inside(tmp_path, "/etc/passwd")
    assert resolve_inside(tmp_path / "sub", "../x.mid", allow_outside=True) == (tmp_path / "x.mid").resolve()


def test_resolve_inside_refuses_symlink_out(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir(), outside.mkdir()
    os.symlink(outside, inside / "link")
    with pytest.raises(ValueError, match="leads outside"):
        resolve_inside(inside, "link/x.mid")


def _bomb(levels: int) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi"[: levels - 1]):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    return text


def test_alias_bomb_is_refused_before_it_expands(write_score):
    path = write_score(_bomb(9))
    with pytest.raises(SourceError) as info:
        load_yaml(path)
    message = str(info.value)
    assert message == f"{path}:5: aliases expand this value past 10,000 values (an alias bomb?)"
    assert len(message.encode()) < 2048


def test_aliases_within_the_budget_still_load(write_score):
    doc = load_yaml(write_score(_bomb(4) + "b2: *b\n"))  # 9**4 = 6,561 values
    assert len(doc.data["d"]) == 9 and doc.data["b2"] == doc.data["b"] == [["lol"] * 9] * 9


def test_nesting_deeper_than_the_limit_is_refused(write_score):
    deepest = src.MAX_DEPTH - 1  # under the top-level mapping
    assert load_yaml(write_score("a: " + "[" * deepest + "]" * deepest + "\n")).data
    path = write_score("a: " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(SourceError, match=r":1: nested deeper than 64 levels$"):
        load_yaml(path)


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b"])
def test_control_characters_name_the_line(write_score, char):
    path = write_score(f"a: 1\nname: x{char}y\n")
    with pytest.raises(SourceError) as info:
        load_yaml(path)
    assert str(info.value) == f"{path}:2: character #x{ord(char):04x} is not allowed in YAML (offset 12)"


def test_values_python_cannot_build_name_the_line(write_score):
    path = write_score("a: 1\nwhen: 2020-02-31\n")
    with pytest.raises(SourceError, match=r":2: cannot read this value: day is out of range for month$"):
        load_yaml(path)


def test_long_values_are_quoted_short(write_score):
    doc = load_yaml(write_score("name: [" + ", ".join(["x" * 50] * 2000) + "]\n"))
    p = Problems(doc)
    src.get_str(p, (), doc.data, "name")
    assert len(str(p.items[0])) < 300 and "a list of 2,000 items" in str(p.items[0])


def test_many_problems_are_counted_not_all_printed():
    problems = [src.Problem("s.yaml", line, ("k",), "bad") for line in range(1, 251)]
    lines = SourceError(problems).lines()
    assert len(lines) == src.MAX_REPORTED + 1 and lines[-1] == "... and 150 more problems"


def test_file_level_problem_format():
    assert str(src.Problem("s.yaml", 0, None, "is a directory")) == "s.yaml: is a directory"
    assert str(src.Problem("s.yaml", 3, None, "not UTF-8")) == "s.yaml:3: not UTF-8"


def test_too_many_values_are_refused_while_composing(write_score):
    path = write_score("a: [" + ", ".join(["1"] * (src.MAX_VALUES + 10)) + "]\n")
    with pytest.raises(SourceError, match=r":1: the file holds more than 10,000 values$"):
        load_yaml(path)
