"""The audio file formats moodscore writes, as a table: name -> container and sample type.

A format is chosen by name (``--format wav24``) or by the file's extension
(``.wav`` 16-bit PCM, ``.flac`` 24-bit FLAC, ``.ogg`` Ogg Vorbis). The table is plain
data, importable without soundfile, so argument parsers can list the choices; the
writer that uses it is ``engine.playback.wav``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """One way to write audio: a libsndfile container and subtype, and its file extension.

    ``bits`` is the PCM word size (0 for float and for lossy Vorbis); ``clips`` says
    whether samples past full scale must be clipped (every format but float).
    """

    name: str
    container: str      # libsndfile major format: WAV, FLAC, OGG
    subtype: str        # libsndfile subtype: PCM_16, PCM_24, FLOAT, VORBIS
    extension: str
    description: str
    bits: int = 0

    @property
    def clips(self) -> bool:
        return self.subtype != "FLOAT"

    @property
    def is_wav(self) -> bool:
        return self.container == "WAV"


FORMATS: dict[str, AudioFormat] = {f.name: f for f in (
    AudioFormat("wav16", "WAV", "PCM_16", ".wav", "WAV, 16-bit PCM (the default for .wav)", 16),
    AudioFormat("wav24", "WAV", "PCM_24", ".wav", "WAV, 24-bit PCM", 24),
    AudioFormat("wav32f", "WAV", "FLOAT", ".wav", "WAV, 32-bit float (no clipping)"),
    AudioFormat("flac16", "FLAC", "PCM_16", ".flac", "FLAC, 16-bit", 16),
    AudioFormat("flac24", "FLAC", "PCM_24", ".flac", "FLAC, 24-bit (the default for .flac)", 24),
    AudioFormat("ogg", "OGG", "VORBIS", ".ogg", "Ogg Vorbis (the usual game asset)"),
)}

BY_EXTENSION: dict[str, str] = {".wav": "wav16", ".flac": "flac24", ".ogg": "ogg", ".oga": "ogg"}
"""The format a file gets from its extension when none is named."""

DEFAULT_FORMAT = "wav16"


def format_help() -> str:
    """One line listing the format names, for ``--help``."""
    return ", ".join(FORMATS)


def choose_format(path: str | os.PathLike, name: str | None = None, *, strict: bool = True) -> AudioFormat:
    """The format for writing ``path``: ``name`` when given, else the one its extension implies.

    With ``strict`` an unknown extension, or a named format whose container does not
    match the extension (``--format flac24`` for ``out.wav``), is a ValueError naming
    the file; without it an unknown extension falls back to 16-bit WAV, as the engine's
    ``wav:PATH`` output always wrote.
    """
    suffix = Path(path).suffix.lower()
    if name is not None:
        if name not in FORMATS:
            raise ValueError(f"audio format {name!r} is not one of {format_help()}")
        chosen = FORMATS[name]
        implied = BY_EXTENSION.get(suffix)
        if strict and (implied is None or FORMATS[implied].container != chosen.container):
            raise ValueError(f"{os.fspath(path)}: format {name} writes {chosen.container}; "
                             f"name the file *{chosen.extension}")
        return chosen
    if suffix in BY_EXTENSION:
        return FORMATS[BY_EXTENSION[suffix]]
    if strict:
        raise ValueError(f"{os.fspath(path)}: cannot tell the audio format from {suffix or 'no extension'!r}; "
                         f"use {', '.join(BY_EXTENSION)} or --format ({format_help()})")
    return FORMATS[DEFAULT_FORMAT]
