from engine.cli import main

from .conftest import MINIMAL


def test_check_clean_prints_summary(write_score, capsys):
    path = write_score(MINIMAL)
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok: T: 2 states, 1 events, 1 parameters, 1 stingers\n"


def test_check_prints_all_problems_and_fails(write_score, capsys):
    path = write_score(MINIMAL.replace("tempo: 100", "tempo: 400").replace("to: b}", "to: bb}"))
    assert main(["check", str(path), str(path.with_name("missing.yaml"))]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}:9: states.a.tempo: 400 is outside 20..300"
    assert out[1] == f"{path}:12: events.go.to: unknown state 'bb' (did you mean 'b'?)"
    assert out[2].endswith("missing.yaml: cannot read: No such file or directory")
    assert out[3] == "2 of 2 score(s) have problems"
