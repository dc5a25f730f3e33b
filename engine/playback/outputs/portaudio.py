"""The sounddevice output: PortAudio's callback reads the stream (optional dependency)."""

from __future__ import annotations

from engine.errors import EngineError
from engine.playback.outputs.live import LiveOutput
from engine.playback.stream import StreamConfig
from engine.roles import Source


class SoundDeviceOutput(LiveOutput):
    """PortAudio through sounddevice. ``device`` is a PortAudio device index or a
    substring of its name (None: the default device; ``"sounddevice:3"`` gives "3",
    taken as an index). An underflow PortAudio reports (``status.output_underflow``)
    counts in ``underruns`` like a late block of the ring."""

    def __init__(self, source: Source, config: StreamConfig = StreamConfig(), *, device: int | str | None = None):
        super().__init__(source, config)
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise EngineError(
                f"the sounddevice output needs `pip install sounddevice` and PortAudio "
                f"(`apt-get install libportaudio2`): {exc}"
            ) from exc
        stream = self.stream

        def callback(outdata, frames, time_info, status):  # the audio callback: copy only (see stream.py)
            if status and status.output_underflow:
                stream.count_underrun()
            stream.read_into(outdata)

        self.device_buffer_frames = config.block_frames
        if isinstance(device, str) and device.isdigit():
            device = int(device)
        try:
            self._device = sounddevice.OutputStream(
                samplerate=config.sample_rate_hz, blocksize=config.block_frames, channels=2,
                dtype="float32", callback=callback, device=device)
        except Exception as exc:  # PortAudioError, ValueError for a missing device
            raise EngineError(f"cannot open an audio device through sounddevice (device {device!r}): {exc}") from exc

    def start(self) -> SoundDeviceOutput:
        self.stream.start()
        self._device.start()
        return self

    def close(self) -> None:
        self._device.stop()
        self._device.close()
        self.stream.stop()
