from pathlib import Path

import pytest

from engine.cutscene.scene import EndCue, HitCue, ParameterCue, StateCue
from engine.cutscene.reader import ScoreNames, load_cutscene
from engine.cutscene.schedule import fit_cutscene
from engine.score.load import load_score
from engine.score.source import SourceError

DEMO = Path(__file__).resolve().parents[2] / "demo" / "cutscenes"
NAMES = ScoreNames(frozenset({"explore", "combat"}), frozenset({"combat_start"}),
                   frozenset({"danger"}), frozenset({"hurt"}))

GOOD = """\
score: ../scores/s.yaml
seed: 1
length: "00:00:20:00"
fps: 24
cues:
  - {at: 0, state: explore}
  - {at: "00:00:04:00", hit: door, on: beat, stinger: hurt, accent: 0.5}
  - {at: 6.5s, parameter: danger, value: 0.8, ramp: 2}
  - {at: 8, event: combat_start}
  - {at: "00:00:16:00", end: fade, fade: 3}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "scores").mkdir(exist_ok=True)
    (tmp_path / "scores" / "s.yaml").write_text("version: 1\n")
    (tmp_path / "scenes").mkdir(exist_ok=True)
    path = tmp_path / "scenes" / "scene.yaml"
    path.write_text(text)
    return path


def problems(tmp_path, text, names=NAMES) -> list[str]:
    with pytest.raises(SourceError) as info:
        load_cutscene(write(tmp_path, text), names_of=lambda _: names)
    return [str(p) for p in info.value.problems]


def test_good_file_loads(tmp_path):
    scene = load_cutscene(write(tmp_path, GOOD), names_of=lambda _: NAMES)
    assert scene.length_s == 20.0 and scene.seed == 1
    assert scene.score_path == (tmp_path / "scores" / "s.yaml").resolve()
    kinds = [type(c) for c in scene.cues]
    assert kinds[0] is StateCue and kinds[-1] is EndCue
    hit = scene.hits[0]
    assert isinstance(hit, HitCue) and hit.on_beat and hit.stinger == "hurt" and hit.time_s == 4.0
    assert hit.timecode == "00:00:04:00"
    assert isinstance(scene.cues[2], ParameterCue) and scene.cues[2].ramp_s == 2.0
    assert scene.end.fade_s == 3.0


def test_problems_name_file_line_and_path(tmp_path):
    text = GOOD.replace("{at: 6.5s, parameter: danger", "{at: 6.5s, parameter: dangr").replace(
        "{at: 8, event: combat_start}", "{at: 3, event: combat_start, sync: now}")
    found = problems(tmp_path, text)
    assert any(p.startswith("scene.yaml:8: cues[2].parameter: parameter 'dangr' is not in the score")
               and "did you mean 'danger'" in p for p in (f.split("/")[-1] for f in found))
    assert any(":9: cues[3].sync: unknown key 'sync'" in p for p in found)
    assert any(":9: cues[3].at: cues must be in time order" in p for p in found)


@pytest.mark.parametrize("old, new, expected", [
    ('"00:00:04:00", hit', '"00:01:00;00", hit', ":7: cues[1].at: timecode '00:01:00;00' is drop-frame"),
    ('"00:00:04:00", hit', '"00:00:04:24", hit', ":7: cues[1].at: timecode 00:00:04:24: frame 24 does not exist"),
    ('"00:00:16:00", end: fade, fade: 3', '"00:00:19:00", end: fade, fade: 3', ":10: cues[4].fade: the fade ends at 22"),
    ("{at: 0, state: explore}", "{at: 1, state: explore}", "needs a state then"),
    ("{at: 0, state: explore}", "{at: 0, state: exploring}", ":6: cues[0].state: state 'exploring' is not in the score"),
    ("end: fade, fade: 3", "end: cadence, fade: 3", "does not fade"),
    ("stinger: hurt,", "", ""),
    ("score: ../scores/s.yaml", "score: ../../elsewhere.yaml", ":1: score: score '../../elsewhere.yaml' leads outside"),
    ("fps: 24", "fps: 23.5", ":4: fps: frame rate"),
    ("{at: 8, event: combat_start}", "{at: 8, hit: door}", ":9: cues[3].hit: hit 'door' is named twice"),
    ("{at: 8, event: combat_start}", "{at: 8, cue: x}", ":9: cues[3]: a cue needs one of"),
    ("{at: 8, event: combat_start}", "{at: 30, event: combat_start}", "past the end of the cutscene"),
])
def test_each_problem(tmp_path, old, new, expected):
    text = GOOD.replace(old, new)
    if not expected:
        load_cutscene(write(tmp_path, text), names_of=lambda _: NAMES)
        return
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize("name, hits", [("ambush.yaml", 7), ("treasure.yaml", 3)])
def test_demo_cutscenes_fit(name, hits):
    scene = load_cutscene(DEMO / name)
    assert len(scene.hits) == hits
    fit = fit_cutscene(scene, load_score(scene.score_path))
    for landing in fit.landings:
        assert abs(landing.frame - landing.target_frame) <= 1
        assert landing.beat_index == 0 or any(h.on_beat for h in scene.hits if h.name == landing.name)


def test_ambush_changes_mood_between_hits():
    scene = load_cutscene(DEMO / "ambush.yaml")
    from engine.cutscene.schedule import state_changes
    states = [name for _, name in state_changes(scene, load_score(scene.score_path))]
    assert states == ["explore", "danger", "combat", "victory"]


def test_unfittable_cutscene_names_the_file(tmp_path):
    text = DEMO.joinpath("ambush.yaml").read_text().replace('"00:00:25:00", hit: first_blow', '"00:00:20:15", hit: first_blow')
    scene = load_cutscene(write_beside(tmp_path, text))
    with pytest.raises(ValueError, match=r"^scene.yaml: hits 'ambush' \(00:00:20:05\) and 'first_blow' \(00:00:20:15\) "
                                         r"are 0.42 s apart: one bar of 4/4 there needs 576 bpm") as info:
        fit_cutscene(scene, load_score(scene.score_path))
    assert str(info.value).endswith("The nearest time that fits for 'first_blow' is 00:00:21:18 (27 frames later).")
    moved = text.replace('"00:00:20:15", hit: first_blow', '"00:00:21:18", hit: first_blow')
    fit_cutscene(load_cutscene(write_beside(tmp_path, moved)), load_score(scene.score_path))    # and it does fit


def test_a_change_per_bar_failure_says_so_and_where_the_hit_could_go(tmp_path):
    text = DEMO.joinpath("ambush.yaml").read_text().replace('"00:00:15:14", hit: shadow_falls',
                                                            '"00:00:13:02", hit: shadow_falls')
    scene = load_cutscene(write_beside(tmp_path, text))
    with pytest.raises(ValueError) as info:
        fit_cutscene(scene, load_score(scene.score_path))
    message = str(info.value)
    assert "the tempo before is 90.0 bpm" in message and "(the binding limit: tempo.max_change_per_bar)" in message
    assert "The nearest time that fits for 'shadow_falls' is 00:00:13:03 (1 frame later)." in message


def write_beside(tmp_path: Path, text: str) -> Path:
    """A cutscene in a temporary folder whose score is the real dungeon score."""
    (tmp_path / "scores").mkdir(exist_ok=True)
    (tmp_path / "scores" / "dungeon.yaml").write_text((DEMO.parent / "scores" / "dungeon.yaml").read_text())
    (tmp_path / "cutscenes").mkdir(exist_ok=True)
    path = tmp_path / "cutscenes" / "scene.yaml"
    path.write_text(text)
    return path


def test_paths_are_relative_to_the_file_wherever_the_command_runs(tmp_path, monkeypatch):
    scene = write(tmp_path, GOOD)
    monkeypatch.chdir(scene.parent)                       # cd scenes && load scene.yaml
    assert load_cutscene("scene.yaml", names_of=lambda _: NAMES).score_path == (tmp_path / "scores" / "s.yaml").resolve()
    elsewhere = tmp_path / "links"
    elsewhere.mkdir()
    (elsewhere / "linked.yaml").symlink_to(scene)         # a link elsewhere: the file's real folder counts
    monkeypatch.chdir(elsewhere)
    assert load_cutscene("linked.yaml", names_of=lambda _: NAMES).score_path.name == "s.yaml"
    outside = problems(tmp_path, GOOD.replace("../scores/s.yaml", "../../s.yaml"))
    assert any("score '../../s.yaml' leads outside" in p and "--root" in p for p in outside), outside
    (tmp_path.parent / "s.yaml").write_text("version: 1\n")
    given = load_cutscene(scene, root=tmp_path.parent, names_of=lambda _: NAMES)    # asked for explicitly
    assert given.score_path == (tmp_path.parent / "s.yaml").resolve()


def test_seed_defaults_when_absent(tmp_path):
    scene = load_cutscene(write(tmp_path, GOOD.replace("seed: 1\n", "")), names_of=lambda _: NAMES)
    assert scene.seed == 0


@pytest.mark.parametrize("length, extra, ok", [
    ('"00:00:49:00"', "", True),                  # the fade ends at 19 s: 30 s may follow
    ('"00:00:49:01"', "", False),
    ("5000", "", False),
    ("5000", "max_tail: 5000\n", True),           # asked for explicitly
    ("20000", "max_tail: 20000\n", False),        # past three hours, never
])
def test_length_is_bounded_by_the_end_plus_a_tail(tmp_path, length, extra, ok):
    text = GOOD.replace('length: "00:00:20:00"', f"length: {length}\n{extra}".rstrip("\n"))
    if ok:
        load_cutscene(write(tmp_path, text), names_of=lambda _: NAMES)
        return
    found = problems(tmp_path, text)
    assert any(":3: length: " in p and ("past the end of the music" in p or "at most 10800 s" in p) for p in found), found
