import os

import numpy as np
import pytest

from engine.music.intent import Intent
from engine.playback.player import Player
from engine.playback.stream import AudioStream, StreamConfig
from engine.roles import Source

from tests.playback.fakes import FakeComposer, RecordingSynth


class Ramp:
    """A source whose frame n has the value n (to check ordering through the ring);
    it composes nothing and sounds no cue."""

    def __init__(self):
        self.frame = 0

    def render_into(self, out):
        out[:] = (self.frame + np.arange(len(out), dtype=np.float32))[:, None]
        self.frame += len(out)

    def pump(self, max_bars=1):
        return 0

    def compose_due(self):
        return False

    def render_wanted(self):
        return False

    def poll(self, until_frame=None):
        return []


class Broken(Ramp):
    def render_into(self, out):
        raise RuntimeError("synth died")


def test_the_test_sources_and_the_player_fill_the_source_role():
    assert isinstance(Ramp(), Source) and isinstance(Broken(), Source)
    assert isinstance(Player(FakeComposer(), RecordingSynth(), Intent()), Source)


def test_read_path_copies_in_order_across_the_wrap():
    stream = AudioStream(Ramp(), StreamConfig(block_frames=64, latency_blocks=3))
    got = []
    for size in (50, 100, 30, 7, 64):
        stream.fill()
        got.append(stream.read(size)[:, 0].copy())
    assert np.array_equal(np.concatenate(got), np.arange(251, dtype=np.float32))
    assert stream.underruns == 0


def test_starved_reader_gets_silence_and_a_count_never_an_exception():
    stream = AudioStream(Ramp(), StreamConfig(block_frames=64, latency_blocks=2))
    out = np.ones((100, 2), dtype=np.float32)
    stream.read_into(out)                    # nothing rendered yet
    assert stream.underruns == 1 and not out.any()
    stream.fill()
    stream.read_into(out)                    # 128 buffered: enough
    stream.read_into(out)                    # 28 left: partial, rest silence
    assert stream.underruns == 2 and not out[28:].any()
    stream.read_into(np.ones((10, 3), dtype=np.float32)[:, :0])  # a wrong buffer: still no raise
    assert stream.read_errors == 1


def test_a_failing_renderer_yields_silence():
    stream = AudioStream(Broken(), StreamConfig(block_frames=64, latency_blocks=2))
    stream.fill()
    assert stream.render_errors == 2
    assert not stream.read(128).any()


def test_render_thread_keeps_the_ring_filled_and_poll_reports_heard_cues():
    player = Player(FakeComposer(), RecordingSynth(), Intent(tempo_bpm=120.0))
    with AudioStream(player, StreamConfig(block_frames=256, latency_blocks=3)) as stream:
        out = np.zeros((256, 2), dtype=np.float32)
        import time
        for _ in range(200):
            deadline = time.monotonic() + 1.0
            while stream._written - stream.frames_read < 256 and time.monotonic() < deadline:
                time.sleep(0.0005)
            stream.read_into(out)
        cues = stream.poll()
    assert stream.underruns == 0
    assert [c.frame for c in cues if c.kind == "beat"] == [0, 24000, 48000]
    assert all(c.frame < stream.frames_read for c in cues)


def test_the_reader_wakes_the_render_thread_when_refill_blocks_are_free():
    stream = AudioStream(Ramp(), StreamConfig(block_frames=64, latency_blocks=3))
    assert stream.config.refill == 2           # default: latency_blocks - 1
    stream.fill()
    out = np.zeros((64, 2), dtype=np.float32)
    stream.read_into(out)
    assert not stream._wake.is_set()           # one block free: two still buffered
    stream.read_into(out)
    assert stream._wake.is_set()               # two free: wake, with one block left to play
    assert stream.fill() == 2
    stream = AudioStream(Ramp(), StreamConfig(block_frames=64, latency_blocks=3, refill_blocks=1))
    stream.fill()
    stream._wake.wait(0)                        # start from "not set"
    stream.read_into(out)
    assert stream._wake.is_set()               # refill 1: every block read wakes it
    assert stream.fill() == 1
    assert StreamConfig(latency_blocks=1).refill == 1
    with pytest.raises(ValueError, match="refill_blocks"):
        StreamConfig(latency_blocks=3, refill_blocks=4)


class Wanting(Ramp):
    """A source with work waiting (a call to apply) while ``wanted``."""

    def __init__(self, wanted):
        super().__init__()
        self.wanted = wanted

    def render_wanted(self):
        if self.wanted == "broken":
            raise RuntimeError("link gone")
        return self.wanted


@pytest.mark.parametrize("wanted, wakes", [(True, True), (False, False), ("broken", False)])
def test_a_source_that_wants_a_render_wakes_the_thread_at_the_next_free_block(wanted, wakes):
    stream = AudioStream(Wanting(wanted), StreamConfig(block_frames=64, latency_blocks=3))
    stream.fill()
    stream.read_into(np.zeros((64, 2), dtype=np.float32))   # one block free, two buffered
    assert stream._wake.is_set() == wakes
    assert stream.read_errors == (wanted == "broken")


def test_a_composing_source_is_composed_ahead_on_its_own_thread():
    import threading
    import time

    player = Player(FakeComposer(), RecordingSynth(), Intent(tempo_bpm=240.0))
    threads = set()
    pump = player.pump
    player.pump = lambda n=1: (threads.add(threading.current_thread().name), pump(n))[1]
    with AudioStream(player, StreamConfig(block_frames=256, latency_blocks=3)) as stream:
        out = np.zeros((256, 2), dtype=np.float32)
        for _ in range(400):                    # 2.1 s of music at 240 bpm: bars 0-3 with the lookahead
            deadline = time.monotonic() + 1.0
            while stream.buffered_frames < 256 and time.monotonic() < deadline:
                time.sleep(0.0005)
            stream.read_into(out)
            time.sleep(0.0005)                  # a host reads at its own pace
        deadline = time.monotonic() + 2.0
        while player.compose_due() and time.monotonic() < deadline:
            time.sleep(0.001)
    assert threads == {"moodscore-composer"}
    assert player.bars_composed == 4
    assert player.bars_composed - player.bars_composed_inline >= 2   # bar 0 is composed at start()
    assert stream.underruns == 0 and stream.compose_errors == 0
