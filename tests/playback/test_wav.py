"""The soundfile writer: formats, bytes kept from the old writer, headers valid while writing, RF64."""

import signal
import subprocess
import sys
import textwrap
import wave

import numpy as np
import pytest
import soundfile

from engine.playback.audio_formats import FORMATS, choose_format
from engine.playback.wav import WavWriter, float_to_int16, read_audio, write_wav

RATE = 48000


def noise(frames: int, level: float = 0.3, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((frames, 2)) * level).astype(np.float32)


def old_writer_bytes(samples: np.ndarray, rate: int) -> bytes:
    """What the hand-written ``wave`` writer produced: the reference for 16-bit WAV."""
    import io

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframesraw(float_to_int16(samples)[0].astype("<i2").tobytes())
    return buffer.getvalue()


def test_16_bit_wav_is_byte_identical_to_the_old_writer(tmp_path):
    samples = noise(10_000, level=0.6)          # some past full scale: clipped the same way
    with WavWriter(tmp_path / "a.wav", RATE) as writer:
        for start in range(0, len(samples), 777):
            writer.write(samples[start:start + 777])
    assert (tmp_path / "a.wav").read_bytes() == old_writer_bytes(samples, RATE)
    assert writer.clipped_samples == int(np.count_nonzero(np.abs(samples) > 1))


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_opens_in_soundfile_with_the_right_length(tmp_path, name):
    fmt = FORMATS[name]
    samples = noise(RATE + 123, level=0.2)
    path = tmp_path / f"x{fmt.extension}"
    write_wav(path, samples, RATE, name)
    info = soundfile.info(path)
    assert (info.format, info.subtype, info.samplerate, info.channels) == (fmt.container, fmt.subtype, RATE, 2)
    assert info.frames == len(samples)
    back, rate = read_audio(path)
    assert rate == RATE and back.shape == samples.shape
    if fmt.subtype != "VORBIS":            # lossless: back to within one step of the word size
        step = 2.0 ** (1 - (fmt.bits or 24))
        assert np.max(np.abs(back - samples)) <= step


def test_float_wav_keeps_samples_past_full_scale(tmp_path):
    samples = np.array([[1.5, -2.0], [0.25, 0.0]], dtype=np.float32)
    write_wav(tmp_path / "f.wav", samples, RATE, "wav32f")
    assert np.array_equal(read_audio(tmp_path / "f.wav")[0], samples)
    write_wav(tmp_path / "p.wav", samples, RATE, "wav24")
    assert np.max(np.abs(read_audio(tmp_path / "p.wav")[0])) <= 1.0


def test_format_by_extension_or_name():
    assert choose_format("a.wav").name == "wav16"
    assert choose_format("a.FLAC").name == "flac24"
    assert choose_format("a.ogg").name == "ogg"
    assert choose_format("a.wav", "wav24").subtype == "PCM_24"
    with pytest.raises(ValueError, match=r"a.wav: format ogg writes OGG; name the file \*.ogg"):
        choose_format("a.wav", "ogg")
    with pytest.raises(ValueError, match="a.mp4: cannot tell the audio format"):
        choose_format("a.mp4")
    assert choose_format("a.raw", strict=False).name == "wav16"


def test_a_bad_path_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        WavWriter(tmp_path / "missing" / "a.wav", RATE)
    with pytest.raises(OSError):
        read_audio(tmp_path / "none.wav")


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    with pytest.raises(RuntimeError):
        with WavWriter(tmp_path / "a.wav", RATE) as writer:
            writer.write(noise(100))
            raise RuntimeError("the synth failed")
    assert not (tmp_path / "a.wav").exists()


KILLED = textwrap.dedent("""
    import sys, time
    import numpy as np
    from engine.playback.wav import WavWriter
    block = (np.random.default_rng(1).standard_normal((4800, 2)) * 0.2).astype(np.float32)
    with WavWriter(sys.argv[1], 48000) as writer:
        for i in range(10_000):
            writer.write(block)
            print(writer.frames_written, flush=True)
            if i >= 20:
                time.sleep(0.05)
""")


def test_a_killed_render_leaves_a_readable_wav(tmp_path):
    path = tmp_path / "killed.wav"
    child = subprocess.Popen([sys.executable, "-c", KILLED, str(path)], stdout=subprocess.PIPE, text=True)
    written = 0
    for line in child.stdout:
        written = int(line)
        if written >= 30 * 4800:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    info = soundfile.info(path)
    assert info.frames >= written                                  # every block reported is counted
    assert path.stat().st_size == 44 + info.frames * 4             # and the header agrees with the data
    with wave.open(str(path)) as handle:                           # the stdlib reads it too
        assert handle.getnframes() == info.frames


def test_a_wav_past_its_size_limit_continues_as_rf64(tmp_path):
    path = tmp_path / "long.wav"
    samples = noise(30_000)
    with WavWriter(path, RATE, wav_limit_bytes=40_000) as writer:   # 10,000 frames of 16-bit stereo
        for start in range(0, len(samples), 4_000):
            writer.write(samples[start:start + 4_000])
            assert soundfile.info(writer.path).frames == writer.frames_written   # valid on disk all along
        assert writer.container == "RF64"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]
    info = soundfile.info(path)
    assert info.format == "RF64" and info.frames == len(samples)
    assert np.array_equal(read_audio(path)[0], float_to_int16(samples)[0] / np.float32(32767))


def test_a_known_long_file_is_rf64_from_the_start(tmp_path):
    with WavWriter(tmp_path / "a.wav", RATE, expected_frames=20_000, wav_limit_bytes=40_000) as writer:
        assert writer.container == "RF64"
        writer.write(noise(100))
    with WavWriter(tmp_path / "b.wav", RATE, expected_frames=5_000, wav_limit_bytes=40_000) as writer:
        assert writer.container == "WAV"
