"""ScoreWatcher: changes noticed once the file settles, identical text ignored, broken
scores reported with file and line and not passed on as a reload."""

from __future__ import annotations

import os

from engine.score.load import load_score
from engine.score.watch import ScoreWatcher

from .conftest import MINIMAL


def _touch(path, text: str, mtime_ns: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_valid_change_is_passed_on_once_it_has_settled(write_score):
    path = write_score(MINIMAL)
    reloaded, reports = [], []
    watcher = ScoreWatcher(path, lambda p: reloaded.append(load_score(p)), reports.append, settle_s=0.2)
    assert not watcher.check(now=0.0)
    _touch(path, MINIMAL.replace("tempo: 100", "tempo: 90"), 10**18)
    assert not watcher.check(now=1.0)            # just changed: editors write in several steps
    assert not watcher.check(now=1.1)
    assert watcher.check(now=1.25)
    assert reloaded[-1].states["a"].tempo_bpm == 90 and not reports
    assert not watcher.check(now=2.0)            # nothing new
    _touch(path, MINIMAL.replace("tempo: 100", "tempo: 90"), 2 * 10**18)
    watcher.check(now=3.0)
    assert not watcher.check(now=3.5) and watcher.reloads == 1      # touched, same text


def test_a_broken_change_is_reported_with_file_and_line(write_score):
    path = write_score(MINIMAL)
    reloaded, reports = [], []
    watcher = ScoreWatcher(path, lambda p: reloaded.append(load_score(p)), reports.append, settle_s=0.0)
    _touch(path, MINIMAL.replace("tempo: 120", "tempo: 1200"), 10**18)
    watcher.check(now=1.0)
    assert not watcher.check(now=1.1)
    assert not reloaded and watcher.rejected == 1
    line = MINIMAL.splitlines().index("  b: {mood: tense, tempo: 120, intensity: {parameter: danger}}") + 1
    assert f"{path}:{line}: states.b.tempo" in reports[0] and "old score plays on" in reports[0]


def test_a_file_that_disappears_is_waited_for(write_score):
    path = write_score(MINIMAL)
    reloaded = []
    watcher = ScoreWatcher(path, reloaded.append, settle_s=0.0)
    path.unlink()
    assert not watcher.check(now=1.0) and not watcher.check(now=2.0)
    _touch(path, MINIMAL + "\n", 10**18)
    watcher.check(now=3.0)
    assert watcher.check(now=3.1) and reloaded == [path]
