"""The loudness leveller: a slow, look-ahead-free fader that holds each state at the
loudness its intent asks for, and matches levels at every transition. Pure: it
decides from the powers it is shown and what the plan says, so the same render gives
the same gains, bit for bit.

Why. Nothing made the sum of layers, velocities and instruments come out at a
sensible level: measured over the example scores (``bench/listen.py``), the space
shooter's boss came out at -11.4 LUFS and peaked at +2.7 dBFS while the stealth
score's suspicious waltz, a *tense* state, sat at -26 LUFS. And the arranger's
intensity is steep: FluidSynth turns velocity v into 40 log10(v/127) dB, so with the
velocity ramps and the layers coming in, a state gets 13-19 LU louder from intensity
0 to 1 (measured: dungeon explore 17, danger 13, stealth sneak 15, suspicious 19; the
shooter's synth-lead cruise 29, reaching -4.7 LUFS).

The target. A state sounds at ``target_lufs(intent)``: -26 LUFS for the calmest mood
at middle intensity, 9 LU more across arousal (calm to excited: a hiding pad is
quieter than a chase) and 4 LU across intensity (the same mood, thin to full), so
-28 to -15 LUFS in all (``LevelConfig``). Arousal is the bigger term because it is
what a player hears as "calm" or "combat"; intensity keeps a crescendo of 4 LU, the
rest of the arranger's is levelled away (velocity still brightens the sound).

The model. Music of an intent is expected at ``reference_lufs``: the target plus the
part of the arranger's crescendo the leveller takes away (``intensity_slope_lu``, 16
LU from intensity 0 to 1, less the 4 kept), plus the state's *excess*, which the
leveller measures and remembers per state. So when a parameter moves intensity, the
gain follows at once (at the bar line where the music does), and only what the model
misses is left to the slow loop.

How, per chunk of about 21 ms (``LevelConfig.chunk_s``: 1024 frames at 48 kHz, so a
device's power-of-two blocks fall inside chunks; the player renders on this grid):

- **Measure.** A chunk's K-weighted power divided by the gain it was rendered at is
  the music's own ("raw") loudness. A *scene* is one stretch of one state from its
  landing; its excess is the short-term (last ``window_s``, 3 s) loudness of its own
  chunks over their references. Chunks in a crossfade, under a stinger, or more than
  ``gate_lu`` below the target (a rest, a release tail) are not measured.
- **Move slowly.** Once a scene has ``min_measured_s`` measured, the gain moves
  towards the one that puts it on target, at most ``rate_db_per_s``
  (``learn_rate_db_per_s`` in a state's first scene); it starts only when the target
  is more than ``deadband_lu`` away and then goes all the way (to ``settle_lu``): a
  phrase's own swell is left alone, and nothing pumps.
- **Match the seam.** A crossfade holds measurement. When it begins the leveller notes
  what was heard (the music's short-term loudness, stingers left out, taken no
  further than ``seam_slack_lu`` from the target then) and the target; over the
  crossfade the gain glides, ending where the crossfade ends, to the coming state's
  gain (as it was last time; a state not heard yet is expected as far from its
  reference as the states heard are on average) kept within ``seam_lu`` of *what was
  heard plus the change of target*: the new music continues from the level of the
  old, moved by as much as the score asks (a hiding pad to a chase: +9 LU; a state to
  a neighbour: a little). That band holds for ``seam_s`` after the landing, and the
  gain may move at ``seam_rate_db_per_s`` to stay in it (a state heard for the first
  time is measured from 0.4 s on); then the slow rule takes over.
- **Keep headroom.** The gain never aims above the one that would have put the last
  ``window_s``'s sample peak at ``headroom_dbfs`` (-3 dBFS), and comes down at the seam
  rate when it is there; a crossfade never glides above what puts the coming state's
  peaks, as they were last time, there: the output ceiling stays a safety.
- A stinger or a stop holds the gain where it is.

The gain stays within ``min_db``..``max_db`` (-12..+9 dB), so it can never make a gap,
and every change is a glide (the synth ramps each chunk's step over 64 frames).
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass

from engine.music.intent import Intent
from engine.playback.kweighting import lufs

GRID_FRAMES = 64
"""The leveller's chunks are whole FluidSynth blocks, so a gain change lands on the synth's grid."""
FIRST_ESTIMATE_S = 0.4
"""A state heard for the first time is estimated from this much of it (BS.1770's momentary window)."""


@dataclass(frozen=True, slots=True)
class LevelConfig:
    """The target rule (``base_lufs``, ``arousal_lu``, ``intensity_lu``), the model of
    the arranger's crescendo (``intensity_slope_lu``), how the leveller moves, matches
    seams and keeps headroom, and where stingers sit (``stinger_over_lu`` above the
    music's target; one not heard yet is taken to be ``stinger_default_lufs``); see the
    module docstrings here and in ``engine.playback.stinger_levels``."""

    base_lufs: float = -26.0
    arousal_lu: float = 9.0
    intensity_lu: float = 4.0
    intensity_slope_lu: float = 16.0
    chunk_s: float = 0.0213
    window_s: float = 3.0
    min_measured_s: float = 1.0
    rate_db_per_s: float = 1.0
    learn_rate_db_per_s: float = 2.0
    deadband_lu: float = 1.0
    settle_lu: float = 0.2
    seam_s: float = 3.0
    seam_lu: float = 1.0
    seam_slack_lu: float = 2.0
    seam_rate_db_per_s: float = 6.0
    headroom_dbfs: float = -3.0
    gate_lu: float = 30.0
    min_db: float = -12.0
    max_db: float = 9.0
    stinger_over_lu: float = 3.0
    stinger_default_lufs: float = -12.0

    def __post_init__(self) -> None:
        if not 0.0 < self.chunk_s <= 0.2:
            raise ValueError(f"leveller chunk_s: {self.chunk_s} is outside (0, 0.2]")
        if not FIRST_ESTIMATE_S <= self.min_measured_s <= self.window_s:
            raise ValueError(f"leveller: {FIRST_ESTIMATE_S} <= min_measured_s <= window_s is required")
        rates = (self.rate_db_per_s, self.learn_rate_db_per_s, self.seam_rate_db_per_s)
        if min(rates) <= 0 or min(self.seam_lu, self.seam_s, self.seam_slack_lu) < 0 or \
                not 0 <= self.settle_lu <= self.deadband_lu:
            raise ValueError("leveller rates must be > 0; seam_lu, seam_s, seam_slack_lu >= 0; "
                             "0 <= settle_lu <= deadband_lu")
        if not self.min_db <= 0.0 <= self.max_db:
            raise ValueError(f"leveller gain range {self.min_db}..{self.max_db} dB must contain 0")

    def chunk_frames(self, sample_rate_hz: int) -> int:
        """``chunk_s`` in frames, rounded to whole 64-frame synth blocks (1024 at 48 kHz)."""
        return max(1, round(self.chunk_s * sample_rate_hz / GRID_FRAMES)) * GRID_FRAMES


def target_lufs(intent: Intent, config: LevelConfig = LevelConfig()) -> float:
    """The short-term loudness (LUFS) music of ``intent`` should have: the module docstring's rule."""
    return config.base_lufs + config.arousal_lu * intent.arousal + config.intensity_lu * (intent.intensity - 0.5)


@dataclass(frozen=True, slots=True)
class Level:
    """What the leveller needs of an intent: its ``target`` and ``reference`` (the
    loudness its music has when its state's excess is 0), both LUFS."""

    target: float
    reference: float

    @classmethod
    def of(cls, intent: Intent, config: LevelConfig = LevelConfig()) -> Level:
        target = target_lufs(intent, config)
        levelled = config.intensity_slope_lu - config.intensity_lu
        return cls(target, target + levelled * (intent.intensity - 0.5))


@dataclass(frozen=True, slots=True)
class Crossfade:
    """A transition's crossfade under way: to ``state`` at ``level``, ending at ``end_frame``."""

    state: str
    end_frame: int
    level: Level


@dataclass(frozen=True, slots=True)
class Moment:
    """What the leveller is told of one chunk: the ``state`` heard and the ``scene``
    (the frame of the landing it is heard from), the ``level`` of the intent heard, a
    ``crossfade`` under way, ``hold`` (a stinger sounds or ducks the music: no
    measuring, no following, but a crossfade still glides) and ``stopping``."""

    state: str
    scene: int
    level: Level
    crossfade: Crossfade | None = None
    hold: bool = False
    stopping: bool = False


@dataclass(frozen=True, slots=True)
class Seam:
    """What was heard when a crossfade began: the output's short-term loudness and the target then."""

    heard_lufs: float
    target_lufs: float


class Leveller:
    """Decides the gain (dB) of each chunk and learns from each chunk rendered; see the
    module docstring. ``decide`` a chunk, render it at that gain, ``measure`` it, in order."""

    def __init__(self, config: LevelConfig = LevelConfig(), sample_rate_hz: int = 48000):
        self.config = config
        self.chunk_frames = config.chunk_frames(sample_rate_hz)
        self._chunk_s = self.chunk_frames / sample_rate_hz
        self.gain_db = 0.0
        self.excess: dict[str, float] = {}      # state -> its raw loudness over its reference (LU), last estimate
        self.crest: dict[str, float] = {}       # state -> its raw sample peak over its reference (dB), last scene
        window = max(1, round(config.window_s / self._chunk_s))
        self._heard: collections.deque[float] = collections.deque(maxlen=window)   # output power, music chunks
        self._scene_heard: collections.deque[float] = collections.deque(maxlen=window)   # the same, this scene
        self._peaks: collections.deque[float] = collections.deque(maxlen=window)   # raw sample peak of every chunk
        self._window: collections.deque[float] = collections.deque(maxlen=window)  # raw power / 10^(reference/10)
        self._scene: tuple[str, int] | None = None
        self._age = 0                            # chunks since the scene opened
        self._crest = -math.inf                  # the scene's highest crest so far
        self._first_visit = True
        self._moving = False                     # following: started beyond deadband_lu, goes to settle_lu
        self._fade: Crossfade | None = None      # the crossfade the last chunk was in
        self._seam: Seam | None = None
        self._target = float("nan")              # the target of the last chunk outside a crossfade

    def decide(self, frame: int, moment: Moment) -> float:
        """The gain in dB for the chunk starting at ``frame``."""
        if moment.stopping:
            return self.gain_db
        if moment.crossfade is not None:
            self._glide(frame, moment)
            return self.gain_db
        if moment.hold:
            return self.gain_db
        self._fade, self._target = None, moment.level.target
        if self._scene != (moment.state, moment.scene):
            self._open(moment)
        self._age += 1
        self._follow(moment)
        return self.gain_db

    def measure(self, power: float, peak: float, moment: Moment) -> None:
        """The K-weighted ``power`` and sample ``peak`` of the chunk just rendered at
        ``gain_db`` under ``moment``."""
        scale = 10.0 ** (self.gain_db / 20.0)
        self._peaks.append(peak / scale)
        if not moment.hold:
            self._heard.append(power)
            if self._scene == (moment.state, moment.scene) and moment.crossfade is None:
                self._scene_heard.append(power)
        if moment.hold or moment.stopping or moment.crossfade is not None or \
                self._scene != (moment.state, moment.scene):
            return
        if peak > 0.0:
            self._crest = max(self._crest, 20.0 * math.log10(peak / scale) - moment.level.reference)
            self.crest[moment.state] = self._crest
        raw = power / (scale * scale)
        if lufs(raw) < moment.level.target - self.config.gate_lu:
            return
        self._window.append(raw / 10.0 ** (moment.level.reference / 10.0))
        if len(self._window) * self._chunk_s >= self.config.min_measured_s:
            self.excess[moment.state] = self._measured_excess()

    def heard_lufs(self) -> float:
        """The music's short-term loudness as heard: the last ``window_s`` of chunks
        rendered with no stinger over them."""
        return lufs(sum(self._heard) / len(self._heard)) if self._heard else float("-inf")

    # ------------------------------------------------------------ crossfades

    def _glide(self, frame: int, moment: Moment) -> None:
        """In a crossfade: note the seam when it begins, and glide to the landing gain by its end."""
        fade = moment.crossfade
        if self._fade is None:     # it begins: the target is still the old state's (a landing may come first)
            self._seam = self._note_seam()
        self._fade, self._scene = fade, None
        goal = self._banded(fade.level.reference + self._expected_excess(fade.state), fade.level.target)
        if fade.state in self.crest:     # the peaks it had last time, at the headroom
            goal = self._clamp(min(goal, self.config.headroom_dbfs - fade.level.reference - self.crest[fade.state]))
        self.gain_db += (goal - self.gain_db) * min(1.0, self.chunk_frames / max(1, fade.end_frame - frame))

    def _note_seam(self) -> Seam | None:
        """What is heard as a crossfade begins: the scene's own music when there is
        enough of it, else where its seam put it (a scene cut short by another change),
        else the last ``window_s``; taken no further than ``seam_slack_lu`` from the old
        state's target (a state the slow rule has not brought home yet does not pass its
        error on)."""
        target = self._target
        if len(self._scene_heard) * self._chunk_s >= FIRST_ESTIMATE_S:
            heard = lufs(sum(self._scene_heard) / len(self._scene_heard))
        elif self._seam is not None:
            heard = self._seam.heard_lufs + (target - self._seam.target_lufs)
        else:
            heard = self.heard_lufs()
        if not (math.isfinite(heard) and math.isfinite(target)):
            return None
        slack = self.config.seam_slack_lu
        return Seam(max(target - slack, min(target + slack, heard)), target)

    def _expected_excess(self, state: str) -> float:
        """The excess ``state`` had last time; one not heard yet: the mean of those heard (0 at first)."""
        if state in self.excess:
            return self.excess[state]
        return sum(self.excess.values()) / len(self.excess) if self.excess else 0.0

    def _banded(self, raw: float, target: float) -> float:
        """The gain that puts music of ``raw`` loudness on ``target``, moved into the seam's band, clamped."""
        wanted = target - raw
        band = self._band(raw, target)
        return self._clamp(wanted if band is None else max(band[0], min(band[1], wanted)))

    def _band(self, raw: float, target: float) -> tuple[float, float] | None:
        """The gains (dB) that keep music of ``raw`` loudness within ``seam_lu`` of the
        seam's level plus the change of target (None: no seam)."""
        if self._seam is None:
            return None
        centre = self._seam.heard_lufs + (target - self._seam.target_lufs) - raw
        return centre - self.config.seam_lu, centre + self.config.seam_lu

    # ------------------------------------------------------------ scenes

    def _open(self, moment: Moment) -> None:
        self._scene = (moment.state, moment.scene)
        self._window.clear()
        self._scene_heard.clear()
        self._age = 0
        self._crest = -math.inf
        self._moving = False
        self._first_visit = moment.state not in self.excess

    def _measured_excess(self) -> float:
        return lufs(sum(self._window) / len(self._window))

    def _raw_estimate(self, moment: Moment) -> float:
        """The scene's raw loudness: measured once there is enough of it (a known state
        waits ``min_measured_s``, a new one ``FIRST_ESTIMATE_S``), else expected."""
        measured_s = len(self._window) * self._chunk_s
        enough = FIRST_ESTIMATE_S if moment.state not in self.excess else self.config.min_measured_s
        if self._window and measured_s >= enough:
            return moment.level.reference + self._measured_excess()
        return moment.level.reference + self._expected_excess(moment.state)

    def _follow(self, moment: Moment) -> None:
        raw = self._raw_estimate(moment)
        config, target = self.config, moment.level.target
        ceiling = self._headroom()
        wanted = min(self._clamp(target - raw), ceiling)
        band = self._band(raw, target) if self._age * self._chunk_s < config.seam_s else None
        if band is not None:
            lo, hi = band
            inside = lo <= self.gain_db <= hi
            self._step(min(self._clamp(max(lo, min(hi, wanted))), ceiling),
                       config.rate_db_per_s if inside else config.seam_rate_db_per_s)
            return
        self._seam = None
        if self.gain_db > ceiling:
            self._step(ceiling, config.seam_rate_db_per_s)
            return
        if len(self._window) * self._chunk_s < config.min_measured_s:
            return
        error = abs(wanted - self.gain_db)
        self._moving = error > (config.settle_lu if self._moving else config.deadband_lu)
        if self._moving:
            self._step(wanted, config.learn_rate_db_per_s if self._first_visit else config.rate_db_per_s)

    def _headroom(self) -> float:
        """The highest gain that keeps the last ``window_s``'s raw peak at ``headroom_dbfs``."""
        peak = max(self._peaks, default=0.0)
        return self.config.headroom_dbfs - 20.0 * math.log10(peak) if peak > 0.0 else self.config.max_db

    def _step(self, goal: float, rate_db_per_s: float) -> None:
        step = rate_db_per_s * self._chunk_s
        self.gain_db = self._clamp(self.gain_db + max(-step, min(step, goal - self.gain_db)))

    def _clamp(self, gain_db: float) -> float:
        if not math.isfinite(gain_db):
            return self.gain_db
        return max(self.config.min_db, min(self.config.max_db, gain_db))
