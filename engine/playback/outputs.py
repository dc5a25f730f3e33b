"""Where the music goes: ``open_output(spec, player)`` for "null", "wav:PATH",
"sounddevice" and "pygame".

Offline outputs ("null", "wav:PATH") run in the caller's thread as fast as possible:
``advance(seconds)`` renders the next stretch by pulling ``player.render_into`` block
by block (the same objects the live path uses). Live outputs own an ``AudioStream``
whose render thread stays ``latency_blocks`` blocks ahead of the device; the device
pulls through ``read_into``. Every output has ``start()``, ``poll()`` (cues heard by
now, on the caller's thread) and ``close()``, and is a context manager.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time

import numpy as np

from engine.errors import EngineError
from engine.playback.stream import AudioStream, StreamConfig

log = logging.getLogger(__name__)


class NullOutput:
    """Render with no device (offline, tests, cutscenes); ``sink(block)`` sees each block."""

    live = False

    def __init__(self, player, config: StreamConfig = StreamConfig(), sink=None):
        self.player = player
        self.config = config
        self._sink = sink
        self._block = np.zeros((config.block_frames, 2), dtype=np.float32)
        self.frames_rendered = 0

    def start(self):
        return self

    def advance(self, seconds: float) -> int:
        """Render ``seconds`` more of music (whole blocks); returns the frames rendered."""
        blocks = max(0, round(seconds * self.config.sample_rate_hz / self.config.block_frames))
        for _ in range(blocks):
            self.player.render_into(self._block)
            if self._sink is not None:
                self._sink(self._block)
        self.frames_rendered += blocks * self.config.block_frames
        return blocks * self.config.block_frames

    def poll(self) -> list:
        return self.player.poll()

    def close(self) -> None:
        pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class WavOutput(NullOutput):
    """Offline rendering into a 16-bit WAV file."""

    def __init__(self, player, path: str | os.PathLike, config: StreamConfig = StreamConfig()):
        from engine.playback.wav import WavWriter

        self.writer = WavWriter(path, config.sample_rate_hz)
        super().__init__(player, config, sink=self.writer.write)

    def close(self) -> None:
        self.writer.close()


class _LiveOutput:
    live = True

    def __init__(self, player, config: StreamConfig):
        self.player = player
        self.config = config
        self.stream = AudioStream(player, config)

    def advance(self, seconds: float) -> int:
        """Wait ``seconds`` of wall time while the device plays."""
        time.sleep(max(0.0, seconds))
        return round(seconds * self.config.sample_rate_hz)

    def poll(self) -> list:
        return self.stream.poll()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class SoundDeviceOutput(_LiveOutput):
    """PortAudio through sounddevice (optional): its callback reads the stream."""

    def __init__(self, player, config: StreamConfig = StreamConfig(), device=None):
        super().__init__(player, config)
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise EngineError(
                f"the sounddevice output needs `pip install sounddevice` and PortAudio "
                f"(`apt-get install libportaudio2`): {exc}"
            ) from exc
        stream = self.stream

        def callback(outdata, frames, time_info, status):  # the audio callback: copy only
            stream.read_into(outdata)

        try:
            self._device = sounddevice.OutputStream(
                samplerate=config.sample_rate_hz, blocksize=config.block_frames, channels=2,
                dtype="float32", callback=callback, device=device)
        except Exception as exc:  # PortAudioError, ValueError for a missing device
            raise EngineError(f"cannot open an audio device through sounddevice: {exc}") from exc

    def start(self):
        self.stream.start()
        self._device.start()
        return self

    def close(self) -> None:
        self._device.stop()
        self._device.close()
        self.stream.stop()


class PygameOutput(_LiveOutput):
    """SDL through ``pygame.mixer``: a feeder thread queues chunks on one channel.

    The queue is coarse (a chunk at a time), so the ring holds at least two chunks and
    latency is higher than through sounddevice. Headless machines need
    ``SDL_AUDIODRIVER=dummy`` (or ``disk``)."""

    def __init__(self, player, config: StreamConfig = StreamConfig(), chunk_frames: int = 1024):
        # The mixer's queue takes whole chunks, so the ring must hold two of them.
        blocks = max(config.latency_blocks, -(-2 * chunk_frames // config.block_frames))
        super().__init__(player, dataclasses.replace(config, latency_blocks=blocks))
        try:
            import pygame
        except ImportError as exc:
            raise EngineError(f"the pygame output needs `pip install pygame`: {exc}") from exc
        self._pygame = pygame
        try:
            pygame.mixer.init(config.sample_rate_hz, -16, 2, config.block_frames)
        except pygame.error as exc:
            raise EngineError(f"pygame could not open audio ({exc}); headless, set SDL_AUDIODRIVER=dummy") from exc
        self._chunk = chunk_frames
        self._channel = pygame.mixer.Channel(0)
        self._pcm = np.zeros((chunk_frames, 2), dtype=np.int16)
        self._running = False
        self._thread: threading.Thread | None = None

    def _next_sound(self):
        block = self.stream.read(self._chunk)
        np.multiply(np.clip(block, -1.0, 1.0), 32767.0, out=block)
        self._pcm[:] = block
        return self._pygame.sndarray.make_sound(self._pcm)

    def _feed(self) -> None:
        period_s = self._chunk / self.config.sample_rate_hz / 4
        while self._running:
            if not self._channel.get_busy():
                self._channel.play(self._next_sound())
            elif self._channel.get_queue() is None:
                self._channel.queue(self._next_sound())
            time.sleep(period_s)

    def start(self):
        self.stream.start()
        self._running = True
        self._thread = threading.Thread(target=self._feed, name="moodscore-pygame", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self.stream.stop()
        self._pygame.mixer.quit()


def open_output(spec: str, player, config: StreamConfig = StreamConfig()):
    """An output for ``spec``: "null", "wav:PATH", "sounddevice" or "pygame"."""
    if spec == "null":
        return NullOutput(player, config)
    if spec.startswith("wav:") and len(spec) > 4:
        return WavOutput(player, spec[4:], config)
    if spec == "sounddevice":
        return SoundDeviceOutput(player, config)
    if spec == "pygame":
        return PygameOutput(player, config)
    raise ValueError(f"output {spec!r} is not one of null, wav:PATH, sounddevice, pygame")
