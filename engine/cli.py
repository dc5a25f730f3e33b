"""The ``moodscore`` command: one subcommand per job, each in the module that owns it.

Each entry of ``COMMANDS`` names a module with ``add_arguments(parser)`` and
``run(args) -> int``. A command module imports only argparse-level things at the
top and its heavy dependencies (torch, fluidsynth, music21) inside ``run``, so
``moodscore check`` never imports torch or FluidSynth.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, one-line help)
    "corpus": ("engine.composer.cli_corpus", "build the training corpus (the audited public-domain and CC0 collections, or your own MIDI)"),
    "train": ("engine.composer.cli_train", "train the composer network and export the shipped model"),
    "compose": ("engine.composer.cli_compose", "compose bars to a mood and write them as a MIDI file"),
    "eval": ("engine.composer.evaluation.cli", "evaluate the composer on the test split: likelihood, control, likeness, originality"),
    "demo": ("demo.command", "play the pygame dungeon demo, scored live (headless with --seconds)"),
    "play": ("engine.audition", "audition a score: play it and type events, parameters and states"),
    "replay": ("engine.replay", "re-render a recorded session bit-identically to a WAV file"),
    "check": ("engine.score.check", "validate score YAML files and list every problem found"),
    "render-midi": ("engine.playback.render", "render a MIDI file to a WAV file through the SoundFont synth"),
    "score": ("engine.cutscene.cli", "score a cutscene to picture: WAV, MIDI, cue sheet and timeline"),
    "example-midi": ("engine.music.example", "write the example piece (melody, chords, bass, drums) as a MIDI file"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(prog="moodscore", description="An adaptive music engine for games.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module_name)
        if name == command:
            importlib.import_module(module_name).add_arguments(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
