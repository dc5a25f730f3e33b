"""``moodscore score`` end to end: editorial timelines in, formats, stems and loudness out,
nothing left behind on failure, and the command run from inside the cutscene's folder.

Real renders through FluidSynth and the shipped model; short scenes, rendered once per
module where several checks share them.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
import soundfile

from engine.cli import main
from engine.cutscene.editorial import read_timeline
from engine.cutscene.export import read_cue_sheet, read_cue_sheet_notes
from engine.cutscene.produce import delivery_spec, outputs, score_cutscene
from engine.cutscene.timeline import hit_label
from engine.playback.wav import read_audio
from tests.cutscene.test_scoring import write_scene

ROOT = Path(__file__).resolve().parents[2]
DUNGEON = ROOT / "demo" / "scores" / "dungeon.yaml"
RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.max(np.abs(x)) + 1e-30))


def editor_cut(path: Path, rate: float, frames: dict[str, int]) -> Path:
    """A timeline as an editor's tool would write it, through OTIO's own API: two shots,
    markers on the timeline and on the second clip (in the clip's media time)."""
    timeline = otio.schema.Timeline(name="chest", global_start_time=RT(86400 * round(rate) / 24, rate))
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Clip(name="wide", source_range=TR(RT(0, rate), RT(frames["cut"], rate))))
    close = otio.schema.Clip(name="close", source_range=TR(RT(500, rate), RT(round(11 * rate), rate)))
    track.append(close)
    timeline.tracks.append(track)

    def mark(name, frame, colour, **meta):
        return otio.schema.Marker(name=name, marked_range=TR(RT(frame, rate), RT(0, rate)), color=colour,
                                  metadata={"moodscore": meta} if meta else {})

    timeline.tracks.markers.extend([
        mark("explore", 0, "GREEN"),
        mark("danger=0.3", 0, "PURPLE"),
        mark("door accent=0.7", frames["door"], "RED"),
        mark("event: combat_start", frames["strike"], "WHITE"),
        mark("parry accent=0.4", frames["parry"], "ORANGE"),
        mark("cadence", frames["end"], "BLACK"),
    ])
    # the strike is marked on the close-up, in its source time: 500 frames in = the cut
    close.markers.append(mark("strike", 500 + frames["strike"] - frames["cut"], "RED", stinger="hurt", accent=1.0))
    otio.adapters.write_to_file(timeline, str(path))
    return path


@pytest.mark.parametrize("rate, frames", [
    (24, {"door": 61, "cut": 100, "strike": 121, "parry": 149, "end": 198}),
    (30000 / 1001, {"door": 73, "cut": 120, "strike": 149, "parry": 187, "end": 251}),
])
def test_an_editors_timeline_scores_with_every_hit_on_its_frame(tmp_path, rate, frames):
    cut = editor_cut(tmp_path / "cut.otio", rate, frames)
    out = tmp_path / "out" / "scene.wav"
    assert main(["score", "--timeline", str(cut), "--score", str(DUNGEON), "-o", str(out), "--no-progress"]) == 0
    rows = read_cue_sheet(outputs(out)["cues"])
    hits = [row for row in rows if row["kind"] == "hit"]
    assert [row["name"] for row in hits] == ["door", "strike", "parry"]
    fps = {24: 24, 30000 / 1001: 30000 / 1001}[rate]
    for row in hits:
        assert int(row["error_frames"]) == 0, row                                     # to the sample
        assert int(row["target_frame"]) == round(frames[row["name"]] / fps * 48000)    # at the marker's frame
    # round trip: the music track's markers sit where the cues landed; reading it back gives the same cues
    exported = otio.adapters.read_from_file(str(outputs(out)["otio"]))
    music = next(t for t in exported.tracks if t.name == "moodscore music")
    marks = {m.name: m for m in music[0].markers}
    for row in hits:
        landed = marks[f"hit: {row['name']}"]
        assert round(landed.marked_range.start_time.value * 48000 / rate) == int(row["frame"])
        assert landed.metadata["moodscore"]["bar"] == int(row["bar"])
    assert sum(name.startswith("bar ") for name in marks) >= 4
    assert [m.cue for m in read_timeline(outputs(out)["otio"]).cues] == [m.cue for m in read_timeline(cut).cues]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """The short scene with stems and a loudness target, and the same scene plain."""
    folder = tmp_path_factory.mktemp("delivery")
    scene = write_scene(folder)
    plain = score_cutscene(scene, folder / "plain.wav", sample_rate_hz=22050, extras=False)
    spec = delivery_spec(folder / "loud.wav", stems_dir=folder / "stems", loudness_lufs=-16.0)
    loud = score_cutscene(scene, spec, sample_rate_hz=22050)
    return folder, plain, loud


def test_stems_sum_to_the_mix(delivered):
    folder, plain, loud = delivered
    mix, _ = read_audio(folder / "loud.wav")
    stems = sorted((folder / "stems").iterdir())
    assert [p.name for p in stems] == [f"loud-{n}.wav" for n in
                                       ("accents", "bass", "counter", "melody", "pad", "percussion", "stingers")]
    parts = [read_audio(p)[0] for p in stems]
    assert all(len(p) == len(mix) == plain.total_frames for p in parts)
    assert dbfs(mix) > -10 and dbfs(sum(parts) - mix) < -60
    gain = 10 ** (loud.loudness.gain_db / 20)
    assert dbfs(read_audio(folder / "plain.wav")[0] * gain - mix) < -60     # stems change nothing in the mix


def test_loudness_target_is_met_and_stated(delivered):
    import pyloudnorm

    folder, plain, loud = delivered
    mix, rate = read_audio(folder / "loud.wav")
    assert pyloudnorm.Meter(rate).integrated_loudness(mix.astype(float)) == pytest.approx(-16.0, abs=0.5)
    assert loud.loudness.true_peak_dbtp <= -1.0 + 0.05 and not loud.loudness.limited_by_peak
    notes = read_cue_sheet_notes(outputs(folder / "loud.wav")["cues"])
    assert float(notes["integrated_loudness_lufs"]) == pytest.approx(loud.loudness.integrated_lufs, abs=0.01)
    assert float(notes["true_peak_dbtp"]) <= -0.95 and notes["loudness_target_lufs"] == "-16"
    plain_mix, _ = read_audio(folder / "plain.wav")                               # default: the level as rendered
    assert plain.loudness is None and dbfs(plain_mix) == pytest.approx(20 * np.log10(plain.peak), abs=0.01)
    assert not [p for p in folder.rglob("*.partial.wav")]


def test_bars_are_numbered_alike_in_the_cue_sheet_and_the_picture(delivered):
    folder, _, loud = delivered
    rows = {row["name"]: row for row in read_cue_sheet(outputs(folder / "loud.wav")["cues"]) if row["kind"] == "hit"}
    for landing in loud.fit.landings:
        if landing.name in rows:
            row = rows[landing.name]
            assert hit_label(landing) == f"bar {row['bar']}" + (f".{row['beat']}" if row["beat"] != "1" else "")
    assert min(int(r["bar"]) for r in read_cue_sheet(outputs(folder / "loud.wav")["cues"])) == 1


@pytest.mark.parametrize("name, fmt", [("x.ogg", None), ("x.flac", None), ("x.wav", "wav24")])
def test_game_and_post_formats_open_with_the_right_length(delivered, name, fmt):
    folder, plain, _ = delivered
    spec = delivery_spec(folder / "formats" / name, fmt)
    rendering = score_cutscene(write_scene(folder / "formats"), spec, sample_rate_hz=22050, extras=False)
    info = soundfile.info(folder / "formats" / name)
    assert info.frames == rendering.total_frames == plain.total_frames and info.samplerate == 22050
    assert info.format == spec.format.container and info.subtype == spec.format.subtype


def test_a_failed_render_leaves_nothing_behind(tmp_path):
    scene = write_scene(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["score", str(scene), "-o", str(out / "a.wav"), "--soundfont", str(tmp_path / "none.sf2"),
                 "--stems", str(out / "stems"), "--no-progress"]) == 1
    assert not out.exists() or not any(out.rglob("*"))
    calls = []

    def failing_progress(done, total):
        calls.append(done)
        if len(calls) == 5:
            raise KeyboardInterrupt           # Ctrl-C half-way through
    spec = delivery_spec(out / "b.flac", stems_dir=out / "stems", loudness_lufs=-16.0)
    with pytest.raises(KeyboardInterrupt):
        score_cutscene(scene, spec, sample_rate_hz=22050, progress=failing_progress)
    assert [p for p in out.rglob("*") if p.is_file()] == []


def test_cd_into_the_cutscene_folder_and_score_it(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "engine", "score", "ambush.yaml", "-o", str(tmp_path / "a.wav"),
                             "--sample-rate", "22050", "--no-progress"],
                            cwd=ROOT / "demo" / "cutscenes", env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert soundfile.info(tmp_path / "a.wav").duration > 45
    assert "8 hits, worst landing error" in result.stdout and "Traceback" not in result.stderr   # (<= 1 at 22050 Hz)
