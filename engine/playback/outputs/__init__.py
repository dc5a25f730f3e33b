"""Where the music goes: a table of output backends, one module each.

``open_output(spec, source, config, **options)`` builds the output ``spec`` names:
"null" (offline, no device), "wav:PATH" (offline, into a WAV file), "sounddevice"
(PortAudio; "sounddevice:3" or ``device=3`` picks a device), "pygame" (SDL) or
"virtual" (live with no sound card: a device thread that reads in real time and counts
underruns and late reads; "virtual:PATH" also writes what it played). The
part after a colon fills the option the table row names (``spec_option``); any other
option goes to the backend's constructor as a keyword. Every backend is built as
``factory(source, config, **options)`` and implements ``engine.roles.Output``.

A new backend is one module here with its class, plus one row in ``OUTPUTS``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from engine.playback.outputs.live import LiveOutput
from engine.playback.outputs.null import NullOutput
from engine.playback.outputs.portaudio import SoundDeviceOutput
from engine.playback.outputs.sdl import PygameOutput
from engine.playback.outputs.virtual import VirtualOutput
from engine.playback.outputs.wavfile import WavOutput
from engine.playback.stream import StreamConfig
from engine.roles import Output, Source

OutputFactory = Callable[..., Output]
"""Builds an output: ``factory(source, config, **options)``."""


@dataclass(frozen=True, slots=True)
class OutputKind:
    """A row of the table: the factory, and the option that ``"name:VALUE"`` fills
    (``required``: the spec must carry it, as "wav:PATH" must)."""

    factory: OutputFactory
    spec_option: str | None = None
    required: bool = False


OUTPUTS: dict[str, OutputKind] = {
    "null": OutputKind(NullOutput),
    "wav": OutputKind(WavOutput, spec_option="path", required=True),
    "sounddevice": OutputKind(SoundDeviceOutput, spec_option="device"),
    "pygame": OutputKind(PygameOutput),
    "virtual": OutputKind(VirtualOutput, spec_option="wav_path"),
}


def output_names() -> str:
    """The specs ``open_output`` accepts, for messages and ``--help``."""
    return ", ".join(f"{name}:{kind.spec_option.upper()}" if kind.required else name for name, kind in OUTPUTS.items())


def is_live(spec) -> bool:
    """Whether ``spec`` names a live output (one that plays in real time) of the table."""
    kind = OUTPUTS.get(spec.partition(":")[0]) if isinstance(spec, str) else None
    return kind is not None and bool(getattr(kind.factory, "live", False))


def open_output(spec: str | Output | OutputFactory, source: Source, config: StreamConfig = StreamConfig(),
                **options) -> Output:
    """The output for ``spec``: a name from ``OUTPUTS`` (with ``:VALUE`` where its row
    says), a factory called as ``factory(source, config, **options)``, or an ``Output``
    already built (returned as it is; it must pull from ``source``). ValueError for an
    unknown name, a missing ``:VALUE`` or an option the backend does not take."""
    if isinstance(spec, str):
        return _open_named(spec, source, config, options)
    if isinstance(spec, type) or not isinstance(spec, Output):   # a class has an Output's names too
        if callable(spec):
            return _build(getattr(spec, "__name__", repr(spec)), spec, source, config, options)
        raise TypeError(f"output {spec!r} is not a name ({output_names()}), a factory or an Output")
    if options:
        raise ValueError(f"output {type(spec).__name__} is already built; options {sorted(options)} do not apply")
    return spec


def _open_named(spec: str, source: Source, config: StreamConfig, options: dict) -> Output:
    name, colon, value = spec.partition(":")
    kind = OUTPUTS.get(name)
    if kind is None or (colon and kind.spec_option is None):
        raise ValueError(f"output {spec!r} is not one of {output_names()}")
    if value:
        options = {**options, kind.spec_option: value}
    elif kind.required and kind.spec_option not in options:
        raise ValueError(f"output {spec!r} needs {name}:{kind.spec_option.upper()} (or {kind.spec_option}=...)")
    return _build(name, kind.factory, source, config, options)


def _build(name: str, factory: OutputFactory, source: Source, config: StreamConfig, options: dict) -> Output:
    try:
        inspect.signature(factory).bind(source, config, **options)
    except TypeError as exc:
        raise ValueError(f"output {name!r}: {exc}") from None
    except ValueError:   # no signature to read (a builtin): let the call itself say
        pass
    return factory(source, config, **options)


__all__ = ["OUTPUTS", "OutputKind", "OutputFactory", "open_output", "output_names", "is_live", "LiveOutput",
           "NullOutput", "WavOutput", "SoundDeviceOutput", "PygameOutput", "VirtualOutput"]
