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
