"""The base class of bar tokenisations: how a ``Bar`` becomes token ids and back.

A codec owns a vocabulary, encodes a bar, decodes tokens, and hands the composer a
grammar for one bar being sampled (which ids may come next, what came). The
composer, training and the evaluation speak to a codec only through this class, so
a tokenisation that carries another voice (a bass line in ``Bar.voice("bass")``)
is one new subclass plus one row in ``codecs.CODECS``; the model's config names its
codec. Hooks the originality guard needs (the melody so far, a pending pitch) are
on the grammar, answered with ``None``/empty by codecs without a melody.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol, Sequence

from engine.music.notes import Bar, Meter


class BarGrammar(Protocol):
    """One bar being decoded: the token ranges allowed next, and what came."""

    meter: Meter

    def allowed_ranges(self) -> list[tuple[int, int]]: ...

    def advance(self, token: int) -> None: ...

    def can_end(self) -> bool: ...

    def to_bar(self, mode: str) -> Bar: ...

    def pending_melody_pitch(self) -> int | None:
        """The melody pitch whose duration is the next token, or None."""

    def melody_so_far(self) -> list[tuple[int, int]]:
        """(pitch, duration_ticks) of the bar's completed melody notes."""


class BarCodec(ABC):
    """Bars to token ids and back; one instance per tokenisation (see the module docstring)."""

    name: str = ""
    vocab: tuple[str, ...] = ()
    voices: tuple[str, ...] = ("melody",)
    """The ``Bar`` voices this codec carries (harmony always)."""
    max_tokens_per_bar: int = 0
    """No bar of this codec is longer (the sampler's loop bound)."""

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @abstractmethod
    def bar_token(self, meter: Meter) -> int:
        """The token that starts (and ends the previous) bar in ``meter``; ValueError if unknown."""

    @abstractmethod
    def ends_bar(self, token: int) -> bool:
        """Whether ``token`` closes the bar being sampled."""

    @abstractmethod
    def grammar(self, meter: Meter) -> BarGrammar:
        """A fresh grammar for one bar, after its bar token."""

    @abstractmethod
    def encode(self, bar: Bar) -> list[int]:
        """The tokens of one bar, starting with its bar token."""

    @abstractmethod
    def decode(self, tokens: Sequence[int], mode: str = "major") -> Bar:
        """The Bar of one bar's tokens (ValueError if they break the grammar)."""

    @abstractmethod
    def pitch_tokens(self, voice: str = "melody") -> dict[int, int]:
        """MIDI pitch -> token id of the pitches ``voice`` may sound (tonic-C space)."""

    @abstractmethod
    def duration_ticks(self, token: int) -> int:
        """The length in ticks a melody duration token stands for."""
