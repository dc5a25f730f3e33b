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
