"""Stems: one FluidSynth with a group per channel; the stems sum to the mix, which is the plain mix."""

import numpy as np

from engine.cutscene.stems import OTHER_STEM, STEM_CHANNELS, StemSynth
from engine.music.events import TimedEvent, note_off, note_on, program
from engine.music.example import example_song
from engine.music.midi import song_events
from engine.playback.render_midi import render_events
from engine.playback.synth import Synth

SR = 48_000


def dbfs(x: np.ndarray) -> float:
    return 20 * np.log10(np.max(np.abs(x)) + 1e-30)


def render(synth, events, total):
    blocks = []
    render_events(synth, events, total, lambda block: blocks.append(block.copy()), block_frames=3000)
    return np.concatenate(blocks)


def test_stems_sum_to_the_mix_and_the_mix_is_the_plain_synth_s():
    song = example_song(4)
    events = song_events(song, SR)
    total = events[-1].frame + SR
    stems: dict[str, list] = {}
    synth = StemSynth(None, sample_rate_hz=SR, gain=0.45,
                      sink=lambda start, blocks: [stems.setdefault(k, []).append(v.copy()) for k, v in blocks.items()])
    mix = render(synth, events, total)
    synth.close()
    parts = {name: np.concatenate(blocks) for name, blocks in stems.items()}
    assert sorted(parts) == sorted(STEM_CHANNELS)                 # nothing played on other channels
    assert all(len(p) == len(mix) for p in parts.values())
    with Synth(None, sample_rate_hz=SR, gain=0.45) as plain:
        reference = render(plain, events, total)
    assert dbfs(reference) > -20
    assert dbfs(sum(parts.values()) - mix) < -100               # the mix is the sum of the stems
    assert dbfs(mix - reference) < -100                         # and the mix the engine makes without stems
    assert dbfs(parts["percussion"]) > -30 and dbfs(parts["stingers"]) < -120


def test_a_channel_no_stem_names_becomes_the_other_stem_when_it_sounds():
    events = [TimedEvent(0, program(5, 48)), TimedEvent(6000, note_on(5, 60, 100)), TimedEvent(20000, note_off(5, 60))]
    seen: list[tuple[int, tuple]] = []
    synth = StemSynth(None, sample_rate_hz=SR, sink=lambda start, blocks: seen.append((start, tuple(blocks))))
    render(synth, events, 30000)
    synth.close()
    assert OTHER_STEM not in seen[0][1] and OTHER_STEM in seen[-1][1]
    assert seen[[OTHER_STEM in names for _, names in seen].index(True)][0] == 6000 // 3000 * 3000
