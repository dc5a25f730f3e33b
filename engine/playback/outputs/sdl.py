"""The pygame output: SDL's callback-driven audio device, or ``pygame.mixer`` queueing."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np

from engine.errors import EngineError
from engine.playback.outputs.live import LiveOutput
from engine.playback.stream import AudioStream, StreamConfig
from engine.roles import Source


class PygameOutput(LiveOutput):
    """SDL through pygame: SDL's callback-driven audio device when pygame has it
    (``pygame._sdl2.audio.AudioDevice``, float32, one ``block_frames`` period), else
    ``pygame.mixer`` channel queueing fed by a thread (``chunk_frames`` per chunk).
    Headless machines need ``SDL_AUDIODRIVER=dummy`` (or ``disk``). SDL's callback does
    not report underflows; the mixer fallback counts a channel found run dry."""

    def __init__(self, source: Source, config: StreamConfig = StreamConfig(), *, chunk_frames: int = 1024):
        try:
            import pygame
        except ImportError as exc:
            raise EngineError(f"the pygame output needs `pip install pygame`: {exc}") from exc
        self._pygame = pygame
        self._device = None
        self._queue: _MixerQueue | None = None
        try:
            from pygame._sdl2 import audio as sdl_audio, sdl2
        except ImportError:
            sdl_audio = None
        if sdl_audio is not None:
            super().__init__(source, config)
            self._open_device(sdl_audio, sdl2)
        else:  # the mixer's queue takes whole chunks, so the ring must hold two of them
            chunk_blocks = -(-chunk_frames // config.block_frames)
            blocks = max(config.latency_blocks, 2 * chunk_blocks)
            super().__init__(source, dataclasses.replace(config, latency_blocks=blocks, refill_blocks=chunk_blocks))
            self._queue = _MixerQueue(pygame, self.stream, config, chunk_frames)
        self.device_buffer_frames = config.block_frames if self._device is not None else 2 * chunk_frames

    def _open_device(self, sdl_audio, sdl2) -> None:
        if self._pygame.mixer.get_init():
            self._pygame.mixer.quit()  # it holds the default device; we open our own
        stream = self.stream

        def callback(device, memory) -> None:  # the audio callback: copy only (see stream.py)
            stream.read_into(np.frombuffer(memory, dtype=np.float32).reshape(-1, 2))

        try:
            sdl2.init_subsystem(sdl2.INIT_AUDIO)
            names = sdl_audio.get_audio_device_names(False)
            self._device = sdl_audio.AudioDevice(
                devicename=names[0] if names else "", iscapture=False, frequency=self.config.sample_rate_hz,
                audioformat=sdl_audio.AUDIO_F32, numchannels=2, chunksize=self.config.block_frames,
                allowed_changes=0, callback=callback)
        except Exception as exc:  # noqa: BLE001 - SDL reports every failure as its own error type
            raise EngineError(f"pygame/SDL could not open audio ({exc}); headless, set SDL_AUDIODRIVER=dummy") from exc

    def start(self) -> PygameOutput:
        self.stream.start()
        if self._device is not None:
            self._device.pause(0)
        else:
            self._queue.start()
        return self

    def close(self) -> None:
        if self._device is not None:
            self._device.pause(1)
            self._device.close()
            self._device = None
        if self._queue is not None:
            self._queue.close()
        self.stream.stop()


class _MixerQueue:
    """The fallback: a thread that keeps one ``pygame.mixer`` channel queued with chunks."""

    def __init__(self, pygame, stream: AudioStream, config: StreamConfig, chunk_frames: int):
        self._pygame = pygame
        self._stream = stream
        try:
            pygame.mixer.init(config.sample_rate_hz, -16, 2, config.block_frames)
        except pygame.error as exc:
            raise EngineError(f"pygame could not open audio ({exc}); headless, set SDL_AUDIODRIVER=dummy") from exc
        self._chunk = chunk_frames
        self._period_s = chunk_frames / config.sample_rate_hz / 4
        self._channel = pygame.mixer.Channel(0)
        self._pcm = np.zeros((chunk_frames, 2), dtype=np.int16)
        self._running = False
        self._played = False
        self._thread: threading.Thread | None = None

    def _next_sound(self):
        block = self._stream.read(self._chunk)
        np.multiply(np.clip(block, -1.0, 1.0), 32767.0, out=block)
        self._pcm[:] = block
        return self._pygame.sndarray.make_sound(self._pcm)

    def _feed(self) -> None:
        while self._running:
            if not self._channel.get_busy():
                if self._played:   # both queued chunks ran out: SDL played silence meanwhile
                    self._stream.count_underrun()
                self._channel.play(self._next_sound())
                self._played = True
            elif self._channel.get_queue() is None:
                self._channel.queue(self._next_sound())
            time.sleep(self._period_s)

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._feed, name="moodscore-pygame", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._pygame.mixer.quit()
