"""The virtual output: a device thread with no sound card that reads in real time."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from engine.api import MusicEngine
from engine.errors import EngineError
from engine.playback.outputs import is_live, open_output
from engine.playback.stream import StreamConfig
from engine.playback.outputs.virtual import VirtualOutput
from engine.playback.wav import read_wav


SCORE_PATH = Path(__file__).resolve().parents[2] / "demo" / "scores" / "dungeon.yaml"
RATE = 22050


class Counting:
    """A source that writes each block's index into it, so the order can be read back."""

    def __init__(self):
        self.blocks = 0

    def render_into(self, out: np.ndarray) -> None:
        self.blocks += 1
        out[:] = self.blocks / 1000.0

    def pump(self, max_bars: int = 1) -> int:
        return 0

    def compose_due(self) -> bool:
        return False

    def render_wanted(self) -> bool:
        return False

    def poll(self, until_frame: int | None = None) -> list:
        return []


def wait_for(condition, deadline_s: float = 20.0) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and not condition():
        time.sleep(0.01)
    return condition()


def test_virtual_is_a_live_output():
    assert is_live("virtual") and is_live("virtual:/tmp/x.wav") and is_live("pygame")
    assert not is_live("null") and not is_live("wav:out.wav")
    assert isinstance(open_output("virtual", Counting(), StreamConfig(RATE, 256, 3)), VirtualOutput)


def test_the_device_thread_takes_blocks_in_order_and_writes_what_it_took(tmp_path):
    path = tmp_path / "heard.wav"
    output = VirtualOutput(Counting(), StreamConfig(RATE, 256, 3), wav_path=str(path)).start()
    assert wait_for(lambda: output.stream.frames_read >= 20 * 256)
    output.close()
    heard, rate = read_wav(path)
    assert rate == RATE and len(heard) == output.stream.frames_read
    firsts = heard[::256, 0]
    assert np.allclose(firsts, np.arange(1, len(firsts) + 1) / 1000.0, atol=1e-4)   # no block lost or repeated
    counters = output.counters()
    assert set(counters) == {"late_reads", "late_read_worst_us"} and output.device_cpu_s > 0


def test_an_empty_ring_is_an_underrun_and_a_late_wake_a_late_read():
    output = VirtualOutput(Counting(), StreamConfig(RATE, 256, 3))
    block = np.zeros((256, 2), dtype=np.float32)
    period_s = 256 / RATE
    output._read_block(block, late_s=0.0, period_s=period_s)      # nothing rendered yet
    assert output.stream.underruns == 1 and output.late_reads == 0
    output.stream.fill()
    output._read_block(block, late_s=2.5 * period_s, period_s=period_s)
    assert output.stream.underruns == 1 and output.late_reads == 1
    assert output.counters()["late_read_worst_us"] == round(2.5 * period_s * 1e6)


def test_an_in_process_engine_on_the_virtual_output_reports_late_reads():
    try:
        engine = MusicEngine.load(SCORE_PATH, seed=2, sample_rate_hz=RATE)
    except EngineError as exc:
        pytest.skip(str(exc))
    with engine:
        engine.start("virtual", in_process=True)
        assert engine.engine_process is None
        assert wait_for(lambda: engine.heard_frame > RATE // 4)
        snap = engine.snapshot()
        assert snap.frame > 0 and "late_reads" in snap.counters and snap.underruns >= 0
