"""Play a score live and change it while it plays (two minutes).

    python docs/examples/play_live.py [pygame | sounddevice | wav:out.wav]
"""
import sys

from engine import MusicEngine

output = sys.argv[1] if len(sys.argv) > 1 else "pygame"
story = [(0.1, None), (0.6, "enemy_spotted"), (0.9, "combat_start"), (0.4, "combat_end"), (0.0, "level_won")] * 3
with MusicEngine.load("demo/scores/dungeon.yaml", seed=1) as music:
    music.on_transition(lambda cue: print(f"bar {cue.bar + 1}: {cue.name} at {cue.tempo_bpm:.0f} bpm"))
    music.start(output)
    for danger, event in story:
        music.set_parameter("danger", danger)
        if event:
            music.post_event(event)
        music.advance(8.0)          # live: 8 s of wall time; wav: 8 s rendered offline
        music.poll()
    music.stop(fade_s=2.0)
    music.advance(2.5)
