"""A pyglet (or Arcade) game loop scored by moodscore.  python docs/examples/pyglet_game.py

Keys: E enemy spotted, C combat, L combat over, W won, I item, up/down danger. With
--seconds N (or no display) it runs headless on pyglet's silent driver, a bot presses
keys, and it prints one JSON line: underruns, seconds played, cues heard.
"""
import json, os, random, sys  # noqa: E401

import pyglet

HEADLESS = "--seconds" in sys.argv or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
if HEADLESS:
    pyglet.options["headless"], pyglet.options["shadow_window"], pyglet.options["audio"] = True, False, ("silent",)
from pyglet.window import key  # noqa: E402 - after the options

from engine import MusicEngine  # noqa: E402
from engine.hosts.pyglet import MoodscoreSource  # noqa: E402

EVENTS = {key.E: "enemy_spotted", key.C: "combat_start", key.L: "combat_end", key.W: "level_won", key.I: "item_pickup"}
music = MusicEngine.load("demo/scores/dungeon.yaml", seed=1)
source = MoodscoreSource(music)
game = {"danger": 0.0, "cues": 0}


def on_key_press(symbol, modifiers=0):
    if symbol in EVENTS:
        music.post_event(EVENTS[symbol])
    elif symbol in (key.UP, key.DOWN):
        game["danger"] = min(1.0, max(0.0, game["danger"] + (0.2 if symbol == key.UP else -0.2)))
        music.set_parameter("danger", game["danger"])


def update(dt):
    game["cues"] += len(source.poll())     # beats, bars, transitions: on the frame they are heard


pyglet.clock.schedule_interval(update, 1 / 60)
source.play()
if HEADLESS:
    bot = random.Random(1)
    pyglet.clock.schedule_interval(lambda dt: on_key_press(bot.choice([*EVENTS, key.UP, key.DOWN])), 1.5)
    pyglet.clock.schedule_once(lambda dt: pyglet.app.exit(), float(sys.argv[sys.argv.index("--seconds") + 1])
                               if "--seconds" in sys.argv else 30.0)
else:
    window = pyglet.window.Window(640, 120, "moodscore + pyglet")
    label = pyglet.text.Label("", x=20, y=50, font_size=20)
    window.push_handlers(on_key_press)

    @window.event
    def on_draw():
        snap = music.snapshot()
        label.text = f"{snap.state}  bar {snap.bar + 1}.{snap.beat + 1}  {snap.tempo_bpm:.0f} bpm"
        window.clear()
        label.draw()
pyglet.app.run()
print(json.dumps({"underruns": source.underruns, "played_s": round(source.player.time, 2), "cues": game["cues"]}))
source.player.delete()
music.close()
