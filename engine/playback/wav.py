"""16-bit PCM WAV output through the stdlib ``wave`` module, fed float32 stereo blocks.

Samples are clipped to -1..1 before conversion (so a hot mix saturates instead of
wrapping around); the writer counts clipped samples so the caller can warn.
"""

from __future__ import annotations

import logging
import os
import wave

import numpy as np

log = logging.getLogger(__name__)

FULL_SCALE = 32767.0


def float_to_int16(block: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Convert float32 samples in -1..1 to int16 (into ``out`` when given, same shape);
    return the int16 array and how many samples had to be clipped."""
    clipped = int(np.count_nonzero(np.abs(block) > 1.0))
    scaled = np.clip(block, -1.0, 1.0) * FULL_SCALE
    if out is None:
        out = np.empty(block.shape, dtype=np.int16)
    np.rint(scaled, out=scaled)
    out[...] = scaled
    return out, clipped


class WavWriter:
    """Write float32 (frames, channels) blocks to a 16-bit WAV file; a context manager."""

    def __init__(self, path: str | os.PathLike, sample_rate_hz: int, channels: int = 2):
        if isinstance(sample_rate_hz, bool) or not isinstance(sample_rate_hz, int) or sample_rate_hz <= 0:
            raise ValueError(f"WAV sample_rate_hz: {sample_rate_hz!r} must be a positive int")
        self.path = os.fspath(path)
        self.channels = channels
        self.frames_written = 0
        self.clipped_samples = 0
        self._raw = open(self.path, "wb")  # a plain OSError for a bad path, before wave is involved
        self._file = wave.open(self._raw, "wb")
        self._file.setnchannels(channels)
        self._file.setsampwidth(2)
        self._file.setframerate(sample_rate_hz)

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` (float32, shape (frames, channels))."""
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"WAV block must have shape (frames, {self.channels}), got {block.shape}")
        samples, clipped = float_to_int16(block)
        self.clipped_samples += clipped
        self.frames_written += len(block)
        self._file.writeframesraw(samples.astype("<i2", copy=False).tobytes())

    def close(self) -> None:
        """Finish the header and close the file; warn when samples were clipped."""
        if self._file is not None:
            self._file.close()
            self._raw.close()
            self._file = None
            if self.clipped_samples:
                log.warning("%s: %d samples clipped at full scale", self.path, self.clipped_samples)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_wav(path: str | os.PathLike, samples: np.ndarray, sample_rate_hz: int) -> None:
    """Write a whole float32 (frames, channels) array to ``path`` as 16-bit PCM."""
    with WavWriter(path, sample_rate_hz, samples.shape[1]) as writer:
        writer.write(samples)


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV file as float32 (frames, channels) and its sample rate."""
    with wave.open(os.fspath(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"{os.fspath(path)}: only 16-bit PCM WAV is supported")
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        channels, rate = handle.getnchannels(), handle.getframerate()
    return data.reshape(-1, channels).astype(np.float32) / FULL_SCALE, rate
