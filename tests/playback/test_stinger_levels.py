"""Stingers' place in the mix: a trim from the music's target, learned from the stinger itself."""

import pytest

from engine.playback.leveller import LevelConfig
from engine.playback.stinger_levels import StingerLevels

CONFIG = LevelConfig()


def power_of(lufs):
    return 10.0 ** ((lufs + 0.691) / 10.0)


def test_a_stinger_not_heard_yet_is_placed_from_the_default_loudness():
    levels = StingerLevels(CONFIG)
    trim = levels.trim_db("hit", target_lufs=-24.0, gain_db=0.0)
    assert trim == pytest.approx(-24.0 + CONFIG.stinger_over_lu - CONFIG.stinger_default_lufs)
    assert levels.trim_db("hit", -24.0, gain_db=+3.0) == pytest.approx(trim - 3.0)     # the leveller's gain taken off
    assert levels.trim_db("hit", -10.0, gain_db=-6.0) == 0.0                           # never turned up
    assert levels.trim_db("hit", -90.0, gain_db=0.0) == -40.0


def test_its_own_loudness_is_learned_while_it_sounds():
    levels = StingerLevels(CONFIG)
    levels.coming("hit", 15, 2048, 2048 + 3 * 1024)
    assert levels.sounding(2048) and levels.sounding(5119) and not levels.sounding(2047)
    levels.measure(0, 1024, power_of(-30.0), gain_db=0.0)            # not started: nothing learned
    (span,) = levels.starting(2048, 3072)
    span.trim_db = -6.0
    assert levels.starting(2048, 3072) == []
    for start in (2048, 3072, 4096):   # rendered at gain +2 dB with its trim of -6: heard at -20 LUFS
        levels.measure(start, start + 1024, power_of(-20.0), gain_db=2.0)
    assert levels.loudness["hit"] == pytest.approx(-16.0)
    assert not levels.sounding(3072)
    assert levels.trim_db("hit", -24.0, 0.0) == pytest.approx(-24.0 + CONFIG.stinger_over_lu + 16.0)


def test_a_stop_forgets_what_was_sounding():
    levels = StingerLevels(CONFIG)
    levels.coming("hit", 15, 0, 10**6)
    levels.starting(0, 1)[0].trim_db = 0.0
    levels.forget()
    levels.measure(0, 1024, power_of(-10.0), 0.0)
    assert not levels.sounding(0) and "hit" not in levels.loudness
