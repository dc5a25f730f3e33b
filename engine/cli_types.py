"""What the ``moodscore`` command accepts, and the errors that are the user's.

Argument types are callables argparse calls with the text typed: each returns the
value or raises ``argparse.ArgumentTypeError`` with one sentence that says what was
wanted. Numeric types carry ``span`` (``"1..1024"``) so that the help of every option
says its range (``tests/test_cli.py`` checks that each one does).

``UserError`` is the family the command answers with one line and exit status 1
instead of a traceback: the person's own mistakes (``UsageError`` for the command
line, ``MissingDataError`` for a file they have not built yet). ``engine.cli`` also
treats ``ValueError``, ``OSError`` and ``EngineError`` as the user's: every loader of
user input raises those, with the file, line and value named.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Callable


class UserError(ValueError):
    """A mistake of the person at the command line; the command prints it as one line, exit 1."""


class UsageError(UserError):
    """The command line itself is wrong: an unknown option, a missing argument, a value out of range."""


class MissingDataError(UserError):
    """A file the command needs has not been built yet; the message says what to run."""


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a ``UsageError`` (one line, exit 1) instead of
    argparse's usage block and exit 2; subcommand parsers inherit it."""

    def error(self, message: str):
        raise UsageError(f"{message} (see {self.prog} --help)")


def _type(name: str, span: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """``parse`` as an argparse type named ``name`` with a ``span`` for the help text."""
    parse.__name__ = name  # argparse names the type in some of its messages
    parse.span = span  # type: ignore[attr-defined]
    return parse


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: an integer in lo..hi."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number in {lo}..{hi}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is outside {lo}..{hi}")
        return value
    return _type("integer", f"{lo}..{hi}", parse)


def bounded_float(lo: float, hi: float, *, lo_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in lo..hi (above lo, not equal, with ``lo_open``)."""
    span = f"above {lo:g}, at most {hi:g}" if lo_open else f"{lo:g}..{hi:g}"
    wanted = f"must be above {lo:g} and at most {hi:g}" if lo_open else f"is outside {span}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        low_ok = value > lo if lo_open else value >= lo
        if not (math.isfinite(value) and low_ok and value <= hi):
            raise argparse.ArgumentTypeError(f"{text} {wanted}")
        return value
    return _type("number", span, parse)


unit_float = bounded_float(0.0, 1.0)
"""An argparse type: a number in 0..1 (valence, arousal, intensity)."""

SEED = bounded_int(0, 2**32 - 1)
"""An argparse type: a random seed, 0..4294967295."""

SAMPLE_RATE_HZ = bounded_int(8000, 192000)
"""An argparse type: an audio sample rate in Hz."""


def pitch_class(text: str) -> str:
    """An argparse type: a tonic such as ``D``, ``F#`` or ``Bb`` (returned as typed)."""
    from engine.music.keys import parse_pitch_class

    try:
        parse_pitch_class(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a note name such as C, F# or Bb") from None
    return text


def existing_file(kind: str) -> Callable[[str], str]:
    """An argparse type: the path of an existing regular file (a SoundFont, a script...)."""
    def parse(text: str) -> str:
        from engine.input_files import describe_special

        try:
            special = describe_special(os.stat(text).st_mode)
        except OSError as exc:
            raise argparse.ArgumentTypeError(f"{kind} {text!r}: {exc.strerror}") from None
        if special is not None:
            raise argparse.ArgumentTypeError(f"{kind} {text!r} is {special}, not a file")
        return text
    return _type("file", "", parse)


def output_spec(text: str) -> str:
    """An argparse type: where the audio goes, a name of ``engine.playback.outputs.OUTPUTS``
    (``sounddevice:DEVICE`` with an option, ``wav:PATH`` with the one it needs)."""
    from engine.playback.outputs import OUTPUTS, output_names

    name, _, value = text.partition(":")
    kind = OUTPUTS.get(name)
    if kind is None or (kind.required and not value) or (value and kind.spec_option is None):
        raise argparse.ArgumentTypeError(f"{text!r} is not an output; give one of {output_names()}")
    return text


__all__ = ["UserError", "UsageError", "MissingDataError", "CommandParser", "bounded_int", "bounded_float",
           "unit_float", "SEED", "SAMPLE_RATE_HZ", "pitch_class", "existing_file", "output_spec"]
