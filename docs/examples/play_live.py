"""Play adaptive music live (pygame, or sounddevice) and change it while it plays; `wav:out.wav` renders the same offline."""
import sys, time
from engine.composer.composer import Composer
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.playback import Player, Stinger, Synth, open_output
spec = sys.argv[1] if len(sys.argv) > 1 else "pygame"    # pygame | sounddevice | wav:out.wav
with Synth() as synth, open_output(spec, player := Player(Composer.load(seed=1), synth, Intent(tempo_bpm=96))) as out:
    for step in range(12):                               # two minutes, a change every 10 s
        out.advance(10.0); [print(c) for c in out.poll() if c.kind != "beat"]
        player.transition(Intent(mood="tense", intensity=0.9, arousal=0.8, key=Key(9, "minor"), tempo_bpm=132) if step % 2 == 0 else Intent(tempo_bpm=96), "next_bar", fade_s=1.0) if step % 3 else player.stinger(Stinger())
