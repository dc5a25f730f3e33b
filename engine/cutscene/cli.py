"""``moodscore score CUTSCENE.yaml -o out.wav``: score a cutscene to picture, offline.

Writes the WAV and, beside it (same name, other suffixes), the MIDI file
(``.mid``), the cue sheet (``.cues.csv``) and a timeline picture (``.png``). A
broken cutscene or hits that cannot be met print the problem and exit 1 before
anything is rendered.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cutscene", metavar="CUTSCENE.yaml", help="the cutscene to score")
    parser.add_argument("-o", "--output", metavar="OUT.wav", required=True, help="WAV file to write (16-bit stereo)")
    parser.add_argument("--soundfont", metavar="PATH", help="SoundFont (.sf2/.sf3); default: see find_soundfont")
    parser.add_argument("--sample-rate", type=int, default=48000, metavar="HZ", help="sample rate (default 48000)")
    parser.add_argument("--model", metavar="DIR", help="composer model directory (default: the shipped one)")
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def outputs(wav_path: str | Path) -> dict[str, Path]:
    """The four files written for ``wav_path``: wav, mid, cues (CSV) and png."""
    wav = Path(wav_path)
    stem = wav.with_suffix("")
    return {"wav": wav, "mid": stem.with_suffix(".mid"), "cues": Path(f"{stem}.cues.csv"),
            "png": stem.with_suffix(".png")}


def score_cutscene(cutscene_path, wav_path, *, soundfont=None, model=None, sample_rate_hz: int = 48000,
                   progress=None, extras: bool = True):
    """Render ``cutscene_path`` to ``wav_path`` and (with ``extras``) the MIDI, cue sheet
    and timeline beside it; return the ``Rendering``."""
    from engine.cutscene.render import prepare, render_cutscene
    from engine.playback.wav import WavWriter

    prepared = prepare(cutscene_path, sample_rate_hz)    # errors before the WAV file is opened
    files = outputs(wav_path)
    with WavWriter(files["wav"], sample_rate_hz) as wav:
        rendering = render_cutscene(prepared, soundfont=soundfont, model=model, sample_rate_hz=sample_rate_hz,
                                    sink=wav.write, progress=progress)
        rendering.clipped_samples = wav.clipped_samples
    if extras:
        from engine.cutscene.export import write_cue_sheet, write_rendering_midi
        from engine.cutscene.timeline import write_timeline

        write_rendering_midi(rendering, files["mid"])
        write_cue_sheet(rendering, files["cues"])
        write_timeline(rendering, files["png"])
    return rendering


def run(args: argparse.Namespace) -> int:
    from engine.errors import EngineError
    from engine.progress import AudioProgress

    progress = None if args.no_progress else AudioProgress(args.sample_rate, "score")
    started = time.perf_counter()
    try:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        rendering = score_cutscene(args.cutscene, args.output, soundfont=args.soundfont, model=args.model,
                                   sample_rate_hz=args.sample_rate, progress=progress)
    except (OSError, ValueError, EngineError) as exc:
        print(f"moodscore score: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    audio_s = rendering.total_frames / args.sample_rate
    worst = max((abs(r.error_frames) for r in rendering.cue_rows if r.kind == "hit"), default=0)
    print(f"wrote {', '.join(str(p) for p in outputs(args.output).values())}")
    print(f"{audio_s:.1f} s of audio in {elapsed:.2f} s; {len(rendering.fit.landings)} hits, "
          f"worst landing error {worst} frame(s); peak {_dbfs(rendering.peak):.1f} dBFS")
    return 0


def _dbfs(peak: float) -> float:
    import math

    return 20 * math.log10(peak) if peak > 0 else float("-inf")
