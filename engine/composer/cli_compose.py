"""``moodscore compose``: compose N bars to a mood and write them as a MIDI file (optionally WAV)."""

from __future__ import annotations

import argparse
from pathlib import Path


MAX_BARS = 1024
"""Most bars one ``compose`` writes: about 40 minutes of 4/4 at 100 bpm, composed in seconds."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import SEED, bounded_float, bounded_int, existing_file, pitch_class, unit_float
    from engine.composer.tokens import METERS
    from engine.music.keys import MODES

    bars, tempo = bounded_int(1, MAX_BARS), bounded_float(20.0, 300.0)  # the tempi an Intent accepts
    temperature, top_p = bounded_float(0.0, 5.0, lo_open=True), bounded_float(0.0, 1.0, lo_open=True)
    parser.add_argument("--valence", type=unit_float, default=0.6, help="0..1: 0 dark, 1 bright (default: %(default)s)")
    parser.add_argument("--arousal", type=unit_float, default=0.4, help="0..1: 0 calm, 1 excited (default: %(default)s)")
    parser.add_argument("--intensity", type=unit_float, default=0.5, help="0..1, moves the register (default: %(default)s)")
    parser.add_argument("--bars", type=bars, default=16, help=f"how many bars, {bars.span} (default: %(default)s)")
    parser.add_argument("--seed", type=SEED, default=0, help=f"random seed, {SEED.span}: the same seed composes the same bars (default: %(default)s)")
    parser.add_argument("--temperature", type=temperature, default=1.0,
                        help=f"sampling temperature, {temperature.span}: lower is safer, higher more surprising (default: %(default)s)")
    parser.add_argument("--top-p", type=top_p, default=0.95,
                        help=f"nucleus sampling: keep the likeliest tokens up to this probability, {top_p.span} (default: %(default)s)")
    parser.add_argument("--key", type=pitch_class, default="C", help="tonic, a note name such as D, F# or Bb (default: %(default)s)")
    parser.add_argument("--mode", choices=list(MODES), default=None, metavar="MODE",
                        help=f"one of {', '.join(MODES)} (default: from valence, minor below 0.5)")
    parser.add_argument("--meter", choices=list(METERS), default="4/4", metavar="N/D",
                        help=f"time signature the composer knows: {', '.join(METERS)} (default: %(default)s)")
    parser.add_argument("--tempo", type=tempo, default=100.0, help=f"quarter notes per minute, {tempo.span} (default: %(default)s)")
    parser.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the MIDI file to write")
    parser.add_argument("--wav", type=Path, default=None, help="also render a WAV (needs the playback synth)")
    phrase_bars = bounded_int(1, 64)
    parser.add_argument("--theme", type=existing_file("theme"), default=None, metavar="MIDI",
                        help="a 1-4 bar motif to state, develop and bring back (its key: --theme-key, else the file's key signature, else estimated)")
    parser.add_argument("--theme-key", default=None, help="the motif's key, e.g. 'D minor'")
    parser.add_argument("--form", default=None, help="phrase labels, e.g. \"A A' B A\" (default: the mood's form)")
    parser.add_argument("--phrase-bars", type=phrase_bars, default=4, help=f"bars per phrase of the form, {phrase_bars.span} (default: %(default)s)")
    parser.add_argument("--no-form", action="store_true", help="compose without the form planner (an endless melody, as v1)")


def run(args: argparse.Namespace) -> int:
    from engine.composer.midi_out import compose_song, write_song_midi

    from engine.composer.midi_out import form_summary

    song, intent, bars = compose_song(args)
    write_song_midi(song, args.out)
    print(f"wrote {args.bars} bars of {intent.meter} in {intent.key} at {intent.tempo_bpm:g} bpm to {args.out}")
    for line in form_summary(bars):
        print(line)
    if args.wav is not None:
        from engine.composer.midi_out import render_wav

        render_wav(args.out, args.wav)
        print(f"wrote {args.wav}")
    return 0
