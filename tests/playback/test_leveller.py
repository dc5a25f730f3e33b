"""The leveller, driven directly with the powers a steady piece of music would give."""

import pytest

from engine.music.intent import Intent
from engine.playback.leveller import Crossfade, Level, LevelConfig, Leveller, Moment, target_lufs

CONFIG = LevelConfig()
CHUNK = CONFIG.chunk_frames(48000)
CHUNK_S = CHUNK / 48000


def power_of(lufs):
    return 10.0 ** ((lufs + 0.691) / 10.0)


class Music:
    """Renders chunks of music whose raw (pre-gain) loudness and peak are given, through a leveller."""

    def __init__(self, leveller=None):
        self.lev = leveller or Leveller(CONFIG)
        self.frame = 0
        self.gains = []

    def play(self, seconds, moment, raw_lufs, peak_dbfs=-20.0):
        for _ in range(round(seconds / CHUNK_S)):
            gain = self.lev.decide(self.frame, moment)
            self.gains.append(gain)
            scale = 10.0 ** (gain / 20.0)
            self.lev.measure(power_of(raw_lufs) * scale * scale, 10.0 ** (peak_dbfs / 20.0) * scale, moment)
            self.frame += CHUNK
        return self.lev.gain_db

    def steps(self):
        return [abs(b - a) for a, b in zip(self.gains, self.gains[1:])]


def state(name, target, reference=None, scene=0, **kw):
    return Moment(name, scene, Level(target, target if reference is None else reference), **kw)


def test_the_target_follows_the_intent():
    calm, tense, action = (Intent(mood=m, arousal=a) for m, a in (("calm", 0.2), ("tense", 0.65), ("action", 0.9)))
    assert target_lufs(calm) < target_lufs(tense) < target_lufs(action)
    assert target_lufs(Intent(arousal=0.0, intensity=0.5)) == -26.0
    assert target_lufs(Intent(arousal=1.0, intensity=1.0)) == -15.0
    assert target_lufs(Intent(arousal=0.5, intensity=0.9)) > target_lufs(Intent(arousal=0.5, intensity=0.1))
    thin, full = Level.of(Intent(intensity=0.0)), Level.of(Intent(intensity=1.0))
    assert (full.reference - thin.reference) == pytest.approx(CONFIG.intensity_slope_lu)   # the arranger's crescendo


def test_a_state_too_loud_is_brought_to_its_target_slowly():
    music = Music()
    gain = music.play(10.0, state("boss", -17.0), raw_lufs=-11.0)
    assert gain == pytest.approx(-6.0, abs=CONFIG.settle_lu + 0.05)
    assert max(music.steps()) <= CONFIG.learn_rate_db_per_s * CHUNK_S + 1e-9      # never faster than its rate
    assert music.lev.excess["boss"] == pytest.approx(6.0, abs=0.01)


def test_within_the_deadband_nothing_moves():
    music = Music()
    assert music.play(6.0, state("calm", -24.0), raw_lufs=-24.0 + CONFIG.deadband_lu * 0.9) == 0.0


def test_a_stinger_or_a_stop_holds_the_gain_and_is_not_measured():
    music = Music()
    music.play(3.0, state("calm", -24.0), raw_lufs=-24.0)
    held = music.play(3.0, state("calm", -24.0, hold=True), raw_lufs=-10.0)
    assert held == 0.0 and music.lev.excess["calm"] == pytest.approx(0.0, abs=0.01)
    fade = Crossfade("boss", music.frame + 48000, Level(-17.0, -17.0))
    assert music.play(1.0, state("calm", -24.0, crossfade=fade, stopping=True), raw_lufs=-24.0) == 0.0


def test_a_crossfade_glides_to_the_gain_the_coming_state_had_ending_with_it():
    music = Music()
    music.play(8.0, state("boss", -17.0, scene=0), raw_lufs=-11.0)        # boss learned: excess +6
    music.play(12.0, state("calm", -24.0, scene=1), raw_lufs=-24.0)       # back to calm, gain back near 0
    start = music.lev.gain_db
    end = music.frame + 2 * 48000
    fade = Crossfade("boss", end, Level(-17.0, -17.0))
    music.play(2.0, state("calm", -24.0, scene=1, crossfade=fade), raw_lufs=-24.0)
    # the seam allows what was heard (-24 + start) plus the change of target (+7), +-1 LU
    expected = max(-6.0, -24.0 + start + 7.0 - CONFIG.seam_lu + 11.0)
    assert music.lev.gain_db == pytest.approx(expected, abs=0.05)
    assert max(music.steps()[-90:]) < 0.2                                  # a glide, not a step


def test_the_new_music_continues_from_the_level_heard_plus_the_change_of_target():
    music = Music()
    music.play(8.0, state("a", -20.0, scene=0), raw_lufs=-20.0)           # on target, gain 0
    fade = Crossfade("b", music.frame + 24000, Level(-19.0, -19.0))
    music.play(0.5, state("a", -20.0, scene=0, crossfade=fade), raw_lufs=-20.0)
    music.play(3.0, state("b", -19.0, scene=music.frame), raw_lufs=-9.0)   # b never heard: 10 LU too loud
    heard = -9.0 + music.lev.gain_db
    assert abs(heard - (-20.0 + 1.0)) <= CONFIG.seam_lu + 0.05             # within the seam's band
    assert music.play(20.0, state("b", -19.0, scene=music.frame - 3 * 48000 - 24000), raw_lufs=-9.0) == \
        pytest.approx(-10.0, abs=CONFIG.settle_lu + 0.05)               # then its target


def test_headroom_keeps_peaks_below_minus_3_dbfs():
    music = Music()
    gain = music.play(6.0, state("quiet", -20.0), raw_lufs=-26.0, peak_dbfs=-5.0)    # wants +6, peaks allow +2
    assert gain == pytest.approx(CONFIG.headroom_dbfs + 5.0, abs=CONFIG.settle_lu + 0.05)


def test_the_gain_stays_in_its_range():
    music = Music()
    assert music.play(30.0, state("silent", -24.0), raw_lufs=-45.0) <= CONFIG.max_db
    assert Music().play(30.0, state("blast", -24.0), raw_lufs=0.0) >= CONFIG.min_db


def test_a_crossfade_into_a_peaky_state_keeps_its_peaks_under_the_headroom():
    music = Music()
    music.play(8.0, state("boss", -17.0, scene=0), raw_lufs=-17.0, peak_dbfs=-1.0)   # on target, peaks -1 dBFS
    music.play(10.0, state("calm", -24.0, scene=1), raw_lufs=-30.0, peak_dbfs=-30.0)   # quiet: gain up to +6
    assert music.lev.gain_db > 3.0
    fade = Crossfade("boss", music.frame + 48000, Level(-17.0, -17.0))
    music.play(1.0, state("calm", -24.0, scene=1, crossfade=fade), raw_lufs=-30.0, peak_dbfs=-30.0)
    assert music.lev.gain_db == pytest.approx(CONFIG.headroom_dbfs + 1.0, abs=0.05)     # boss's peaks at -3 dBFS
