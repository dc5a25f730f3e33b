"""The transition contract (docs/score-format.md, "Transitions"), through the public API
with the shipped model and FluidSynth: the music never falls silent because of a
transition; the old state plays until the landing; ``snapshot()`` reports what is heard."""

import numpy as np
import pytest

from engine import MusicEngine
from engine.music.sync import SYNC_POINTS
from engine.playback.listening import gaps, levels_dbfs

SR = 48000
DUNGEON = "demo/scores/dungeon.yaml"
SHOOTER = "demo/scores/space_shooter.yaml"


class Session:
    """A pull-mode engine and everything it rendered."""

    def __init__(self, score=DUNGEON, seed=1):
        self.engine = MusicEngine.load(score, seed=seed)
        self.chunks = []

    def render_s(self, seconds):
        self.chunks.append(self.engine.render(int(seconds * SR)))

    def render_until(self, frame, after_s=0.0):
        frames = frame + int(after_s * SR) - self.engine.heard_frame
        if frames > 0:
            self.chunks.append(self.engine.render(frames))

    def call(self, method, *args):
        """Make a call and render one block so that it is applied; return the snapshot."""
        getattr(self.engine, method)(*args)
        self.render_s(0.01)
        return self.engine.snapshot()

    def landing(self, method, *args):
        """Make a call that changes state; return its landing frame (already heard: now)."""
        snap = self.call(method, *args)
        return snap.pending.frame if snap.pending is not None else snap.frame

    @property
    def audio(self):
        return np.concatenate(self.chunks)

    def close(self):
        self.engine.close()


def test_enemy_lost_in_the_dungeon_plays_danger_until_the_phrase_line():
    """Issue 13's reproduction: this was silent from about 14 s to 19.5 s."""
    s = Session()
    s.render_s(3.0)
    s.call("post_event", "enemy_spotted")
    s.render_s(7.7)
    snap = s.call("post_event", "enemy_lost")
    assert (snap.state, snap.mood) == ("danger", "tense")           # what is heard, not the target
    assert snap.pending is not None and snap.pending.state == "explore"
    landing = snap.pending.frame
    assert landing > s.engine.heard_frame + 4 * SR                  # next_phrase: many bars away
    s.render_until(landing - SR)
    assert s.engine.snapshot().state == "danger"
    s.render_until(landing, after_s=2.0)
    snap = s.engine.snapshot()
    assert (snap.state, snap.mood, snap.pending) == ("explore", "mysterious", None)
    audio = s.audio
    s.close()
    assert gaps(audio, SR) == []
    before = levels_dbfs(audio[landing - 3 * SR:landing - 2 * SR], SR, window_s=1.0)[0]
    assert before > -40.0, f"the danger music must still play 2 s before the landing ({before:.1f} dBFS)"


@pytest.mark.parametrize("sync", SYNC_POINTS)
def test_no_gap_over_any_sync_point(sync):
    """There and back over each sync point, with a stinger that ducks the music and a
    second transition that lands before the first (a rollback of what was planned)."""
    s = Session(seed=3)
    s.render_s(2.3)
    s.render_until(s.landing("set_state", "danger", sync), after_s=0.7)
    s.call("trigger_stinger", "item")
    s.call("set_state", "combat", "next_phrase")
    back = s.landing("set_state", "explore", sync)                   # lands first, or replaces combat
    s.render_until(back, after_s=1.5)
    snap = s.engine.snapshot()
    audio = s.audio
    s.close()
    assert snap.state == "explore"
    assert gaps(audio, SR) == [], f"{sync}: {gaps(audio, SR)}"


def test_no_gap_into_and_out_of_an_authored_segment():
    s = Session(SHOOTER, seed=2)
    s.render_s(2.1)
    s.render_until(s.landing("post_event", "boss_appears"), after_s=0.5)   # a segment (warp_in), a stinger
    s.render_until(s.landing("set_state", "cruise", "end_of_segment"), after_s=1.5)
    audio = s.audio
    s.close()
    assert gaps(audio, SR) == []


def test_only_stop_makes_silence():
    s = Session()
    s.render_s(2.0)
    s.call("stop", 0.5)
    s.render_s(3.0)
    audio = s.audio
    s.close()
    found = gaps(audio, SR)
    assert found and found[0].start_s == pytest.approx(2.5, abs=0.3)
