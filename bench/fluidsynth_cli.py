"""The baseline both render benches compare with: FluidSynth's own command-line renderer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def fluidsynth_command(soundfont: Path, midi: Path, wav: Path, sample_rate_hz: int, *options: str) -> list[str]:
    """`fluidsynth -ni -F WAV -r RATE [OPTIONS] SF2 MIDI`; exits when the command is missing."""
    cli = shutil.which("fluidsynth")
    if cli is None:
        raise SystemExit("bench: the fluidsynth command is missing (apt-get install fluidsynth)")
    return [cli, "-ni", "-q", *options, "-F", str(wav), "-r", str(sample_rate_hz), str(soundfont), str(midi)]


def run_fluidsynth(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
