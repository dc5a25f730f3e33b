"""Delivering a render: the mix and its stems as files, in a format, at a loudness.

``Delivery`` takes the float32 blocks of the mix (and of each stem) as the renderer
makes them, and ``finish`` leaves the files in place and measures the mix as
delivered (integrated loudness, true peak, sample peak: ``normalise.LoudnessReport``).

- Without a loudness target every block goes straight into the final files, so a
  render killed half-way leaves readable files (``WavWriter`` keeps WAV headers valid).
- With one (``--loudness -16``), blocks go to 32-bit float WAV files beside the
  outputs first (``.NAME.partial.wav``); ``finish`` measures the mix, picks one gain
  under the true-peak ceiling (``normalise.normalising_gain_db``), and writes every
  file in its format with that gain, so the stems still sum to the mix.
- Nothing is opened before the first block (a render that fails before making audio,
  e.g. on a bad SoundFont, creates no file), and ``discard`` removes every file this
  delivery made: a failed render leaves nothing behind.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from engine.cutscene import normalise
from engine.playback.audio_formats import FORMATS, AudioFormat
from engine.playback.wav import WavWriter, read_audio

log = logging.getLogger(__name__)

_COPY_FRAMES = 1 << 16
_PARTIAL_FORMAT = FORMATS["wav32f"]


@dataclass(frozen=True, slots=True)
class DeliverySpec:
    """What to write: the mix at ``output`` in ``format``; stems in ``stems_dir`` (same
    format, named ``OUTPUT-STEM.ext``); a loudness target (LUFS) under a true-peak
    ceiling (dBTP), or None to leave the level as rendered."""

    output: Path
    format: AudioFormat
    stems_dir: Path | None = None
    loudness_lufs: float | None = None
    ceiling_dbtp: float = normalise.DEFAULT_CEILING_DBTP

    def stem_path(self, name: str) -> Path:
        return self.stems_dir / f"{self.output.stem}-{name}{self.format.extension}"


class Delivery:
    """Writes one render's mix and stems; see the module docstring."""

    def __init__(self, spec: DeliverySpec, sample_rate_hz: int, expected_frames: int | None = None):
        self.spec = spec
        self.sample_rate_hz = sample_rate_hz
        self.expected_frames = expected_frames
        self.frames = 0                              # mix frames written
        self._writers: dict[str, WavWriter] = {}     # "" is the mix
        self._made: list[Path] = []                  # every file created, to remove on failure
        self.report: normalise.LoudnessReport | None = None

    @property
    def two_pass(self) -> bool:
        return self.spec.loudness_lufs is not None

    def final_path(self, name: str) -> Path:
        return self.spec.output if name == "" else self.spec.stem_path(name)

    def _path(self, name: str) -> Path:
        final = self.final_path(name)
        return final.with_name(f".{final.name}.partial.wav") if self.two_pass else final

    def _writer(self, name: str, start_frame: int) -> WavWriter:
        writer = self._writers.get(name)
        if writer is None:
            path = self._path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = WavWriter(path, self.sample_rate_hz, 2, _PARTIAL_FORMAT if self.two_pass else self.spec.format,
                               expected_frames=self.expected_frames)
            self._made.append(path)
            self._writers[name] = writer
            if start_frame:           # a stem that starts late (``other``): silence before it
                writer.write(np.zeros((start_frame, 2), dtype=np.float32))
        return writer

    def write_mix(self, block: np.ndarray) -> None:
        """Append a block of the mix."""
        self._writer("", self.frames).write(block)
        self.frames += len(block)

    def write_stems(self, start_frame: int, blocks: Mapping[str, np.ndarray]) -> None:
        """Append each stem's block, which starts at ``start_frame`` of the render."""
        if self.spec.stems_dir is None:
            return
        for name, block in blocks.items():
            self._writer(name, start_frame).write(block)

    def finish(self, measure: bool = True) -> normalise.LoudnessReport | None:
        """Close everything; with a loudness target, write the final files at the gain that
        reaches it. Return the mix's loudness as delivered (None without ``measure``,
        which a render with no cue sheet and no target skips: it costs about 1.5 s of CPU
        per minute of stereo)."""
        for writer in self._writers.values():
            writer.close()
        gain_db, limited = 0.0, False
        if self.two_pass:
            gain_db, limited = self._normalise()
        elif not measure:
            return None
        mix, _ = read_audio(self.spec.output)
        self.report = normalise.measure(mix, self.sample_rate_hz, self.spec.loudness_lufs, gain_db, limited)
        return self.report

    def _normalise(self) -> tuple[float, bool]:
        mix, _ = read_audio(self._path(""))
        measured = normalise.measure(mix, self.sample_rate_hz)
        del mix
        gain_db, limited = normalise.normalising_gain_db(measured.integrated_lufs, measured.true_peak_dbtp,
                                                         self.spec.loudness_lufs, self.spec.ceiling_dbtp)
        if limited:
            log.warning("%s: the %.1f dBTP ceiling holds the mix at %.1f LUFS, short of the %.1f LUFS asked for",
                        self.spec.output.name, self.spec.ceiling_dbtp, measured.integrated_lufs + gain_db,
                        self.spec.loudness_lufs)
        scale = np.float32(10 ** (gain_db / 20))
        for name in list(self._writers):
            self._copy_scaled(name, scale)
        return gain_db, limited

    def _copy_scaled(self, name: str, scale: np.float32) -> None:
        """The partial file of ``name`` into its final file and format, times ``scale``."""
        import soundfile

        partial, final = self._path(name), self.final_path(name)
        self._made.append(final)
        with soundfile.SoundFile(partial) as source, \
                WavWriter(final, self.sample_rate_hz, 2, self.spec.format, expected_frames=source.frames) as out:
            for chunk in source.blocks(_COPY_FRAMES, dtype="float32", always_2d=True):
                out.write(chunk * scale)
        partial.unlink()

    @property
    def clipped_samples(self) -> int:
        """Samples of the mix clipped at full scale (0 with a loudness target: the ceiling holds)."""
        mix = self._writers.get("")
        return mix.clipped_samples if mix is not None else 0

    def files(self) -> list[Path]:
        """The final files: the mix, then the stems."""
        return [self.final_path(name) for name in self._writers]

    def discard(self) -> None:
        """Close and remove every file this delivery created."""
        for writer in self._writers.values():
            writer.discard()
        for path in self._made:
            path.unlink(missing_ok=True)


def describe(report: normalise.LoudnessReport | None) -> str:
    """``-16.0 LUFS integrated, true peak -1.8 dBTP, sample peak -2.3 dBFS (gain +5.2 dB)``."""
    if report is None:
        return "loudness not measured"

    def db(value: float) -> str:
        return f"{value:.1f}" if math.isfinite(value) else "-inf"

    text = (f"{db(report.integrated_lufs)} LUFS integrated, true peak {db(report.true_peak_dbtp)} dBTP, "
            f"sample peak {db(report.sample_peak_dbfs)} dBFS")
    if report.target_lufs is not None:
        text += f" (gain {report.gain_db:+.1f} dB{', held by the true-peak ceiling' if report.limited_by_peak else ''})"
    return text
