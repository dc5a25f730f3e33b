"""Rendering a cutscene: hits on their frames, determinism, MIDI and cue sheet, the cadence.

One short scene (8.3 s to the final chord, 22050 Hz) is rendered once per module
through the CLI's ``score_cutscene``; the slower checks reuse it.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine import roles
from engine.cutscene.accents import KIT_CHANNEL
from engine.cutscene.cadence import CadenceComposer, dominant_bar, tonic_triad
from engine.cutscene.cli_score import outputs, score_cutscene
from engine.cutscene.export import read_cue_sheet
from engine.music.events import Kind
from engine.music.intent import Intent
from engine.music.midi import read_midi
from engine.music.notes import PPQ, Bar, Chord, Meter, Note
from engine.music.tempo import TempoMap, TempoSegment
from engine.playback.conductor import ClockConfig, Conductor
from engine.playback.player import Player, PlayerConfig
from engine.playback.wav import read_wav
from tests.playback.fakes import FakeComposer, RecordingSynth

ROOT = Path(__file__).resolve().parents[2]
SR = 22050

SHORT = """\
title: Short test scene
score: ../scores/dungeon.yaml
seed: 5
length: 11
fps: 24
cues:
  - {at: 0, state: explore}
  - {at: 0, parameter: danger, value: 0.3}
  - {at: "00:00:02:12", hit: door, accent: 0.7}
  - {at: "00:00:05:00", event: combat_start}
  - {at: "00:00:05:00", hit: strike, stinger: hurt, accent: 1.0}
  - {at: "00:00:06:06", hit: parry, on: beat, accent: 0.4}
  - {at: 7, parameter: danger, value: 0.8, ramp: 1}
  - {at: "00:00:08:08", end: cadence}
"""


def write_scene(folder: Path, text: str = SHORT, name: str = "short.yaml") -> Path:
    (folder / "scores").mkdir(parents=True, exist_ok=True)
    (folder / "cutscenes").mkdir(exist_ok=True)
    shutil.copy(ROOT / "demo" / "scores" / "dungeon.yaml", folder / "scores" / "dungeon.yaml")
    path = folder / "cutscenes" / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scene")
    scene = write_scene(folder)
    rendering = score_cutscene(scene, folder / "out.wav", sample_rate_hz=SR)
    audio, _ = read_wav(folder / "out.wav")
    return rendering, outputs(folder / "out.wav"), audio, scene


def note_ons(rendering, channel=None):
    return [t for t in rendering.events if t.event.kind == Kind.NOTE_ON and channel in (None, t.event.channel)]


def test_hits_land_within_one_frame_and_the_accent_sounds_there(rendered):
    rendering, files, _, _ = rendered
    hits = [row for row in read_cue_sheet(files["cues"]) if row["kind"] == "hit"]
    assert [row["name"] for row in hits] == ["door", "strike", "parry"]
    kit_frames = {t.frame for t in note_ons(rendering, KIT_CHANNEL)}
    for row in hits:
        assert abs(int(row["error_frames"])) <= 1, row
        assert int(row["frame"]) in kit_frames, row
    landings = {l.name: l for l in rendering.fit.landings}
    assert [int(r["frame"]) for r in hits] == [landings[r["name"]].frame for r in hits]


def test_same_file_same_bytes(rendered, tmp_path):
    rendering, files, _, scene = rendered
    score_cutscene(scene, tmp_path / "again.wav", sample_rate_hz=SR, extras=False)
    assert (tmp_path / "again.wav").read_bytes() == files["wav"].read_bytes()
    again = score_cutscene(scene, tmp_path / "third.wav", sample_rate_hz=SR)
    assert outputs(tmp_path / "third.wav")["mid"].read_bytes() == files["mid"].read_bytes()
    assert again.events == rendering.events


def test_cue_sheet_agrees_with_the_midi(rendered):
    rendering, files, _, _ = rendered
    song = read_midi(files["mid"])
    kit = next(t for t in song.tracks if t.name == "accents: kit")
    kit_ticks = {tick for tick, e in kit.events if e.kind == Kind.NOTE_ON}
    landings = {l.name: l for l in rendering.fit.landings}
    for row in read_cue_sheet(files["cues"]):
        if row["kind"] != "hit":
            continue
        tick = round(landings[row["name"]].quarter * PPQ)
        assert tick in kit_ticks, row
        # through the MIDI file's own tempo steps, the tick sounds at the cue sheet's frame
        assert abs(song.tempo_map.frame_at(tick / PPQ, SR) - int(row["frame"])) <= 2, row


def test_the_end_is_a_cadence_that_rings_out(rendered):
    rendering, _, audio, _ = rendered
    end = rendering.end_frame
    key = rendering.final_chord.key
    assert str(key) == "D harmonic_minor"
    final = {t.event.a % 12 for t in note_ons(rendering) if t.frame == end and t.event.channel in (0, 1, 2)}
    assert final == set(tonic_triad(key)) == {2, 5, 9}
    landing = next(l for l in rendering.fit.landings if l.name == "end")
    assert landing.frame == end and landing.beat_index == 0
    clock_bar = landing.bar_index - 1
    bar_start = round(rendering.fit.tempo_map.seconds_at(rendering.fit.bar_quarter(clock_bar)) * SR)
    dominant = {(key.tonic_pc + step) % 12 for step in (7, 11, 2, 5)}
    pad = {t.event.a % 12 for t in note_ons(rendering, 0) if bar_start <= t.frame < end}
    assert pad and pad <= dominant
    assert all(t.frame <= end for t in note_ons(rendering))
    assert max(t.frame for t in rendering.events) <= rendering.final_release_frame
    release = rendering.final_release_frame

    def dbfs(a, b):
        return 20 * np.log10(np.sqrt(np.mean(audio[a:b] ** 2)) + 1e-12)

    assert dbfs(release, release + SR // 20) > -45      # it rings on after the release: no cut
    assert dbfs(len(audio) - SR // 5, len(audio)) < -60  # and has died away by the end


def test_infeasible_hits_fail_before_rendering(tmp_path, capsys):
    from engine.cli import main

    text = SHORT.replace('{at: "00:00:06:06", hit: parry, on: beat, accent: 0.4}',
                         '{at: "00:00:05:10", hit: parry, accent: 0.4}')
    scene = write_scene(tmp_path, text, "bad.yaml")
    with pytest.raises(ValueError, match=r"hits 'strike' \(00:00:05:00\) and 'parry' \(00:00:05:10\) are 0.42 s apart"):
        score_cutscene(scene, tmp_path / "bad.wav", sample_rate_hz=SR)
    assert not (tmp_path / "bad.wav").exists()
    assert main(["score", str(scene), "-o", str(tmp_path / "bad.wav"), "--no-progress"]) == 1
    assert "bad.yaml: hits 'strike'" in capsys.readouterr().err


def test_a_broken_cutscene_names_file_and_line(tmp_path, capsys):
    from engine.cli import main

    scene = write_scene(tmp_path, SHORT.replace("hit: door", "hit: door, loud: yes"), "broken.yaml")
    assert main(["score", str(scene), "-o", str(tmp_path / "x.wav"), "--no-progress"]) == 1
    assert "broken.yaml:9:" in capsys.readouterr().err


def test_cli_writes_the_four_files(tmp_path, capsys):
    from engine.cli import main

    scene = write_scene(tmp_path)
    assert main(["score", str(scene), "-o", str(tmp_path / "s.wav"), "--sample-rate", str(SR), "--no-progress"]) == 0
    for path in outputs(tmp_path / "s.wav").values():
        assert path.stat().st_size > 0, path
    assert outputs(tmp_path / "s.wav")["png"].read_bytes()[:4] == b"\x89PNG"
    assert "worst landing error" in capsys.readouterr().out


# ---- the pieces, with fakes -------------------------------------------------------


def test_a_locked_clock_ignores_tempo_and_meter_changes():
    tempo_map = TempoMap([TempoSegment(0.0, 90.0), TempoSegment(8.0, 120.0)])
    clock = Conductor(ClockConfig(48000), tempo_bpm=100.0)
    clock.lock(tempo_map, [(0, Meter(4, 4)), (2, Meter(3, 4))])
    clock.set_tempo(1.0, 200.0)
    clock.set_meter_from(1, Meter(6, 8))
    assert clock.tempo_map is tempo_map
    assert [str(clock.bar_meter(k)) for k in range(4)] == ["4/4", "4/4", "3/4", "3/4"]
    assert clock.bar_start_frame(3) == tempo_map.frame_at(11.0, 48000)


def test_transitions_on_a_locked_player_keep_the_tempo():
    player = Player(FakeComposer(), RecordingSynth(), Intent(tempo_bpm=100.0), PlayerConfig(48000))
    tempo_map = TempoMap([TempoSegment(0.0, 96.0)])
    player.lock_tempo(tempo_map, [(0, Meter(4, 4))])
    player.render(48000)
    player.transition(Intent(tempo_bpm=180.0, meter=Meter(3, 4), intensity=0.9), "next_bar")
    player.render(96000)
    assert player.clock.tempo_map is tempo_map and str(player.clock.bar_meter(5)) == "4/4"
    with pytest.raises(RuntimeError):
        player.lock_tempo(tempo_map, [(0, Meter(4, 4))])


def test_end_music_stops_composing_and_releases_every_note():
    synth = RecordingSynth()
    player = Player(FakeComposer(), synth, Intent(), PlayerConfig(48000))
    player.render(30000)
    end = player.clock.bar_start_frame(2)
    assert player.end_music(end) == end
    player.render(48000 * 6)
    assert all(t.frame < end for t in synth.events if t.event.kind == Kind.NOTE_ON)
    assert not any(synth.balance().values())


def test_cadence_composer_writes_a_dominant_then_a_tonic_bar():
    composer = CadenceComposer(FakeComposer(), final_bar=3)
    intent = Intent()
    bars = [composer.compose_bar(intent, k) for k in range(4)]
    assert bars[2].harmony == (Chord(7, "dom7", 0, bars[2].ticks),)
    assert {n.pitch % 12 for n in bars[2].melody} <= {7, 11, 2, 5}
    assert [(c.root_pc, c.quality) for c in bars[3].harmony] == [(0, "maj")]
    bar = Bar(Meter(4, 4), (Note(61, 0, 480), Note(64, 480, 480)), (Chord(0, "maj", 0, 1920),))
    assert [n.pitch for n in dominant_bar(bar).melody] == [62, 65]


def test_the_wrappers_fill_their_roles_explicitly_and_forward_nothing_else():
    from engine.cutscene.scoring import RecordingSynth as CutsceneRecordingSynth

    inner = FakeComposer()
    composer = CadenceComposer(inner, final_bar=3)
    snapshot = composer.snapshot()
    composer.compose_bar(Intent(), 0)
    composer.restore(snapshot)
    assert inner.state == snapshot
    assert not hasattr(composer, "calls")        # no __getattr__ forwarding to the inner composer
    assert isinstance(composer, roles.Composer)

    closed = []
    synth = CutsceneRecordingSynth(type("Inner", (RecordingSynth,), {"close": lambda self: closed.append(1)})())
    synth.render_block(np.zeros((64, 2), np.float32), 0, [])
    synth.close()
    assert closed == [1] and synth.events == []
    assert isinstance(synth, roles.Synth)
    assert not hasattr(synth, "balance")
