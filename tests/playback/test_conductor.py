import pytest

from engine.music.notes import Meter
from engine.playback.conductor import ClockConfig, Conductor, SyncPoint, sync_frame

SR = 48000


def clock(bpm=120.0, meter=Meter(), phrase=4):
    return Conductor(ClockConfig(SR, phrase), tempo_bpm=bpm, meter=meter)


@pytest.mark.parametrize("received, sync, expected", [
    (1000, "immediate", 1000),
    (1000, "next_beat", 24000),
    (24000, "next_beat", 24000),
    (90000, "next_beat", 96000),
    (1000, "next_bar", 96000),
    (96000, "next_bar", 96000),
    (1000, "next_phrase", 4 * 96000),
    (5 * 96000, "next_phrase", 8 * 96000),
    (1000, "end_of_segment", 4 * 96000),   # no segment: the next phrase
])
def test_sync_points_land_on_the_grid(received, sync, expected):
    assert sync_frame(received, sync, clock()) == expected


def test_end_of_segment_uses_the_segment_end():
    assert sync_frame(1000, SyncPoint.END_OF_SEGMENT, clock(), segment_end_frame=123456) == 123456


def test_compound_meter_has_dotted_beats():
    c = clock(bpm=120.0, meter=Meter(6, 8))
    assert c.beat_frames(0) == [0, 36000]
    assert sync_frame(1, "next_beat", c) == 36000
    assert sync_frame(1, "next_bar", c) == 72000


def test_meter_change_moves_only_later_bar_lines():
    c = clock()
    assert c.bar_start_frame(3) == 288000
    c.set_meter_from(2, Meter(3, 4))
    assert [c.bar_start_frame(k) for k in range(5)] == [0, 96000, 192000, 264000, 336000]


def test_tempo_ramp_keeps_the_past_and_is_exact():
    c = clock()
    before = [c.bar_start_frame(k) for k in range(3)]
    c.set_tempo(8.0, 60.0, ramp_quarters=4.0)
    assert [c.bar_start_frame(k) for k in range(3)] == before
    assert c.tempo_map.bpm_at(10.0) == pytest.approx(90.0)
    assert c.tempo_map.bpm_at(12.0) == 60.0
    # interrupting the ramp keeps its slope up to the new point
    c.set_tempo(10.0, 200.0)
    assert c.tempo_map.bpm_at(9.0) == pytest.approx(105.0)
    assert c.tempo_map.bpm_at(11.0) == 200.0


def test_bad_sync_point_is_a_value_error():
    with pytest.raises(ValueError, match="sync point"):
        sync_frame(0, "whenever", clock())


def test_the_conductor_and_the_state_machine_share_one_grid():
    """A timed state counts its bars from the bar the conductor lands it on."""
    from engine.music.sync import SYNC_POINTS, landing_bar

    c = clock(phrase=4)
    for sync in SYNC_POINTS:
        for received in (0, 1000, 96000, 5 * 96000 + 7, 11 * 96000):
            landed = sync_frame(received, sync, c)
            entry = next(k for k in range(c.bar_at_frame(received), 64)
                         if c.bar_start_frame(k) >= received and landing_bar(sync, k, 4) == k)
            assert c.bar_start_frame(entry) >= landed
            if c.bar_start_frame(c.bar_at_frame(landed)) == landed:   # landed on a bar line: it is the entry
                assert c.bar_start_frame(entry) == landed
