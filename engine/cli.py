"""The ``moodscore`` command: one subcommand per job, each in the module that owns it.

Each entry of ``COMMANDS`` names a module with ``add_arguments(parser)`` and
``run(args) -> int``. A command module imports only argparse-level things at the
top and its heavy dependencies (torch, fluidsynth, music21) inside ``run``, so
``moodscore check`` never imports torch or FluidSynth.

One error path for every command: a mistake of the user's (``USER_ERRORS``: a bad
option, a broken or missing file, a SoundFont or audio device that fails) is printed
as one line per problem, ``moodscore COMMAND: what, naming the input``, and exits 1;
``-v`` also prints the traceback. Ctrl-C exits 130 without a word. Anything else is
a bug of ours and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

from engine.cli_types import CommandParser, UserError
from engine.errors import EngineError
from engine.input_files import clip

USER_ERRORS = (UserError, ValueError, OSError, EngineError)
"""What a user's input or machine can cause; each is answered in one line, exit 1."""

EXIT_USER_ERROR, EXIT_INTERRUPTED = 1, 130
MESSAGE_CHARS = 500

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, one-line help)
    "corpus": ("engine.composer.cli_corpus", "build the training corpus (the audited public-domain and CC0 collections, or your own MIDI)"),
    "train": ("engine.composer.cli_train", "train the composer network and export the shipped model"),
    "compose": ("engine.composer.cli_compose", "compose bars to a mood and write them as a MIDI file"),
    "eval": ("engine.composer.evaluation.cli_eval", "evaluate the composer on the test split: likelihood, control, likeness, originality"),
    "demo": ("demo.command", "play the pygame dungeon demo, scored live (headless with --seconds)"),
    "play": ("engine.audition", "audition a score: play it and type events, parameters and states"),
    "serve": ("engine.osc.serve", "serve a score over OSC (UDP) for Godot, Unity, Unreal or any OSC sender"),
    "replay": ("engine.replay", "re-render a recorded session bit-identically to a WAV file"),
    "check": ("engine.score.check", "validate score YAML files and list every problem found"),
    "render-midi": ("engine.playback.render_midi", "render a MIDI file to a WAV file through the SoundFont synth"),
    "score": ("engine.cutscene.cli_score", "score a cutscene to picture: WAV, MIDI, cue sheet and timeline"),
    "example-midi": ("engine.music.example", "write the example piece (melody, chords, bass, drums) as a MIDI file"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported to add its arguments."""
    parser = CommandParser(prog="moodscore", description="An adaptive music engine for games.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module_name)
        if name == command:
            importlib.import_module(module_name).add_arguments(cmd)
    return parser


def describe(exc: BaseException) -> list[str]:
    """The lines that tell the user what went wrong: one per problem of a SourceError,
    else one, with a file's name first where an OSError carries one."""
    lines = getattr(exc, "lines", None)
    if callable(lines):
        return list(lines())
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return [f"{exc.filename}: {exc.strerror}"]
    text = " ".join(str(exc).split()) or type(exc).__name__
    return [clip(text, MESSAGE_CHARS)]


def main(argv: list[str] | None = None) -> int:
    """Run the ``moodscore`` command line ``argv``; return its exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    try:
        return _main(argv, command if command in COMMANDS else None)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except USER_ERRORS as exc:
        if "-v" in argv or "--verbose" in argv:
            traceback.print_exc()
        prefix = f"moodscore {command}" if command in COMMANDS else "moodscore"
        for line in describe(exc):
            print(f"{prefix}: {line}", file=sys.stderr)
        return EXIT_USER_ERROR


def _main(argv: list[str], command: str | None) -> int:
    parser = build_parser(command)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
