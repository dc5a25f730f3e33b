"""Reading files a user hands us, as if each one were hostile.

Every loader of user input (score and cutscene YAML, session files, MIDI) reads its
bytes through ``read_input``: the path is ``os.stat``-ed first and must be a regular
file (a directory, a FIFO that would block for ever, a symlink to ``/dev/zero`` or
another device are refused before anything is opened), no larger than the kind's
limit, and it is read with at most ``limit + 1`` bytes asked for, so a file that grows
after the check cannot make us read more. The limits (``LIMITS``) are generous for
real files and bound the time a hostile one can cost (YAML: ``engine.score.source``
also caps the values at 10,000, so any file is refused within about half a second;
MIDI: the chunk structure is checked at once, a track's contents take mido about
3 s per MB on a busy 2-core machine):

==========  ==========  ============================================================
kind        limit       why
==========  ==========  ============================================================
score       512 KiB     the example scores are 2-3 KB; YAML parses at ~300 KB/s here
cutscene    512 KiB     the example cutscenes are under 2 KB
session     64 MiB      one line per game call: about a million calls
MIDI        4 MiB       a long orchestral piece is 0.2-1 MB
script      1 MiB       ``moodscore play --script``: one command a line
==========  ==========  ============================================================

``decode_utf8`` turns bytes into text or names the first byte that is not UTF-8, with
its offset and line. ``shorten`` quotes a value for a message, cut to ``QUOTE_CHARS``
characters, so that no message repeats a megabyte a user wrote.
"""

from __future__ import annotations

import os
import stat

KIB, MIB = 1024, 1024 * 1024

LIMITS: dict[str, int] = {
    "score": 512 * KIB,
    "cutscene": 512 * KIB,
    "session": 64 * MIB,
    "MIDI": 4 * MIB,
    "script": 1 * MIB,
}
"""The most bytes read for each kind of input file (see the module docstring)."""

QUOTE_CHARS = 80
"""The longest quotation of a value in a message, in characters."""

_SPECIAL = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
            (stat.S_ISSOCK, "a socket"))
_BOMS = ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


class InputFileError(ValueError):
    """A user's file cannot be used as it is: what it is, its size or its encoding.

    ``str()`` is one line, ``path[:line]: message``; ``line`` is 0 when the problem is
    the file as a whole."""

    def __init__(self, path: str | os.PathLike, message: str, line: int = 0):
        self.path, self.line, self.message = os.fspath(path), line, message
        super().__init__(f"{self.path}{f':{line}' if line else ''}: {message}")


def shorten(value: object, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters, its full length said, for messages."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit - 16]!r}… ({len(value):,} chars)"
    if isinstance(value, (list, tuple, dict, set)) and len(value) > limit:
        return f"a {type(value).__name__} of {len(value):,} items"
    return clip(repr(value), limit)


def clip(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` itself when short, else its first characters and its full length."""
    return text if len(text) <= limit else f"{text[:limit - 16]}… ({len(text):,} chars)"


def describe_special(mode: int) -> str | None:
    """What a non-regular file is (``"a directory"``, ``"a FIFO (named pipe)"``...), else None."""
    for test, what in _SPECIAL:
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def check_regular(path: str | os.PathLike, kind: str) -> os.stat_result:
    """``os.stat(path)`` (following symlinks) when it is a regular file; else InputFileError.

    A missing or unreadable path raises the OSError of ``os.stat``."""
    info = os.stat(path)
    special = describe_special(info.st_mode)
    if special is not None:
        raise InputFileError(path, f"is {special}, not a {kind} file")
    return info


def read_input(path: str | os.PathLike, kind: str) -> bytes:
    """The bytes of the user's ``kind`` file at ``path`` (a key of ``LIMITS``), read safely.

    Raises InputFileError (a ValueError) for a file that is not a regular file or is
    over the kind's limit, and OSError when it cannot be read at all."""
    limit = LIMITS[kind]
    info = check_regular(path, kind)
    _check_size(path, kind, info.st_size, limit)
    # O_NONBLOCK: should the path have become a FIFO since the stat, open() does not wait
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb", closefd=True) as handle:
        special = describe_special(os.fstat(handle.fileno()).st_mode)
        if special is not None:
            raise InputFileError(path, f"is {special}, not a {kind} file")
        data = handle.read(limit + 1)
    _check_size(path, kind, len(data), limit)
    return data


def _check_size(path, kind: str, size: int, limit: int) -> None:
    if size > limit:
        raise InputFileError(path, f"is {_size(size)}; a {kind} file may be at most {_size(limit)}")


def _size(count: int) -> str:
    for unit, scale in (("MiB", MIB), ("KiB", KIB)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{count} bytes"


def decode_utf8(data: bytes, path: str | os.PathLike) -> str:
    """``data`` as text; InputFileError naming the first byte that is not UTF-8, its offset and line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = next((f" (it looks like {name}; save it as UTF-8)" for bom, name in _BOMS if data.startswith(bom)), "")
        byte = data[exc.start]
        raise InputFileError(path, f"not UTF-8 text: byte 0x{byte:02x} at offset {exc.start}{hint}", line) from None


def read_text(path: str | os.PathLike, kind: str) -> str:
    """``read_input`` then ``decode_utf8``: the text of a user's ``kind`` file."""
    return decode_utf8(read_input(path, kind), path)


__all__ = ["LIMITS", "QUOTE_CHARS", "InputFileError", "check_regular", "clip", "decode_utf8", "describe_special",
           "read_input", "read_text", "shorten"]
