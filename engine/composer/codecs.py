"""The table of bar codecs: a model's ``codec`` names the tokenisation its vocabulary is.

One row per ``bar_codec.BarCodec`` subclass instance. A model file's vocabulary is
checked against its codec's on load.
"""

from __future__ import annotations

from engine.composer.bar_codec import BarCodec
from engine.composer.tokens import MELODY_HARMONY, MELODY_HARMONY_V2

CODECS: dict[str, BarCodec] = {codec.name: codec for codec in (MELODY_HARMONY, MELODY_HARMONY_V2)}


def codec_named(name: str) -> BarCodec:
    """The codec called ``name``; ValueError naming the known ones."""
    if name not in CODECS:
        raise ValueError(f"codec {name!r} is not known (known: {', '.join(sorted(CODECS))})")
    return CODECS[name]
