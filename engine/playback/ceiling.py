"""The output ceiling: a soft clipper on every rendered block, so the music never clips.

FluidSynth sums voices with no limit: the example scores' loudest state (the space
shooter's boss, five layers near full velocity) peaks at +2.7 dBFS as rendered, which a
16-bit file or a device would clip hard. The loudness leveller
(``engine.playback.loudness``) keeps peaks under -3 dBFS, so with it this stage bends
nothing in ``bench/listen.py``; it stays for what a leveller cannot foresee (a score
with ``loudness: off``, an authored stinger far louder than its first hearing). Above
``CEILING`` c (-1 dBFS) a sample is bent smoothly towards ``LIMIT`` L (-0.1 dBFS),

    c + (L - c) * tanh((|x| - c) / (L - c)),

which meets the straight line at ``c`` with the same slope (no corner, so no click)
and never passes L. Below the ceiling a block is not touched at all, so everything
quieter renders exactly as before; it has no memory, so it adds no latency and stays
deterministic. It is a safety stage, not a loudness control: ``bench/listen.py``
reports the synth's peak before it and how many samples it bent.
"""

from __future__ import annotations

import numpy as np

CEILING = 10.0 ** (-1.0 / 20.0)
"""-1 dBFS: samples above this are soft-clipped."""
LIMIT = 10.0 ** (-0.1 / 20.0)
"""-0.1 dBFS: what they bend towards and never reach."""


def soft_clip(out: np.ndarray, ceiling: float = CEILING, limit: float = LIMIT) -> int:
    """Bend the samples of ``out`` (float32, in place) above ``ceiling`` towards
    ``limit``; returns how many were bent (0: ``out`` is untouched)."""
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak <= ceiling:
        return 0
    over = np.abs(out) > ceiling
    x = out[over].astype(np.float64)
    room = limit - ceiling
    out[over] = (np.sign(x) * (ceiling + room * np.tanh((np.abs(x) - ceiling) / room))).astype(np.float32)
    return int(np.count_nonzero(over))
