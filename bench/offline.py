"""Offline cutscene scoring speed: our engine against the ``fluidsynth`` command line.

Renders ``demo/cutscenes/ambush.yaml`` with the engine (loading score, model and
SoundFont, fitting the tempo, composing, rendering and writing the WAV), then renders
the MIDI file that render exported with ``fluidsynth -ni -F out.wav -r RATE SF2 in.mid``
(with ``-o synth.midi-bank-select=mma`` so the accents' drum kit on channel 14, bank
128, plays as drums). Each is timed best of ``--repeat`` runs, wall clock, in this
process's conditions. Prints one JSON line: audio_s, engine_s, fluidsynth_cli_s,
ratio (engine / CLI) and x_realtime (audio / engine).
Usage: python bench/offline.py [--cutscene PATH] [--sample-rate 48000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.cutscene.cli_score import score_cutscene  # noqa: E402
from engine.cutscene.export import write_rendering_midi  # noqa: E402
from engine.playback.synth import find_soundfont  # noqa: E402
from fluidsynth_cli import fluidsynth_command, run_fluidsynth  # noqa: E402


def _best(repeat: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutscene", default=str(ROOT / "demo" / "cutscenes" / "ambush.yaml"))
    parser.add_argument("--sample-rate", type=int, default=48000)
    parser.add_argument("--soundfont", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    soundfont = find_soundfont(args.soundfont)
    with tempfile.TemporaryDirectory() as tmp:
        wav, midi = Path(tmp) / "engine.wav", Path(tmp) / "engine.mid"
        engine_s, rendering = _best(args.repeat, lambda: score_cutscene(
            args.cutscene, wav, soundfont=soundfont, sample_rate_hz=args.sample_rate, extras=False))
        write_rendering_midi(rendering, midi)
        command = fluidsynth_command(soundfont, midi, Path(tmp) / "cli.wav", args.sample_rate,
                                     "-o", "synth.midi-bank-select=mma")
        cli_s, _ = _best(args.repeat, lambda: run_fluidsynth(command))
    audio_s = rendering.total_frames / args.sample_rate
    print(json.dumps({"audio_s": round(audio_s, 2), "engine_s": round(engine_s, 3),
                      "fluidsynth_cli_s": round(cli_s, 3), "ratio": round(engine_s / cli_s, 3),
                      "x_realtime": round(audio_s / engine_s, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
