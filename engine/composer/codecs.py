"""The table of bar codecs: a model's ``codec`` names the tokenisation its vocabulary is.

One row per ``bar_codec.BarCodec`` subclass instance. A model file's vocabulary is
checked against its codec's on load.
"""

from __future__ import annotations

from engine.composer.bar_codec import BarCodec
from engine.composer.tokens import MELODY_HARMONY

CODECS: dict[str, BarCodec] = {MELODY_HARMONY.name: MELODY_HARMONY}


def codec_named(name: str) -> BarCodec:
    """The codec called ``name``; ValueError naming the known ones."""
    if name not in CODECS:
        raise ValueError(f"codec {name!r} is not known (known: {', '.join(sorted(CODECS))})")
    return CODECS[name]
