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
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodscore", description="An adaptive music engine for games.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module_name)
        importlib.import_module(module_name).add_arguments(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
