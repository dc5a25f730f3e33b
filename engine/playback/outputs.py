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
    device_buffer_frames = 0

    def __init__(self, player, config: StreamConfig):
        self.player = player
        self.config = config
        self.stream = AudioStream(player, config)

    def latency_ms(self) -> float:
        """Measured now: audio rendered but not yet heard (the ring's fill plus the
        device's own buffer), in milliseconds."""
        return 1000.0 * (self.stream.buffered_frames + self.device_buffer_frames) / self.config.sample_rate_hz

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

        self.device_buffer_frames = config.block_frames
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
    """SDL through pygame: SDL's callback-driven audio device when pygame has it
    (``pygame._sdl2.audio.AudioDevice``, float32, one ``block_frames`` period), else
    ``pygame.mixer`` channel queueing fed by a thread. Headless machines need
    ``SDL_AUDIODRIVER=dummy`` (or ``disk``)."""

    def __init__(self, player, config: StreamConfig = StreamConfig(), chunk_frames: int = 1024):
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
            super().__init__(player, config)
            self._open_device(sdl_audio, sdl2)
        else:  # the mixer's queue takes whole chunks, so the ring must hold two of them
            chunk_blocks = -(-chunk_frames // config.block_frames)
            blocks = max(config.latency_blocks, 2 * chunk_blocks)
            super().__init__(player, dataclasses.replace(config, latency_blocks=blocks, refill_blocks=chunk_blocks))
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

    def start(self):
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
        self._thread: threading.Thread | None = None

    def _next_sound(self):
        block = self._stream.read(self._chunk)
        np.multiply(np.clip(block, -1.0, 1.0), 32767.0, out=block)
        self._pcm[:] = block
        return self._pygame.sndarray.make_sound(self._pcm)

    def _feed(self) -> None:
        while self._running:
            if not self._channel.get_busy():
                self._channel.play(self._next_sound())
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


LIVE_OUTPUTS = ("sounddevice", "pygame", "virtual")


def is_live(spec: str) -> bool:
    """Whether ``spec`` names a live output (one that plays in real time)."""
    return spec.split(":", 1)[0] in LIVE_OUTPUTS


def open_output(spec: str, player, config: StreamConfig = StreamConfig()):
    """An output for ``spec``: "null", "wav:PATH", "sounddevice", "pygame" or "virtual[:PATH]"."""
    if spec == "null":
        return NullOutput(player, config)
    if spec.startswith("wav:") and len(spec) > 4:
        return WavOutput(player, spec[4:], config)
    if spec == "sounddevice":
        return SoundDeviceOutput(player, config)
    if spec == "pygame":
        return PygameOutput(player, config)
    if spec == "virtual" or spec.startswith("virtual:"):
        from engine.playback.virtual import VirtualOutput

        return VirtualOutput(player, config, wav_path=spec[8:] or None)
    raise ValueError(f"output {spec!r} is not one of null, wav:PATH, sounddevice, pygame, virtual[:PATH]")
