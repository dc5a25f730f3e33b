"""Render speed: our engine against the ``fluidsynth`` command line on the same MIDI file.

Prints one JSON line: engine_s and fluidsynth_cli_s (wall seconds, each including
SoundFont loading and WAV writing), their ratio, and the audio length audio_s.
Usage: python bench/render_speed.py [--bars 32] [--sample-rate 48000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.music.example import example_song  # noqa: E402
from engine.music.midi import write_midi  # noqa: E402
from engine.playback.render_midi import render_midi_file  # noqa: E402
from engine.playback.synth import find_soundfont  # noqa: E402
from fluidsynth_cli import fluidsynth_command, run_fluidsynth  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=32, help="length of the example piece (32 bars ≈ 61 s)")
    parser.add_argument("--sample-rate", type=int, default=48000)
    parser.add_argument("--soundfont", default=None)
    args = parser.parse_args()
    soundfont = find_soundfont(args.soundfont)
    with tempfile.TemporaryDirectory() as tmp:
        midi = Path(tmp) / "piece.mid"
        write_midi(example_song(args.bars), midi)
        started = time.perf_counter()
        frames = render_midi_file(midi, Path(tmp) / "engine.wav", soundfont=soundfont, sample_rate_hz=args.sample_rate)
        engine_s = time.perf_counter() - started
        command = fluidsynth_command(soundfont, midi, Path(tmp) / "cli.wav", args.sample_rate)
        started = time.perf_counter()
        run_fluidsynth(command)
        cli_s = time.perf_counter() - started
    result = {"engine_s": round(engine_s, 3), "fluidsynth_cli_s": round(cli_s, 3),
              "ratio": round(engine_s / cli_s, 3), "audio_s": round(frames / args.sample_rate, 2)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
