"""``moodscore compose`` writes a MIDI file that music21 reads; the composer never imports torch."""

from __future__ import annotations

import subprocess
import sys

from engine.cli import main


def test_compose_writes_a_readable_midi_file(random_model, tmp_path):
    out = tmp_path / "out.mid"
    assert main(["compose", "--valence", "0.2", "--arousal", "0.8", "--bars", "4", "--seed", "2", "--key", "D", "--meter", "6/8", "--model", str(random_model), "-o", str(out)]) == 0
    import mido

    midi = mido.MidiFile(out)
    notes = [m for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0]
    assert notes and len(midi.tracks) >= 2
    from music21 import converter

    assert len(converter.parse(out).parts) >= 2


def test_composing_does_not_import_torch(random_model):
    code = ("import sys; from engine.composer.composer import Composer; from engine.music.intent import Intent; "
            f"c = Composer.load({str(random_model)!r}); c.compose_bar(Intent(), 0); print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_noncommercial_data_never_reaches_models(tmp_path):
    import json

    import numpy as np
    import pytest

    from engine.composer.cli_train import check_licences

    essen = {"meta": np.asarray(json.dumps({"corpus_sources": ["oneills1850", "essenFolksong"]}))}
    with pytest.raises(SystemExit, match="essenFolksong"):
        check_licences(essen, tmp_path / "models" / "moodscore-gru")
    check_licences(essen, tmp_path / "runs" / "essen-experiment")


def test_compose_with_a_theme_prints_where_it_is_stated(random_model, tmp_path, capsys):
    import mido

    motif = tmp_path / "motif.mid"
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for pitch in (62, 66, 69, 74, 73, 69, 66, 62):
        track.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=480))
    mid.save(motif)
    out = tmp_path / "themed.mid"
    args = ["compose", "--theme", str(motif), "--theme-key", "D", "--form", "A A' B A", "--bars", "16", "--key", "D",
            "--model", str(random_model), "-o", str(out)]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["  bars 1-4: statement A (1 theme, 2 theme)", "  bars 5-8: answer A'",
                         lines[3], "  bars 13-16: return A"]
    assert lines[3].startswith("  bars 9-12: contrast B (9 ")
    melody = next(t for t in mido.MidiFile(out).tracks if t.name == "melody")
    first = [m.note for m in melody if m.type == "note_on" and m.velocity > 0][:8]
    assert first == [62, 66, 69, 74, 73, 69, 66, 62]  # the motif, in D as written


def test_compose_refuses_a_bad_theme_in_one_line(random_model, tmp_path, capsys):
    (tmp_path / "bad.mid").write_bytes(b"MThd")
    assert main(["compose", "--theme", str(tmp_path / "bad.mid"), "--model", str(random_model), "-o", str(tmp_path / "x.mid")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("moodscore compose: theme ") and "bad.mid" in err[0]
