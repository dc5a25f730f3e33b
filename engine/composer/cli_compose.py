"""``moodscore compose``: compose N bars to a mood and write them as a MIDI file (optionally WAV)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--valence", type=float, default=0.6, help="0 dark .. 1 bright (default: %(default)s)")
    parser.add_argument("--arousal", type=float, default=0.4, help="0 calm .. 1 excited (default: %(default)s)")
    parser.add_argument("--intensity", type=float, default=0.5, help="0..1, moves the register (default: %(default)s)")
    parser.add_argument("--bars", type=int, default=16, help="how many bars (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--key", default="C", help="tonic, e.g. D or F# (default: %(default)s)")
    parser.add_argument("--mode", default=None, help="major or minor (default: from valence, minor below 0.5)")
    parser.add_argument("--meter", default="4/4", help="time signature (default: %(default)s)")
    parser.add_argument("--tempo", type=float, default=100.0, help="quarter notes per minute (default: %(default)s)")
    parser.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the MIDI file to write")
    parser.add_argument("--wav", type=Path, default=None, help="also render a WAV (needs the playback synth)")
    parser.add_argument("--theme", type=Path, default=None, metavar="MIDI",
                        help="a 1-4 bar motif to state, develop and bring back (its key: --theme-key, else the file's key signature, else estimated)")
    parser.add_argument("--theme-key", default=None, help="the motif's key, e.g. 'D minor'")
    parser.add_argument("--form", default=None, help="phrase labels, e.g. \"A A' B A\" (default: the mood's form)")
    parser.add_argument("--phrase-bars", type=int, default=4, help="bars per phrase of the form (default: %(default)s)")
    parser.add_argument("--no-form", action="store_true", help="compose without the form planner (an endless melody, as v1)")


def run(args: argparse.Namespace) -> int:
    from engine.composer.midi_out import compose_song, write_song_midi

    from engine.composer.midi_out import form_summary

    try:
        song, intent, bars = compose_song(args)
    except ValueError as error:
        print(f"moodscore compose: {error}")
        return 2
    write_song_midi(song, args.out)
    print(f"wrote {args.bars} bars of {intent.meter} in {intent.key} at {intent.tempo_bpm:g} bpm to {args.out}")
    for line in form_summary(bars):
        print(line)
    if args.wav is not None:
        from engine.composer.midi_out import render_wav

        render_wav(args.out, args.wav)
        print(f"wrote {args.wav}")
    return 0
