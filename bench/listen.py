"""Listening bench: what a player hears across transitions. Prints ONE JSON line.

For every example score (demo/scores/*.yaml) and several seeds, a pull-mode session of
``--seconds`` of music: every 1-5 s a random call (every event of the score in turn,
parameters, stingers, and set_state over every sync point in turn), then a stop and a
tail. Rendered through the public API with the shipped model and FluidSynth; a synth
wrapper (the Synth role) records drum onsets and the notes sent.

Reported, with goals: ``gaps`` (stretches over 250 ms below -50 dBFS before the stop;
goal 0), ``clicks`` (discontinuities, ``engine.playback.listening.clicks``: a second
difference >= 0.02, >= 8x the RMS second difference of the 20 ms around it and >= 3x
any of the millisecond after it; drum onsets +-6 ms excluded, and counted with them
too in ``clicks_with_drums``; goal 0), ``loudness_lufs`` per score and state (integrated,
ITU-R BS.1770 through pyloudnorm) with ``loudness_out_of_range`` (goal: none; see
``loudness_range``: the engine's target for the mood's arousal and the mean intensity
heard, +-4 LU), the largest short-term loudness jump across a state change (3 s
before vs 3 s after the landing; goal <= 6 LU where the score does not ask for a leap,
see ``transition_jumps``), ``peak_dbfs`` of the output (goal <= 0: no clipping; the
synth's own peak before the output ceiling, the leveller's gain included as it is
applied in the synth, and the samples the ceiling bent are shown too: goal 0),
``level_gain_db`` (the range of the leveller's gain), ``hanging_notes`` after the stop
(goal 0). ``--loudness off`` renders every score as rendered, without loudness
management (docs/score-format.md, "Loudness"). About 2-4 minutes on a 2-core machine.
Usage: python bench/listen.py [--seconds 120] [--seeds 1 2 3] [--loudness auto|off]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import MusicEngine  # noqa: E402
from engine.composer.composer import Composer  # noqa: E402
from engine.config import EngineConfig  # noqa: E402
from engine.music.events import Kind  # noqa: E402
from engine.music.sync import SYNC_POINTS  # noqa: E402
from engine.music.intent import Intent  # noqa: E402
from engine.playback.ceiling import CEILING  # noqa: E402
from engine.playback.leveller import target_lufs  # noqa: E402
from engine.playback.listening import clicks, gaps, loudness_lufs  # noqa: E402
from engine.playback.synth import Synth  # noqa: E402
from engine.score.load import load_score  # noqa: E402

SR = 48000
CHUNK_S = 0.05
JUMP_WINDOW_S = 3.0
MAX_JUMP_LU = 6.0
DRUM_CHANNEL = 9


def loudness_range(arousal: float, intensity: float) -> tuple[float, float]:
    """The integrated loudness a state of a mood with ``arousal``, heard at a mean
    ``intensity``, should have: the engine's target rule (``target_lufs``: -26 LUFS for
    the calmest mood at middle intensity, +9 LU across arousal, +4 LU across intensity),
    +-4 LU either side. Calm music quieter than combat, as the moods intend."""
    centre = target_lufs(Intent(arousal=arousal, intensity=intensity))
    return centre - 4.0, centre + 4.0


class ListeningSynth:
    """Fills the Synth role around the real synth: records drum onsets and the notes sent."""

    def __init__(self, synth):
        self._synth = synth
        self.drum_onsets: list[int] = []
        self.sounding: dict[tuple[int, int], int] = {}
        self.peak = 0.0            # of the synth's own output, before the player's ceiling
        self.over_ceiling = 0      # samples the ceiling bent
        self.levels: list[float] = [0.0]   # every gain the leveller set (dB)

    def render_block(self, out, start_frame, events):
        for timed in events:
            event = timed.event
            key = (event.channel, event.a)
            if event.kind == Kind.NOTE_ON:
                self.sounding[key] = self.sounding.get(key, 0) + 1
                if event.channel == DRUM_CHANNEL:
                    self.drum_onsets.append(timed.frame)
            elif event.kind == Kind.NOTE_OFF and self.sounding.get(key):
                self.sounding[key] -= 1
            elif event.kind == Kind.CONTROL and event.a == 120:     # All Sound Off
                self.sounding = {k: v for k, v in self.sounding.items() if k[0] != event.channel}
        self._synth.render_block(out, start_frame, events)
        peak = float(np.abs(out).max())
        self.peak = max(self.peak, peak)
        if peak > CEILING:
            self.over_ceiling += int(np.count_nonzero(np.abs(out) > CEILING))

    def set_level_db(self, level_db):
        self.levels.append(level_db)
        self._synth.set_level_db(level_db)

    def hanging(self) -> int:
        return sum(v for (channel, _), v in self.sounding.items() if channel != DRUM_CHANNEL)

    def close(self):
        self._synth.close()


class Deck:
    """Draws every item in turn (shuffled per round), so a session covers them all."""

    def __init__(self, items, rng: random.Random):
        self.items, self.rng, self.left = list(items), rng, []

    def draw(self):
        if not self.left:
            self.left = self.rng.sample(self.items, len(self.items))
        return self.left.pop()


def session(score_path: Path, seed: int, seconds: float, loudness: str | None = None) -> dict:
    """One pull-mode session; the audio, per-chunk heard states and what the bench needs.
    ``loudness`` overrides the score's setting (None: as the score says)."""
    config = EngineConfig(seed=seed)
    synth = ListeningSynth(Synth(sample_rate_hz=SR))
    score = load_score(score_path)
    if loudness is not None:
        score = dataclasses.replace(score, loudness=loudness)
    engine = MusicEngine(score, Composer.load(seed=seed), synth, config)
    score, rng = engine.score, random.Random(seed)
    events, syncs = Deck(score.events, rng), Deck(SYNC_POINTS, rng)
    chunks, states, intensities, transitions = [], [], [], []
    next_call, t = rng.uniform(1, 5), 0.0
    while t < seconds:
        if t >= next_call:
            next_call += rng.uniform(1, 5)
            random_call(engine, rng, events, syncs)
        chunks.append(engine.render(int(CHUNK_S * SR)))
        t += CHUNK_S
        snap = engine.snapshot()
        states.append(snap.state)
        intensities.append(snap.intensity)
        transitions += [c.frame for c in engine.poll() if c.kind == "transition"]
    stop_frame = engine.heard_frame
    engine.stop(1.0)
    chunks.append(engine.render(4 * SR))
    engine.close()
    arousal = {name: score.moods[state.mood].arousal for name, state in score.states.items()}
    return {"audio": np.concatenate(chunks), "states": states, "intensities": intensities,
            "stop_frame": stop_frame, "transitions": transitions,
            "drums": synth.drum_onsets, "hanging": synth.hanging(), "arousal": arousal,
            "synth_peak": synth.peak, "over_ceiling": synth.over_ceiling, "levels": synth.levels}


def random_call(engine: MusicEngine, rng: random.Random, events: Deck, syncs: Deck) -> None:
    score, roll = engine.score, rng.random()
    if roll < 0.45 and score.events:
        engine.post_event(events.draw())
    elif roll < 0.7 and score.parameters:
        engine.set_parameter(rng.choice(sorted(score.parameters)), rng.random())
    elif roll < 0.85 and score.stingers:
        engine.trigger_stinger(rng.choice(sorted(score.stingers)))
    else:
        engine.set_state(rng.choice(sorted(score.states)), syncs.draw())


def by_state(run: dict) -> dict[str, np.ndarray]:
    chunk = int(CHUNK_S * SR)
    parts: dict[str, list[np.ndarray]] = {}
    for i, state in enumerate(run["states"]):
        parts.setdefault(state, []).append(run["audio"][i * chunk:(i + 1) * chunk])
    return {state: np.concatenate(p) for state, p in parts.items()}


def transition_jumps(run: dict) -> list[tuple[float, int, str, str, bool]]:
    """(|short-term LUFS after - before|, landing frame, state before, state after,
    asked) for each change of state heard. The score *asks* for a big jump when the
    two sides differ by 0.5 or more in intensity (heard, 1 s either side) or in their
    moods' arousal: a hidden pad alone at 0.15 to a chase at 0.95 is meant to leap.
    The side before is every state heard in the 3 s measured before the landing: when
    changes come faster than that (game over, then cruise for 0.4 s, then the boss),
    the jump is from all of them, and asked if any of them asks."""
    audio, window, out = run["audio"], int(JUMP_WINDOW_S * SR), []
    chunk = int(CHUNK_S * SR)
    for frame in run["transitions"]:
        i = frame // chunk
        if not 0 < i < len(run["states"]) or frame + window > run["stop_frame"] or frame < window:
            continue
        old, new = run["states"][i - 1], run["states"][min(i + 1, len(run["states"]) - 1)]
        if old == new:
            continue    # a transition inside a state (a segment's end, a re-landing): not a change of state
        before, after = loudness_lufs(audio[frame - window:frame], SR), loudness_lufs(audio[frame:frame + window], SR)
        step = int(1.0 / CHUNK_S)
        intensity = run["intensities"]
        heard_before = set(run["states"][max(0, i - window // chunk):i])
        asked = (abs(intensity[min(i + step, len(intensity) - 1)] - intensity[max(i - step, 0)]) >= 0.5
                 or any(abs(run["arousal"][new] - run["arousal"][state]) >= 0.5 for state in heard_before))
        if math.isfinite(before) and math.isfinite(after):
            out.append((abs(after - before), frame, old, new, asked))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="music per session (default 120)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--loudness", choices=("auto", "off"), help="override the scores' loudness setting")
    args = parser.parse_args(argv)
    worst_gap, gap_count, click_list, jumps, peak, hanging, clicks_with_drums = None, 0, [], [], 0.0, 0, 0
    synth_peak, soft_clipped, levels = 0.0, 0, [0.0]
    loudness, out_of_range = {}, []
    for score_path in sorted((ROOT / "demo/scores").glob("*.yaml")):
        per_state: dict[str, list[np.ndarray]] = {}
        heard_intensity: dict[str, list[float]] = {}
        arousal = {}
        for seed in args.seeds:
            run = session(score_path, seed, args.seconds, args.loudness)
            where = {"score": score_path.stem, "seed": seed}
            for gap in gaps(run["audio"][:run["stop_frame"]], SR):
                gap_count += 1
                if worst_gap is None or gap.length_s > worst_gap["length_s"]:
                    worst_gap = {**where, "at_s": round(gap.start_s, 2), "length_s": round(gap.length_s, 3)}
            click_list += [{**where, "at_s": round(f / SR, 3)} for f in clicks(run["audio"], SR, run["drums"])]
            clicks_with_drums += len(clicks(run["audio"], SR))
            jumps += [(lu, {**where, "at_s": round(f / SR, 2), "from": old, "to": new}, asked)
                      for lu, f, old, new, asked in transition_jumps(run)]
            peak = max(peak, float(np.abs(run["audio"]).max()))
            hanging += run["hanging"]
            synth_peak, soft_clipped = max(synth_peak, run["synth_peak"]), soft_clipped + run["over_ceiling"]
            levels += run["levels"]
            arousal = run["arousal"]
            for state, audio in by_state(run).items():
                per_state.setdefault(state, []).append(audio)
            for state, intensity in zip(run["states"], run["intensities"]):
                heard_intensity.setdefault(state, []).append(intensity)
        loudness[score_path.stem] = {}
        for state, parts in sorted(per_state.items()):
            lufs = round(loudness_lufs(np.concatenate(parts), SR), 1)
            loudness[score_path.stem][state] = lufs
            low, high = loudness_range(arousal[state], float(np.mean(heard_intensity[state])))
            if not low <= lufs <= high:
                out_of_range.append({"score": score_path.stem, "state": state, "lufs": lufs,
                                     "range": [round(low, 1), round(high, 1)]})
    worst_jump = max(jumps, key=lambda j: j[0], default=(0.0, {}, False))
    unasked = [j for j in jumps if not j[2]]
    worst_unasked = max(unasked, key=lambda j: j[0], default=(0.0, {}, False))
    print(json.dumps({
        "sessions": len(loudness) * len(args.seeds), "music_s_each": args.seconds,
        "gaps": gap_count, "gap_longest_s": worst_gap["length_s"] if worst_gap else 0.0, "gap_worst": worst_gap,
        "clicks": len(click_list), "clicks_with_drums": clicks_with_drums, "click_first": click_list[:3],
        "loudness_lufs": loudness, "loudness_out_of_range": out_of_range,
        "transition_jump_lu_max": round(worst_jump[0], 1), "transition_jump_worst": worst_jump[1],
        "transition_jumps_over_6lu": sum(1 for lu, _, _ in jumps if lu > MAX_JUMP_LU),
        "transition_jumps_over_6lu_unasked": sum(1 for lu, _, _ in unasked if lu > MAX_JUMP_LU),
        "transition_jump_unasked_lu_max": round(worst_unasked[0], 1), "transition_jump_unasked_worst": worst_unasked[1],
        "transitions_measured": len(jumps),
        "peak_dbfs": round(20 * math.log10(max(peak, 1e-12)), 2),
        "synth_peak_dbfs": round(20 * math.log10(max(synth_peak, 1e-12)), 2), "samples_soft_clipped": soft_clipped,
        "level_gain_db": [round(min(levels), 1), round(max(levels), 1)],
        "hanging_notes": hanging,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
