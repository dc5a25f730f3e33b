"""Editorial timelines in: markers written with OpenTimelineIO's own API become cues."""

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from engine.cutscene.editorial import marker_cue, read_timeline
from engine.cutscene.scene import EndCue, EventCue, HitCue, ParameterCue, StateCue, StingerCue
from engine.cutscene.reader import ScoreNames, load_cutscene, load_timeline_cutscene
from engine.score.source import SourceError

NAMES = ScoreNames(frozenset({"explore", "combat"}), frozenset({"combat_start"}),
                   frozenset({"danger"}), frozenset({"hurt"}))
RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def marker(marker_name, frame, rate, colour=otio.schema.MarkerColor.RED, **meta):
    return otio.schema.Marker(name=marker_name, marked_range=TR(RT(frame, rate), RT(0, rate)), color=colour,
                              metadata={"moodscore": meta} if meta else {})


def cut(path: Path, rate: float, *, start_tc=RT(86400, 24)) -> Path:
    """A two-shot edit 20 s long at ``rate``: markers on the timeline, on a clip that starts
    3 s into the edit with 100 frames trimmed off its head, and on the video track."""
    frames = lambda s: round(s * rate)
    timeline = otio.schema.Timeline(name="cut", global_start_time=RT(start_tc.value, rate))
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(video)
    video.append(otio.schema.Clip(name="wide", source_range=TR(RT(0, rate), RT(frames(3), rate))))
    close = otio.schema.Clip(name="close", source_range=TR(RT(100, rate), RT(frames(17), rate)))
    video.append(close)
    timeline.tracks.markers.extend([
        marker("explore", 0, rate, otio.schema.MarkerColor.GREEN),
        marker("door accent=0.5", 61, rate),                                  # 61 frames: irregular
        marker("event: combat_start", frames(7) + 3, rate, otio.schema.MarkerColor.WHITE),
        marker("note to the composer", frames(8), rate, otio.schema.MarkerColor.CYAN),   # ignored
        marker("danger=0.8 ramp=2", frames(9) + 1, rate, otio.schema.MarkerColor.PURPLE),
        marker("anything", frames(16) + 5, rate, otio.schema.MarkerColor.WHITE, kind="end", name="cadence"),
    ])
    # on the clip: its own media time; 100 + k frames of media is 3 s + k frames of the edit
    close.markers.append(marker("strike", 100 + frames(7) - frames(3) + 3, rate, otio.schema.MarkerColor.ORANGE,
                                hit="strike", stinger="hurt", accent=1.0, on="beat"))
    close.markers.append(marker("hit: trimmed off", 50, rate))            # media the cut does not show: not read
    video.markers.append(marker("stinger: hurt", frames(12) + 7, rate, otio.schema.MarkerColor.BLUE))
    otio.adapters.write_to_file(timeline, str(path))
    return path


@pytest.mark.parametrize("rate, fps, tc", [(24, Fraction(24), "00:00:02:13"),
                                           (30000 / 1001, Fraction(30000, 1001), "00:00:02;01")])
def test_markers_become_cues_at_exact_times(tmp_path, rate, fps, tc):
    read = read_timeline(cut(tmp_path / "cut.otio", rate))
    assert read.frame_rate.fps == fps and read.ignored == 1
    assert read.length_s == round(20 * rate) / fps
    labels = [m.label.split(" at ")[0] for m in read.cues]
    assert labels == ["marker 'explore'", "marker 'door accent=0.5'", "marker 'event: combat_start'",
                      "marker 'strike'", "marker 'danger=0.8 ramp=2'", "marker 'stinger: hurt'", "marker 'anything'"]
    assert read.cues[1].cue == {"at": tc, "hit": "door", "accent": 0.5}
    (tmp_path / "scores").mkdir()
    (tmp_path / "scores" / "s.yaml").write_text("version: 1\n")
    scene = load_timeline_cutscene(tmp_path / "cut.otio", tmp_path / "scores" / "s.yaml", names_of=lambda _: NAMES)
    kinds = [type(c) for c in scene.cues]
    assert kinds == [StateCue, HitCue, EventCue, HitCue, ParameterCue, StingerCue, EndCue]
    assert scene.cues[1].time_s == float(Fraction(61) / fps)
    strike = scene.cues[3]
    assert (strike.name, strike.on_beat, strike.stinger, strike.accent) == ("strike", True, "hurt", 1.0)
    assert strike.time_s == scene.cues[2].time_s == float((round(7 * rate) + 3) / fps)
    assert (scene.cues[4].value, scene.cues[4].ramp_s) == (0.8, 2.0)
    assert scene.end.cadence and scene.seed == 0 and scene.length_s == float(read.length_s)


def test_marker_meaning_metadata_then_prefix_then_colour():
    assert marker_cue("x", "RED", {"moodscore": {"state": "combat"}}, "0") == {"at": "0", "state": "combat"}
    assert marker_cue("state: combat", "RED", {}, "0") == {"at": "0", "state": "combat"}
    assert marker_cue("param: danger=0.5", None, {}, "0") == {"at": "0", "parameter": "danger", "value": 0.5}
    assert marker_cue("end: fade fade=3", None, {}, "0") == {"at": "0", "end": "fade", "fade": 3}
    assert marker_cue("door", "ORANGE", {}, "0") == {"at": "0", "hit": "door", "on": "beat"}
    assert marker_cue("just a note", "WHITE", {}, "0") is None


def test_a_bad_marker_is_named_with_its_time(tmp_path):
    timeline = otio.schema.Timeline(name="cut", global_start_time=RT(0, 24))
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Clip(name="c", source_range=TR(RT(0, 24), RT(240, 24))))
    timeline.tracks.append(track)
    timeline.tracks.markers.extend([marker("explore", 0, 24, otio.schema.MarkerColor.GREEN),
                                    marker("door accent=2", 30, 24), marker("exploring", 50, 24, otio.schema.MarkerColor.GREEN),
                                    marker("cadence", 200, 24, otio.schema.MarkerColor.BLACK)])
    otio.adapters.write_to_file(timeline, str(tmp_path / "bad.otio"))
    (tmp_path / "s.yaml").write_text("version: 1\n")
    with pytest.raises(SourceError) as info:
        load_timeline_cutscene(tmp_path / "bad.otio", tmp_path / "s.yaml", names_of=lambda _: NAMES)
    found = [str(p).split("/")[-1] for p in info.value.problems]
    assert "bad.otio: marker 'door accent=2' at 00:00:01:06: accent: 2 is outside 0..1" in found
    assert any(p.startswith("bad.otio: marker 'exploring' at 00:00:02:02: state: state 'exploring' is not in the score")
               for p in found), found


def test_a_cutscene_file_may_point_at_a_timeline(tmp_path):
    (tmp_path / "scores").mkdir()
    (tmp_path / "scores" / "s.yaml").write_text("version: 1\n")
    (tmp_path / "scenes").mkdir()
    cut(tmp_path / "scenes" / "cut.otio", 30000 / 1001)
    scene_file = tmp_path / "scenes" / "scene.yaml"
    scene_file.write_text("score: ../scores/s.yaml\ntimeline: cut.otio\nseed: 4\n"
                          "cues:\n  - {at: 1, parameter: danger, value: 0.2}\n")
    scene = load_cutscene(scene_file, names_of=lambda _: NAMES)
    assert scene.seed == 4 and str(scene.frame_rate) == "29.97 DF" and scene.timeline_file.name == "cut.otio"
    assert [type(c) for c in scene.cues][:3] == [StateCue, ParameterCue, HitCue]
    scene_file.write_text("score: ../scores/s.yaml\ntimeline: cut.otio\nfps: 24\n")
    with pytest.raises(SourceError, match=r"scene.yaml:3: fps: fps 24 but the timeline cut.otio runs at 29.97 DF"):
        load_cutscene(scene_file, names_of=lambda _: NAMES)
    scene_file.write_text("score: ../scores/s.yaml\ntimeline: ../../elsewhere.otio\n")
    with pytest.raises(SourceError, match=r"timeline: timeline '../../elsewhere.otio' leads outside"):
        load_cutscene(scene_file, names_of=lambda _: NAMES)


def test_not_a_timeline_is_one_clear_error(tmp_path):
    (tmp_path / "x.otio").write_text("{not json")
    with pytest.raises(ValueError, match=r"x.otio: cannot read it as a timeline"):
        read_timeline(tmp_path / "x.otio")
    with pytest.raises(FileNotFoundError, match="none.otio"):
        read_timeline(tmp_path / "none.otio")


def test_a_directory_or_a_fifo_is_refused_before_otio_reads_it(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.otio")
    with pytest.raises(ValueError, match="pipe.otio: is a FIFO"):
        read_timeline(tmp_path / "pipe.otio")
    (tmp_path / "dir.otio").mkdir()
    with pytest.raises(ValueError, match="dir.otio: is a directory"):
        read_timeline(tmp_path / "dir.otio")
