"""``moodscore score CUTSCENE.yaml -o out.wav``: score a cutscene to picture, offline.

Writes the mix (WAV 16/24-bit/float, FLAC or Ogg Vorbis, by extension or
``--format``) and, beside it, the MIDI file, the cue sheet, a timeline picture and an
OpenTimelineIO file with the cues on a music track (``produce.outputs``); with
``--stems DIR`` one file per layer that sums to the mix; with ``--loudness LUFS`` the
mix and stems at that integrated loudness under a true-peak ceiling. The cues may come
from an editorial timeline (``--timeline cut.otio``), with or without a cutscene file.
A broken cutscene, hits that cannot be met or a bad output print the problem and exit
1 before anything is written; a failure later removes what was written.
"""

from __future__ import annotations

import argparse
import time

from engine.cutscene.produce import outputs, score_cutscene  # noqa: F401  (the names tests and benches use)
from engine.playback.audio_formats import FORMATS, format_help


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import SEED, bounded_float, existing_file
    from engine.config import AUDIO_RATES_HZ

    parser.add_argument("cutscene", metavar="CUTSCENE.yaml", nargs="?",
                        help="the cutscene to score (optional with --timeline and --score)")
    parser.add_argument("-o", "--output", metavar="OUT.wav", required=True,
                        help="audio file to write: .wav (16-bit), .flac (24-bit) or .ogg (Vorbis); see --format")
    parser.add_argument("--format", metavar="NAME", choices=list(FORMATS),
                        help=f"audio format instead of the extension's: {format_help()}")
    parser.add_argument("--timeline", type=existing_file("timeline"), metavar="CUT.otio",
                        help="an editorial timeline (OpenTimelineIO) whose markers are cues; replaces the file's 'timeline'")
    parser.add_argument("--score", type=existing_file("score"), metavar="SCORE.yaml",
                        help="the score, for a --timeline given without a cutscene file")
    parser.add_argument("--seed", type=SEED, metavar="N",
                        help="the seed, 0..4294967295, for a --timeline without a cutscene file (default 0)")
    parser.add_argument("--root", metavar="DIR",
                        help="folder the cutscene's paths may reach into (default: the folder above the cutscene's)")
    parser.add_argument("--stems", metavar="DIR", help="also write one file per layer into DIR; they sum to the mix")
    parser.add_argument("--loudness", type=bounded_float(-70.0, 0.0), metavar="LUFS",
                        help="normalise mix and stems to this integrated loudness, -70..0 (e.g. -16); "
                             "default: the level as rendered")
    parser.add_argument("--true-peak", type=bounded_float(-20.0, 0.0), default=None, metavar="DBTP",
                        help="true-peak ceiling for --loudness, -20..0 (default -1 dBTP)")
    parser.add_argument("--soundfont", type=existing_file("SoundFont"), metavar="PATH",
                        help="SoundFont (.sf2/.sf3); default: see find_soundfont")
    parser.add_argument("--sample-rate", type=int, choices=AUDIO_RATES_HZ, default=48000, metavar="HZ",
                        help=f"sample rate: {', '.join(map(str, AUDIO_RATES_HZ))} (default 48000)")
    parser.add_argument("--model", metavar="DIR", help="composer model directory (default: the shipped one)")
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def load_source(args: argparse.Namespace):
    """The Cutscene the arguments name: a cutscene file (its timeline replaced by
    ``--timeline``), or ``--timeline`` with ``--score`` alone."""
    from engine.cli_types import UsageError
    from engine.cutscene.reader import load_cutscene, load_timeline_cutscene

    if args.cutscene is not None:
        if args.score is not None or args.seed is not None:
            raise UsageError("--score and --seed go with a --timeline alone; a cutscene file names its own")
        return load_cutscene(args.cutscene, root=args.root, timeline=args.timeline)
    if args.timeline is None or args.score is None:
        raise UsageError("name a CUTSCENE.yaml, or a --timeline with its --score")
    return load_timeline_cutscene(args.timeline, args.score, args.seed)


def run(args: argparse.Namespace) -> int:
    from engine.cutscene.delivery import describe
    from engine.cutscene.produce import delivery_spec
    from engine.cutscene.scoring import prepare
    from engine.progress import AudioProgress

    progress = None if args.no_progress else AudioProgress(args.sample_rate, "score")
    started = time.perf_counter()
    try:                              # errors: engine.cli's one error path
        spec = delivery_spec(args.output, args.format, args.stems, args.loudness, args.true_peak)
        prepared = prepare(load_source(args), args.sample_rate)
        rendering = score_cutscene(prepared, spec, soundfont=args.soundfont, model=args.model,
                                   sample_rate_hz=args.sample_rate, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    elapsed = time.perf_counter() - started
    audio_s = rendering.total_frames / args.sample_rate
    worst = max((abs(r.error_frames) for r in rendering.cue_rows if r.kind == "hit"), default=0)
    print(f"wrote {', '.join(str(p) for p in rendering.files)}")
    print(f"{audio_s:.1f} s of audio in {elapsed:.2f} s; {len(rendering.fit.landings)} hits, "
          f"worst landing error {worst} frame(s); {describe(rendering.loudness)}")
    return 0
