"""Loudness management in the player: on the leveller's grid, deterministic, stingers in
place; and through the public API with the shipped model and FluidSynth, each state at
its target and a transition that does not leap unless the score asks."""

import dataclasses

import numpy as np
import pytest

from engine import MusicEngine
from engine.music.events import Kind
from engine.music.intent import Intent
from engine.playback.ceiling import CEILING
from engine.playback.leveller import LevelConfig, target_lufs
from engine.playback.listening import gaps, loudness_lufs
from engine.playback.loudness import AsRendered, moment_at
from engine.playback.player import Player, PlayerConfig
from engine.playback.stingers import STINGER_CHANNEL, Stinger
from engine.score.load import load_score

from tests.playback.fakes import FakeComposer, RecordingSynth, SineSynth

SR = 48000
CALM = Intent(tempo_bpm=120.0, intensity=0.3, arousal=0.2)
TENSE = Intent(mood="tense", tempo_bpm=120.0, intensity=0.9, arousal=0.8)
CHUNK = LevelConfig().chunk_frames(SR)


def levelled(synth=None, loudness=LevelConfig()):
    return Player(FakeComposer(), synth or SineSynth(), CALM, PlayerConfig(loudness=loudness), state="calm")


def session(block_frames, synth=None):
    """10 s with a transition and a stinger, rendered in blocks of ``block_frames``."""
    p = levelled(synth)
    out, audio = np.zeros((block_frames, 2), dtype=np.float32), []
    while p.head_frame < 10 * SR:
        if p.head_frame // block_frames == 3 * SR // block_frames:
            p.transition(TENSE, "next_bar", fade_s=1.0, state="tense")
        if p.head_frame // block_frames == 6 * SR // block_frames:
            p.stinger(Stinger("hit"))
        p.render_into(out)
        audio.append(out.copy())
    return np.concatenate(audio)[:10 * SR], p


def test_gains_change_only_on_the_chunk_grid_and_never_in_a_step():
    audio, p = session(256)
    levels = p.synth.levels
    assert levels and all(frame % CHUNK == 0 for frame, _ in levels)
    assert max(abs(b - a) for (_, a), (_, b) in zip(levels, levels[1:])) < 0.2      # dB per 21 ms chunk
    assert set(p.loudness.leveller.excess) == {"calm", "tense"}                       # both measured
    assert gaps(audio, SR) == []


def test_the_same_session_renders_the_same_bytes_whatever_the_block_size():
    a, pa = session(256)        # (the engine's blocks are multiples of FluidSynth's 64 frames)
    b, pb = session(192)
    c, pc = session(4096)
    assert pa.synth.levels == pb.synth.levels == pc.synth.levels
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_a_stinger_is_trimmed_to_its_place_and_learned():
    _, p = session(256)
    trims = [t for t in p.synth.events if t.event.channel == STINGER_CHANNEL and t.event.kind == Kind.CONTROL]
    assert len(trims) == 1 and 1 <= trims[0].event.b < 127           # the sine synth's stinger is loud for calm music
    assert "hit" in p.loudness.stingers.loudness


def test_off_means_no_gain_no_trim_and_blocks_as_given():
    p = levelled(RecordingSynth(), loudness=None)
    out = np.zeros((4096, 2), dtype=np.float32)
    for _ in range(40):
        p.render_into(out)
    p.stinger(Stinger("hit"))
    p.render_into(out)
    assert p.synth.levels == [] and isinstance(p.loudness, AsRendered)
    assert not [t for t in p.synth.events if t.event.channel == STINGER_CHANNEL and t.event.kind == Kind.CONTROL]


def test_a_moment_names_the_crossfade_the_scene_and_the_intensity_heard():
    p = levelled(RecordingSynth())
    p.render(SR)
    landing = p.transition(TENSE, "next_bar", fade_s=1.0, state="tense")
    plan, duck = p.plan, p.mixer.duck
    before = moment_at(plan, landing - SR // 2, duck, False, False, LevelConfig())
    assert (before.state, before.scene) == ("calm", 0) and before.crossfade.state == "tense"
    assert before.crossfade.end_frame == landing and before.level.target == target_lufs(CALM)
    after = moment_at(plan, landing + 10, duck, True, False, LevelConfig())
    assert (after.state, after.scene, after.crossfade, after.hold) == ("tense", landing, None, True)
    p.set_intensity(0.4)
    later = moment_at(plan, landing + 20 * SR, duck, False, True, LevelConfig())
    assert later.level.target == target_lufs(dataclasses.replace(TENSE, intensity=0.4)) and later.stopping


def test_pieces_are_cut_at_every_chunk_boundary():
    stage = levelled(RecordingSynth()).loudness
    assert stage.pieces(0, 256) == [(0, 256)]
    assert stage.pieces(CHUNK - 100, 300) == [(0, 100), (100, 200)]
    assert stage.pieces(0, 2 * CHUNK + 5) == [(0, CHUNK), (CHUNK, CHUNK), (2 * CHUNK, 5)]


# ---------------------------------------------------------------- through the public API

SHOOTER = "demo/scores/space_shooter.yaml"


def cruise_then_boss(loudness):
    """The space shooter, seed 2: cruising with no enemies 10 s, then the boss (set_state,
    next_bar) for 10 s. Cruise (neon, 0.75) at intensity 0.3 and the boss (action, 0.9) at
    0.7 are close in arousal and intensity, so the score does not ask for a leap (its
    targets are 3 LU apart); as rendered, the boss's five layers near full velocity come
    in 6 LU louder, 4 LU over the boss's target."""
    score = dataclasses.replace(load_score(SHOOTER), loudness=loudness)
    engine = MusicEngine.load(score, seed=2)
    audio = [engine.render(10 * SR)]
    engine.set_state("boss", "next_bar")
    audio.append(engine.render(SR // 100))
    landing = engine.snapshot().pending.frame
    audio.append(engine.render(landing + 10 * SR - engine.heard_frame))
    snap = engine.snapshot()
    engine.close()
    audio = np.concatenate(audio)
    boss = dataclasses.replace(Intent(), arousal=score.moods["action"].arousal, intensity=snap.intensity)
    cruise = dataclasses.replace(Intent(), arousal=score.moods["neon"].arousal, intensity=0.3)
    jump = loudness_lufs(audio[landing:landing + 3 * SR], SR) - loudness_lufs(audio[landing - 3 * SR:landing], SR)
    return audio, landing, jump, {"cruise": (loudness_lufs(audio[4 * SR:landing], SR), target_lufs(cruise)),
                                  "boss": (loudness_lufs(audio[landing + 3 * SR:], SR), target_lufs(boss))}


@pytest.fixture(scope="module")
def shooter_runs():
    return {mode: cruise_then_boss(mode) for mode in ("off", "auto")}


def test_each_state_lands_in_its_range_and_the_transition_does_not_leap(shooter_runs):
    audio, landing, jump, states = shooter_runs["auto"]
    for state, (measured, target) in states.items():
        assert abs(measured - target) <= 4.0, (state, measured, target)
    assert abs(jump) <= 6.0, jump
    assert gaps(audio, SR) == [] and np.abs(audio).max() < CEILING     # nothing bent by the output ceiling


def test_as_rendered_the_same_session_leaps_and_the_boss_is_far_too_loud(shooter_runs):
    _, _, raw_jump, raw_states = shooter_runs["off"]
    _, _, jump, states = shooter_runs["auto"]
    measured, target = raw_states["boss"]
    assert raw_jump > abs(jump) + 2.0 and raw_jump > 5.0, (raw_jump, jump)            # about 6 LU against 3
    assert measured - target > abs(states["boss"][0] - target) + 3.0, (measured, target)   # about +4 LU against 0
