"""Audio files through soundfile (libsndfile): WAV 16/24-bit/float, RF64, FLAC, Ogg Vorbis.

``WavWriter`` streams float32 (frames, channels) blocks to a file in any format of
``audio_formats.FORMATS`` (by name or by the file's extension). Every caller (the
``wav:`` output, ``replay``, ``render-midi``, ``score``) goes through it.

- **Level.** Samples past full scale are clipped (and counted, so the caller can
  warn) in every format but float. 16-bit PCM is converted here exactly as the
  hand-written writer this replaces did (clip, x 32767, round half to even), so a
  16-bit WAV is the same bytes as before, header included.
- **A killed render is readable.** WAV and RF64 headers are rewritten after every
  block (libsndfile's ``SFC_SET_UPDATE_HEADER_AUTO``), so a process killed mid-render
  leaves a file whose header counts every block written.
- **Past 4 GiB.** A RIFF WAV's sizes are 32-bit. When the caller says how long the
  file will be (``expected_frames``) and that passes ``WAV_LIMIT_BYTES``, the file is
  RF64 from the start; when it does not know and the data reaches the limit, the
  writer copies what it has into an RF64 file beside it, carries on there, and moves
  it into place at ``close`` (the WAV stays valid until then).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from engine.playback.audio_formats import FORMATS, AudioFormat, choose_format

log = logging.getLogger(__name__)

FULL_SCALE = 32767.0
WAV_LIMIT_BYTES = 0xFFFFFFFF - 1024
"""Most data a RIFF WAV can describe (32-bit sizes), less room for its header."""
_SFC_SET_UPDATE_HEADER_AUTO = 0x1061   # sndfile.h; soundfile's cdef does not name it
_COPY_FRAMES = 1 << 18
_BYTES_PER_SAMPLE = {"PCM_16": 2, "PCM_24": 3, "FLOAT": 4}


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


def _check_rate(sample_rate_hz) -> int:
    if isinstance(sample_rate_hz, bool) or not isinstance(sample_rate_hz, int) or sample_rate_hz <= 0:
        raise ValueError(f"audio sample_rate_hz: {sample_rate_hz!r} must be a positive int")
    return sample_rate_hz


def _open_sound_file(path: str, fmt: AudioFormat, container: str, sample_rate_hz: int, channels: int):
    """A SoundFile open for writing; OSError (naming ``path``) when it cannot be created."""
    import soundfile

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)   # a plain OSError for a bad path
    try:
        handle = soundfile.SoundFile(fd, "w", sample_rate_hz, channels, fmt.subtype, format=container, closefd=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        os.close(fd)
        raise OSError(f"{path}: cannot write {fmt.description}: {exc}") from None
    if container in ("WAV", "RF64"):
        soundfile._snd.sf_command(handle._file, _SFC_SET_UPDATE_HEADER_AUTO, soundfile._ffi.NULL, soundfile._snd.SF_TRUE)
    return handle


class WavWriter:
    """Write float32 (frames, channels) blocks to an audio file; a context manager.

    ``fmt`` is an ``AudioFormat`` or a format name; None picks one from the file's
    extension (16-bit WAV when the extension says nothing). ``expected_frames``, when
    known, lets a file that will pass 4 GiB be RF64 from the start.
    """

    def __init__(self, path: str | os.PathLike, sample_rate_hz: int, channels: int = 2,
                 fmt: AudioFormat | str | None = None, *, expected_frames: int | None = None,
                 wav_limit_bytes: int = WAV_LIMIT_BYTES):
        self.path = os.fspath(path)
        self.sample_rate_hz = _check_rate(sample_rate_hz)
        self.channels = channels
        self.format = fmt if isinstance(fmt, AudioFormat) else choose_format(self.path, fmt, strict=False)
        self.frames_written = 0
        self.clipped_samples = 0
        self._frame_bytes = channels * _BYTES_PER_SAMPLE.get(self.format.subtype, 0)
        self._limit_bytes = wav_limit_bytes
        self._container = self.format.container
        if self.format.is_wav and expected_frames is not None and expected_frames * self._frame_bytes > wav_limit_bytes:
            self._container = "RF64"
        self._final_path: str | None = None     # where an RF64 copy moves at close
        self._file = _open_sound_file(self.path, self.format, self._container, self.sample_rate_hz, channels)

    @property
    def container(self) -> str:
        """The container being written: the format's, or RF64 for a WAV past 4 GiB."""
        return self._container

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` (float32, shape (frames, channels))."""
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"audio block must have shape (frames, {self.channels}), got {block.shape}")
        if self._file is None:
            raise ValueError(f"{self.path}: write after close")
        if self._container == "WAV" and (self.frames_written + len(block)) * self._frame_bytes > self._limit_bytes:
            self._continue_as_rf64()
        self._file.write(self._samples(block))
        self.frames_written += len(block)

    def _samples(self, block: np.ndarray) -> np.ndarray:
        if self.format.subtype == "PCM_16":
            samples, clipped = float_to_int16(block)
            self.clipped_samples += clipped
            return samples
        if not self.format.clips:
            return np.ascontiguousarray(block, dtype=np.float32)
        self.clipped_samples += int(np.count_nonzero(np.abs(block) > 1.0))
        return np.clip(block, -1.0, 1.0).astype(np.float32, copy=False)

    def _continue_as_rf64(self) -> None:
        """Copy the WAV written so far into an RF64 file beside it and carry on there."""
        import soundfile

        self._file.close()
        wav_path, rf64_path = self.path, f"{self.path}.rf64-part"
        log.warning("%s: past %d bytes of audio, which a WAV cannot describe; continuing as RF64",
                    wav_path, self._limit_bytes)
        self._file = _open_sound_file(rf64_path, self.format, "RF64", self.sample_rate_hz, self.channels)
        dtype = "int16" if self.format.subtype == "PCM_16" else "float32"
        with soundfile.SoundFile(wav_path) as old:
            for chunk in old.blocks(_COPY_FRAMES, dtype=dtype, always_2d=True):
                self._file.write(chunk)
        self._container, self._final_path, self.path = "RF64", wav_path, rf64_path

    def close(self) -> None:
        """Finish the file and close it; warn when samples were clipped."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        if self._final_path is not None:
            os.replace(self.path, self._final_path)
            self.path, self._final_path = self._final_path, None
        if self.clipped_samples:
            log.warning("%s: %d samples clipped at full scale", self.path, self.clipped_samples)

    def discard(self) -> None:
        """Close and delete the file: what a failed render must not leave behind."""
        try:
            if self._file is not None:
                self._file.close()
        finally:
            self._file = None
            for path in (self.path, self._final_path):
                if path is not None:
                    Path(path).unlink(missing_ok=True)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


def write_wav(path: str | os.PathLike, samples: np.ndarray, sample_rate_hz: int, fmt: str | None = None) -> None:
    """Write a whole float32 (frames, channels) array to ``path`` (16-bit PCM for a .wav)."""
    with WavWriter(path, sample_rate_hz, samples.shape[1], fmt) as writer:
        writer.write(samples)


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read any file libsndfile reads as float32 (frames, channels) and its sample rate.

    16-bit PCM is scaled by 1/32767, the inverse of ``float_to_int16``, so a 16-bit
    file reads back to the values written to within half a step.
    """
    import soundfile

    path = os.fspath(path)
    try:
        info = soundfile.info(path)
        if info.subtype == "PCM_16":
            data, rate = soundfile.read(path, dtype="int16", always_2d=True)
            return data.astype(np.float32) / FULL_SCALE, rate
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except soundfile.LibsndfileError as exc:
        raise OSError(f"{path}: cannot read audio: {exc}") from None
    return data, rate


read_wav = read_audio
"""The name callers used when only 16-bit WAV existed."""

__all__ = ["FORMATS", "WavWriter", "float_to_int16", "read_audio", "read_wav", "write_wav", "WAV_LIMIT_BYTES"]
