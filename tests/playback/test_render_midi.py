import mido
import numpy as np
import pytest

from engine import cli
from engine.music import example
from engine.playback import render_midi
from engine.music.example import example_song
from engine.music.midi import song_events, write_midi
from engine.playback.render_midi import TAIL_S
from engine.playback.wav import float_to_int16, read_wav

RATE = 44100


def main(argv):
    """Run one command through engine.cli (which imports only that command's module)."""
    module = {"render-midi": render_midi, "example-midi": example}[argv[0]]
    assert cli.COMMANDS[argv[0]][0] == module.__name__
    return cli.main(argv)


@pytest.fixture(scope="module")
def example_midi(tmp_path_factory):
    path = tmp_path_factory.mktemp("midi") / "example.mid"
    write_midi(example_song(2), path)
    return path


def test_render_midi_writes_wav(example_midi, tmp_path, capsys):
    out = tmp_path / "out.wav"
    assert main(["render-midi", str(example_midi), "-o", str(out), "--sample-rate", str(RATE), "--no-progress"]) == 0
    samples, rate = read_wav(out)
    expected = song_events(example_song(2), RATE)[-1].frame + round(TAIL_S * RATE)
    assert rate == RATE and samples.shape == (expected, 2)
    peak = np.abs(samples).max()
    assert 0.05 < peak < 0.99  # audible and not clipped
    assert "wrote" in capsys.readouterr().out


def test_render_midi_corrupt_file_names_it(tmp_path, capsys):
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"RIFF....not midi")
    assert main(["render-midi", str(bad), "-o", str(tmp_path / "x.wav"), "--no-progress"]) == 1
    assert "broken.mid: not a MIDI file" in capsys.readouterr().err


def test_render_midi_missing_soundfont(example_midi, tmp_path, capsys):
    code = main(["render-midi", str(example_midi), "-o", str(tmp_path / "x.wav"),
                 "--soundfont", str(tmp_path / "none.sf2"), "--no-progress"])
    assert code == 1 and "none.sf2" in capsys.readouterr().err


def test_render_midi_unknown_program_names_file(tmp_path, capsys):
    midi = mido.MidiFile(type=0)
    track = mido.MidiTrack()
    track += [mido.Message("control_change", channel=0, control=0, value=5),
              mido.Message("program_change", channel=0, program=3),
              mido.Message("note_on", channel=0, note=60, velocity=90, time=10)]
    midi.tracks.append(track)
    midi.save(tmp_path / "odd.mid")
    assert main(["render-midi", str(tmp_path / "odd.mid"), "-o", str(tmp_path / "x.wav"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "odd.mid" in err and "program 3" in err


def test_float_to_int16_clips_instead_of_wrapping():
    block = np.array([[0.0, 0.5], [1.5, -2.0]], dtype=np.float32)
    samples, clipped = float_to_int16(block)
    assert samples.tolist() == [[0, 16384], [32767, -32767]] and clipped == 2


def test_example_midi_command(tmp_path):
    out = tmp_path / "sub" / "demo.mid"
    assert main(["example-midi", str(out), "--bars", "2"]) == 0
    assert out.stat().st_size > 100
