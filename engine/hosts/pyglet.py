"""Play a MusicEngine through pyglet (and Arcade, which uses pyglet's media): ``MoodscoreSource``.

    music = MusicEngine.load("demo/scores/dungeon.yaml", seed=1)
    source = MoodscoreSource(music)
    source.play()                        # a pyglet Player, about 0.2 s buffered
    ...
    for cue in source.poll():            # once per frame: the cues pyglet has played
        ...

pyglet's audio driver pulls ``get_audio_data`` from its worker thread; the source
renders that many frames from the engine in pull mode (``MusicEngine.render``) and hands
them over as 16-bit PCM, the format every pyglet driver plays. The source never ends.

Latency. pyglet keeps ``AbstractAudioPlayer.audio_buffer_length`` (0.9 s) of every source
queued, and a game's call is heard only after what is queued: ``play(buffer_s=0.2)``
creates its player with a shorter buffer (pyglet's floor is 32768 bytes, 0.17 s at
48 kHz). Cues are timed by the player's clock (``Player.time``), not by what has been
rendered, so ``poll`` hands them over when they sound.

Underruns: a pull that comes when the player's clock has already passed everything
delivered (the driver ran dry) is counted in ``underruns``. pyglet is imported here and
nowhere else in ``engine``: it is the optional ``pyglet`` extra.
"""

from __future__ import annotations

import logging

import numpy as np
from pyglet.media import Player
from pyglet.media.codecs.base import AudioData, AudioFormat, StreamingSource
from pyglet.media.drivers.base import AbstractAudioPlayer

log = logging.getLogger(__name__)

BYTES_PER_FRAME = 4   # 16-bit stereo
DEFAULT_BUFFER_S = 0.2


class MoodscoreSource(StreamingSource):
    """An endless pyglet source that plays ``engine`` (pull mode: not started)."""

    def __init__(self, engine):
        self._engine = engine
        self.sample_rate_hz = engine.config.sample_rate_hz
        self.audio_format = AudioFormat(channels=2, sample_size=16, sample_rate=self.sample_rate_hz)
        self._duration = None           # endless
        self.player: Player | None = None
        self.frames_delivered = 0
        self.underruns = 0
        self.pulls = 0

    def play(self, buffer_s: float = DEFAULT_BUFFER_S) -> Player:
        """Queue the source on a new pyglet Player that keeps ``buffer_s`` seconds queued,
        start it and return it."""
        player = Player()
        player.queue(self)
        previous = AbstractAudioPlayer.audio_buffer_length
        AbstractAudioPlayer.audio_buffer_length = buffer_s   # read once, when the driver's player is built
        try:
            player.play()
        finally:
            AbstractAudioPlayer.audio_buffer_length = previous
        self.player = player
        return player

    def is_precise(self) -> bool:
        return True   # always exactly the bytes asked for (aligned): pyglet needs no extra buffer

    @property
    def heard_frame(self) -> int:
        """The frame being played now, by the player's clock (what is delivered, without one)."""
        if self.player is None:
            return self.frames_delivered
        return min(self.frames_delivered, round(self.player.time * self.sample_rate_hz))

    def get_audio_data(self, num_bytes: int, compensation_time: float = 0.0) -> AudioData:
        """The next ``num_bytes`` (rounded down to whole frames) of music; never None."""
        frames = max(1, int(num_bytes) // BYTES_PER_FRAME)
        if self.player is not None and self.pulls and self.player.time * self.sample_rate_hz > self.frames_delivered:
            self.underruns += 1
        self.pulls += 1
        block = self._engine.render(frames)              # never raises: a failed block is silence
        np.clip(block, -1.0, 1.0, out=block)
        pcm = (block * 32767.0).astype("<i2").tobytes()
        self.frames_delivered += frames
        return AudioData(pcm, len(pcm))

    def poll(self) -> list:
        """The engine's cues up to the frame the player is playing now, delivered to the
        engine's callbacks (``on_beat`` ...) on this thread; returns them too."""
        return self._engine.poll(until_frame=self.heard_frame)

    def seek(self, timestamp: float) -> None:
        """Music does not rewind: a seek (pyglet does one when a player loops) is ignored."""
        log.debug("seek to %.3f s ignored: the music only goes forward", timestamp)

