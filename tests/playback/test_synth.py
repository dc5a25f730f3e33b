import numpy as np
import pytest

from engine.errors import EngineError
from engine.music.events import TimedEvent, control, note_on, program
from engine.playback import synth as synth_module
from engine.playback.synth import GRID_FRAMES, Synth, find_soundfont

RATE = 48000
SIDE_STICK = 37  # a short percussive GM drum sound, channel 9


@pytest.fixture(scope="module")
def synth():
    with Synth(sample_rate_hz=RATE) as s:
        yield s


def test_find_soundfont_explicit_and_env(tmp_path, monkeypatch):
    font = tmp_path / "mine.sf2"
    font.write_bytes(b"x")
    assert find_soundfont(font) == font
    monkeypatch.setenv("MOODSCORE_SOUNDFONT", str(font))
    assert find_soundfont() == font
    with pytest.raises(FileNotFoundError, match="missing.sf2"):
        find_soundfont(tmp_path / "missing.sf2")


def test_no_soundfont_lists_paths_and_apt_command(tmp_path, monkeypatch):
    monkeypatch.delenv("MOODSCORE_SOUNDFONT", raising=False)
    monkeypatch.setattr(synth_module, "REPO_SOUNDFONTS", tmp_path / "soundfonts")
    monkeypatch.setattr(synth_module, "SYSTEM_SOUNDFONTS", (tmp_path / "a.sf2", tmp_path / "b.sf3"))
    with pytest.raises(EngineError) as info:
        find_soundfont()
    message = str(info.value)
    assert "a.sf2" in message and "b.sf3" in message and "soundfonts" in message
    assert "apt-get install" in message and "fluid-soundfont-gm" in message


def test_render_length_nonsilent_not_clipped(synth):
    start = synth.frames_rendered
    out = np.zeros((RATE, 2), dtype=np.float32)
    events = [TimedEvent(start + 100, program(0, 0)), TimedEvent(start + 100, control(0, 7, 100))]
    events += [TimedEvent(start + 128, note_on(0, pitch, 100)) for pitch in (48, 55, 60, 64, 67, 72)]
    synth.render_block(out, start, events)
    assert synth.frames_rendered == start + RATE
    peak = float(np.abs(out).max())
    assert 0.01 < peak < 1.0
    assert np.sqrt(np.mean(out**2)) > 1e-3
    synth.all_notes_off()
    assert synth.render(512).shape == (512, 2)


def test_render_into_given_buffer(synth):
    out = np.zeros((256, 2), dtype=np.float32)
    assert synth.render(256, out) is out
    with pytest.raises(TypeError):
        synth.render(256, np.zeros((256, 2)))


def _onset(samples: np.ndarray, search_from: int) -> int:
    level = np.abs(samples).max(axis=1)
    return search_from + int(np.argmax(level[search_from:] > 0.01 * level.max()))


def test_event_onset_lands_within_the_grid_rounding():
    """An event at frame f sounds at f within ±GRID_FRAMES/2 (FluidSynth's 64-frame grid)."""
    with Synth(sample_rate_hz=RATE, reverb=False, chorus=False) as s:
        block = np.zeros((RATE // 2 // GRID_FRAMES * GRID_FRAMES, 2), dtype=np.float32)

        def onset_for(offset: int) -> int:
            for _ in range(2):
                s.render(len(block), block)  # let the previous stroke die away
            start = s.frames_rendered
            s.render_block(block, start, [TimedEvent(start + 1024 + offset, note_on(9, SIDE_STICK, 120))])
            return _onset(block, 1024 - GRID_FRAMES) - 1024

        lead_in = onset_for(0)  # the sample's own attack, measured on a grid frame
        for offset in (1, 17, 31, 32, 33, 47, 63, 64, 100):
            error = onset_for(offset) - lead_in - offset
            assert abs(error) <= GRID_FRAMES // 2, (offset, error)
        assert onset_for(64) - lead_in == 64  # grid frames are exact


def test_unknown_program_names_soundfont(synth):
    start = synth.frames_rendered
    with pytest.raises(ValueError, match=r"program 3 \(bank 5.*not in SoundFont"):
        synth.render_block(np.zeros((64, 2), np.float32), start, [TimedEvent(start, program(0, 3, 5))])


def test_event_outside_block_is_rejected(synth):
    start = synth.frames_rendered
    with pytest.raises(ValueError, match="outside the block"):
        synth.render_block(np.zeros((64, 2), np.float32), start, [TimedEvent(start + 64, note_on(0, 60, 90))])


def test_closed_synth_raises():
    s = Synth(sample_rate_hz=RATE)
    s.close()
    with pytest.raises(EngineError, match="closed"):
        s.render(64)


def test_bad_sample_rate():
    with pytest.raises(ValueError, match="sample_rate_hz"):
        Synth(sample_rate_hz=100)


def test_set_level_db_trims_the_output_with_a_64_frame_glide():
    def held_chord(level_db):
        with Synth(sample_rate_hz=RATE, reverb=False, chorus=False) as s:
            s.render_block(np.zeros((GRID_FRAMES, 2), dtype=np.float32), 0,
                           [TimedEvent(0, program(0, 48)), TimedEvent(0, note_on(0, 60, 100))])
            before = s.render(RATE // 2)
            s.set_level_db(level_db)
            return before, s.render(RATE // 2)

    (same, plain), (_, trimmed) = held_chord(0.0), held_chord(-6.0)
    audible = np.abs(plain[GRID_FRAMES:, 0]) > 1e-3
    ratio = trimmed[GRID_FRAMES:, 0][audible] / plain[GRID_FRAMES:, 0][audible]
    assert np.allclose(ratio, 10 ** (-6 / 20), atol=1e-3)                       # -6 dB from the next block on
    ramp = trimmed[:GRID_FRAMES, 0] / np.where(np.abs(plain[:GRID_FRAMES, 0]) > 1e-3, plain[:GRID_FRAMES, 0], np.nan)
    assert np.nanmax(np.abs(np.diff(ramp))) < 0.02                               # over 64 frames, no step
    assert np.abs(same).max() > 0.01
