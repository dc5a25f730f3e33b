"""Progress: plain lines with unit and ETA off a terminal, a tqdm bar on one."""

import io

from engine.progress import AudioProgress, Progress


class Clock:
    def __init__(self):
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_off_a_terminal_with_unit_rate_and_eta():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(4_000_000, "corpus", unit="B", unit_scale=True, stream=stream, plain_interval_s=10, clock=clock)
    clock.now_s = 5.0
    progress.update(500_000, "50 tunes")          # before the interval: nothing yet
    assert stream.getvalue() == ""
    clock.now_s = 10.0
    progress.update(500_000, "100 tunes")         # a quarter in 10 s: 30 s to go
    progress.update(3_000_000)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "corpus:  25% 1.00M/4.00M [00:10<00:30, 100kB/s, 100 tunes]"
    assert lines[-1].startswith("corpus: 100% 4.00M/4.00M [00:10<00:00")
    assert len(lines) == 2


def test_audio_progress_counts_seconds_of_audio_and_ends_once():
    stream, clock = io.StringIO(), Clock()
    progress = AudioProgress(48_000, "score", stream=stream, plain_interval_s=0, clock=clock)
    clock.now_s = 2.0
    progress(48_000 * 10, 48_000 * 40)            # total as known so far
    clock.now_s = 4.0
    progress(48_000 * 50, 48_000 * 50)            # the render turned out longer, and is done
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines == ["score:  25% 10.0/40.0 [00:02<00:06, 5.00s audio/s]",
                     "score: 100% 50.0/50.0 [00:04<00:00, 12.5s audio/s]"]


def test_a_terminal_gets_a_tqdm_bar():
    stream = Terminal()
    progress = Progress(10, "epoch 1", unit="batch", stream=stream, delay_s=0)
    for _ in range(10):
        progress.update(1, "nll 1.234")
    progress.close()
    text = stream.getvalue()
    assert "\r" in text and "epoch 1: 100%" in text and "10/10" in text and "batch/s" in text and "nll 1.234" in text


def test_nothing_is_drawn_for_work_that_never_started():
    stream, terminal = io.StringIO(), Terminal()
    for out in (stream, terminal):
        progress = AudioProgress(48_000, "score", stream=out)
        progress.close()
    assert stream.getvalue() == "" and terminal.getvalue() == ""
