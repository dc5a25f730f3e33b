"""Stems: one track per layer, from the same voices as the mix, summing to it.

``StemSynth`` is the engine's ``Synth`` with FluidSynth's multi-output rendering
switched on: 16 audio groups and 16 effects groups (``synth.audio-groups``,
``synth.effects-groups``), so MIDI channel *c* renders its dry signal into output pair
*c* and feeds a reverb and a chorus unit of its own. ``fluid_synth_process`` is handed
each group's output pair as that group's effects buffers too, so every channel's
reverb and chorus returns are mixed into its own output. The stems are sums of
channels (``STEM_CHANNELS``); the mix is the sum of every channel. So the stems add up
to the mix by construction, in one pass, from the very same voices.

Why this is also the mix the engine makes without stems: everything FluidSynth does
after the voices (gain, the reverb, the chorus) is linear and time-invariant, and one
reverb fed the sum of sixteen sends returns the sum of sixteen reverbs fed one each
(the chorus LFO and the reverb's modulated delays start in the same phase in every
unit). Measured on a cutscene: the stem-mode mix differs from the plain render by
float rounding, below -120 dBFS (``tests/cutscene/test_stems.py`` asserts -60). A
FluidSynth per stem was tried first and rejected: a voice's first 64 frames depend on
the voice slot it reuses, so separate synths disagreed with the mix at note onsets by
up to -43 dBFS.
"""

from __future__ import annotations

import ctypes
from typing import Callable, Mapping

import numpy as np

from engine.cutscene.accents import KIT_CHANNEL, TIMPANI_CHANNEL
from engine.music.events import Kind
from engine.playback.arranger import LAYER_CHANNELS
from engine.playback.stingers import STINGER_CHANNEL
from engine.playback.synth import Synth

GROUPS = 16
"""One FluidSynth audio group (and effects group) per MIDI channel."""
STEM_CHANNELS: dict[str, tuple[int, ...]] = {
    **{layer: (channel,) for layer, channel in LAYER_CHANNELS.items()},
    "stingers": (STINGER_CHANNEL,),
    "accents": (KIT_CHANNEL, TIMPANI_CHANNEL),
}
"""Each stem and the MIDI channels (0-based) it takes; a cadence's final chord plays on
the pad, bass and melody channels, so it lands in those stems."""
OTHER_STEM = "other"
"""Channels no stem names (an authored segment may use any); written once one sounds."""
OTHER_CHANNELS = tuple(c for c in range(GROUPS) if all(c not in cs for cs in STEM_CHANNELS.values()))
_EFFECT_UNITS = 2      # reverb, chorus: fluid_synth_count_effects_channels()


def grouped_settings() -> dict[str, int]:
    """The FluidSynth settings for one output pair and one effects pair per channel."""
    return {"synth.audio-groups": GROUPS, "synth.audio-channels": GROUPS, "synth.effects-groups": GROUPS}


class StemSynth(Synth):
    """The engine's synth rendering per channel: ``out`` gets the mix, and after each
    block ``sink(start_frame, {stem: (frames, 2) float32})`` gets the stems over the same
    frames (``other`` only from the first block in which one of its channels sounded)."""

    def __init__(self, soundfont=None, *, sample_rate_hz: int = 48000, gain: float | None = None,
                 sink: Callable[[int, Mapping[str, np.ndarray]], None]):
        super().__init__(soundfont, sample_rate_hz=sample_rate_hz, gain=gain, settings=grouped_settings())
        self.sink = sink
        lib, ptr = self._fl._fl, ctypes.c_void_p
        self._process = ctypes.PYFUNCTYPE(ctypes.c_int, ptr, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ptr),
                                          ctypes.c_int, ctypes.POINTER(ptr))(("fluid_synth_process", lib))
        self._planes = np.zeros((0, 0), dtype=np.float32)
        self._stems: dict[str, np.ndarray] = {}
        self._out: np.ndarray | None = None
        self.other_sounded = False

    def _allocate(self, frames: int) -> None:
        """Planar buffers, one per output channel, and the pointer arrays FluidSynth takes:
        group g's output pair doubles as its reverb and chorus buffers."""
        self._planes = np.zeros((2 * GROUPS, frames), dtype=np.float32)
        rows = [self._planes[i].ctypes.data for i in range(2 * GROUPS)]
        self._outs = (ctypes.c_void_p * (2 * GROUPS))(*rows)
        fx = [rows[2 * group + side] for group in range(GROUPS) for _ in range(_EFFECT_UNITS) for side in (0, 1)]
        self._fx = (ctypes.c_void_p * len(fx))(*fx)

    def render_block(self, out: np.ndarray, start_frame: int, events) -> None:
        """The mix into ``out`` (events on the 64-frame grid, as ``Synth``); then the stems."""
        events = list(events)
        self.other_sounded |= any(e.event.kind == Kind.NOTE_ON and e.event.channel in OTHER_CHANNELS for e in events)
        if self._planes.shape[1] < len(out):
            self._allocate(max(len(out), 8192))
        self._stems = {name: np.zeros((len(out), 2), dtype=np.float32) for name in self._stem_names()}
        self._out = out
        try:
            super().render_block(out, start_frame, events)
        finally:
            self._out = None
        self.sink(start_frame, self._stems)

    def _stem_names(self) -> tuple[str, ...]:
        return tuple(STEM_CHANNELS) + ((OTHER_STEM,) if self.other_sounded else ())

    def _write_frames(self, base: int, first: int, count: int) -> None:
        """Render ``count`` frames per channel, then sum channels into stems and the mix."""
        if count <= 0:
            return
        planes = self._planes[:, :count]
        planes[...] = 0.0     # fluid_synth_process adds into its buffers
        if self._process(self._handle, count, len(self._fx), self._fx, 2 * GROUPS, self._outs) != 0:
            from engine.errors import EngineError

            raise EngineError("fluid_synth_process failed")
        self._frames_rendered += count
        pairs = planes.reshape(GROUPS, 2, count)
        for name, block in self._stems.items():
            channels = OTHER_CHANNELS if name == OTHER_STEM else STEM_CHANNELS[name]
            block[first:first + count] = pairs[list(channels)].sum(axis=0).T
        self._out[first:first + count] = pairs.sum(axis=0).T
