"""The dungeon demo: game rules and the music director without audio, then one
headless 20-second autoplay run through the real engine (skipped until it exists)."""

from __future__ import annotations

import logging
import math
import sys
import wave

import pytest

from demo.game import world
from demo.game.audio import FrameClock
from demo.game.bot import Autopilot
from demo.game.music import COMBAT_END_S, MusicDirector, danger_from_distance


def open_level(seed: int = 3) -> world.Level:
    """Level 1 with its enemies parked far away and wandering off (tests move them where needed)."""
    level = world.Level(1, seed)
    for enemy in level.enemies:
        enemy.x, enemy.y = level.player.x + 2000, level.player.y
    return level


def step(level: world.Level, seconds: float, direction=(0.0, 0.0)) -> list[str]:
    happenings = []
    for _ in range(round(seconds * 60)):
        happenings += level.update(1 / 60, direction)
    return happenings


# -- game rules ------------------------------------------------------------------


def test_level_is_built_from_its_seed():
    a, b = world.Level(2, 5), world.Level(2, 5)
    assert a.tiles.walls == b.tiles.walls
    assert [(g.x, g.y) for g in a.gems] == [(g.x, g.y) for g in b.gems]
    assert len(a.gems) == world.LevelConfig.for_level(2).gems
    start = world.cell_of(a.player.x, a.player.y)
    reachable = a.tiles.reachable_from(start)
    assert all(world.cell_of(g.x, g.y) in reachable for g in a.gems)


def test_enemy_chases_when_near_and_gives_up_when_far():
    level = open_level()
    enemy, player = level.enemies[0], level.player
    enemy.x, enemy.y = player.x + world.ENEMY_SPOT_PX - 20, player.y
    assert enemy.update(1 / 60, player, level.tiles) == world.SPOTTED
    before = enemy.distance_to(player.x, player.y)
    for _ in range(10):
        enemy.update(1 / 60, player, level.tiles)
    assert enemy.chasing and enemy.distance_to(player.x, player.y) < before
    enemy.x = player.x + world.ENEMY_LOSE_PX + 10
    enemy.y = player.y
    assert enemy.update(1 / 60, player, level.tiles) == world.LOST
    assert not enemy.chasing


def test_walls_stop_the_player():
    level = open_level()
    player = level.player
    step(level, 10.0, (-1.0, 0.0))
    assert player.x >= world.TILE_PX + player.radius_px - 1e-6
    assert not level.tiles.circle_hits_wall(player.x, player.y, player.radius_px)


def test_gem_pickup():
    level = open_level()
    gem = level.gems[0]
    gem.x, gem.y = level.player.x, level.player.y
    happenings = level.update(1 / 60, (0.0, 0.0))
    assert happenings.count(world.GEM) == 1
    assert gem.taken and level.gems_left == len(level.gems) - 1


def test_contact_hurts_then_invulnerable_briefly():
    level = open_level()
    enemy, player = level.enemies[0], level.player
    enemy.x, enemy.y = player.x + 5, player.y
    happenings = level.update(1 / 60, (0.0, 0.0))
    assert world.CONTACT in happenings and world.HURT in happenings
    assert player.health == pytest.approx(world.PLAYER_MAX_HEALTH - world.HIT_DAMAGE)
    enemy.x, enemy.y = player.x + 5, player.y  # back in contact at once
    happenings = level.update(1 / 60, (0.0, 0.0))
    assert world.CONTACT in happenings and world.HURT not in happenings


def test_collecting_every_gem_wins_and_the_dungeon_goes_down_a_level():
    dungeon = world.Dungeon(seed=3)
    level = dungeon.level
    for enemy in level.enemies:
        enemy.x, enemy.y = level.player.x + 2000, level.player.y
    for gem in level.gems:
        gem.x, gem.y = level.player.x, level.player.y
    happenings = dungeon.update(1 / 60, (0.0, 0.0))
    assert happenings.count(world.GEM) == len(level.gems) and world.WON in happenings
    assert level.won and not level.finished
    for _ in range(round(world.VICTORY_PAUSE_S * 60) + 1):
        dungeon.update(1 / 60, (0.0, 0.0))
    assert dungeon.level.number == 2 and dungeon.gems_total == len(level.gems)


def test_death_restarts_the_floor():
    dungeon = world.Dungeon(seed=3)
    player, enemy = dungeon.level.player, dungeon.level.enemies[0]
    player.health = 1.0
    enemy.x, enemy.y = player.x + 5, player.y
    assert world.DIED in dungeon.update(1 / 60, (0.0, 0.0))
    assert dungeon.deaths == 1 and dungeon.level.number == 1
    assert dungeon.level.player.health == world.PLAYER_MAX_HEALTH


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bot_wins_the_first_level_within_20_s(seed):
    dungeon, bot = world.Dungeon(seed), Autopilot()
    for frame in range(20 * 60):
        if world.WON in dungeon.update(1 / 60, bot.direction(dungeon.level)):
            return
    pytest.fail(f"seed {seed}: the bot took more than 20 s on level 1 ({dungeon.level.gems_left} gems left)")


def test_frame_clock_renders_exactly_n_seconds_of_audio():
    for rate in (48000, 44100, 22050, 11025):
        clock = FrameClock(rate, 60)
        blocks = [clock.next_block_frames() for _ in range(60 * 7)]
        assert sum(blocks) == 7 * rate and max(blocks) - min(blocks) <= 1


# -- the music director, against a recorder ---------------------------------------


class RecordingEngine:
    """Records what the director asks of an engine; refuses events outside ``known``."""

    def __init__(self, known=None):
        self.known = known
        self.calls: list[tuple] = []
        self.callbacks: dict[str, list] = {}

    def post_event(self, name):
        if self.known is not None and name not in self.known:
            raise ValueError(f"unknown event {name!r}")
        self.calls.append(("event", name))

    def set_parameter(self, name, value):
        self.calls.append(("param", name, value))

    def poll(self):
        pass

    def events(self):
        return [c[1] for c in self.calls if c[0] == "event"]

    def last(self, name):
        return [c[2] for c in self.calls if c[0] == "param" and c[1] == name][-1]

    def __getattr__(self, name):  # on_beat, on_bar, on_transition, on_stinger
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda fn: self.callbacks.setdefault(name[3:], []).append(fn)


def test_danger_rises_as_the_nearest_enemy_approaches():
    assert danger_from_distance(1000.0) == 0.0
    assert danger_from_distance(0.0) == 1.0
    assert 0.0 < danger_from_distance(180.0) < danger_from_distance(100.0) < 1.0


def test_director_sends_parameters_continuously_but_only_when_they_move():
    engine, level = RecordingEngine(), open_level()
    director = MusicDirector(engine)
    assert set(engine.callbacks) == {"beat", "bar", "transition", "stinger"}
    level.enemies[0].x, level.enemies[0].y = level.player.x + 60, level.player.y
    for _ in range(240):
        director.update(1 / 60, level, [])
    assert engine.last("danger") > 0.9 and engine.last("health") == 1.0
    count = len(engine.calls)
    director.update(1 / 60, level, [])
    assert len(engine.calls) == count  # nothing moved, nothing sent


def test_director_posts_combat_start_once_and_combat_end_after_quiet():
    engine, level = RecordingEngine(), open_level()
    director = MusicDirector(engine)
    director.update(1 / 60, level, [world.CONTACT, world.HURT])
    director.update(1 / 60, level, [world.CONTACT])
    assert engine.events() == ["combat_start", "player_hurt"]
    for _ in range(round(COMBAT_END_S * 60) + 1):
        director.update(1 / 60, level, [])
    assert engine.events()[-2:] == ["combat_end", "enemy_lost"] and not director.in_combat


def test_director_low_health_pickup_and_win():
    engine, level = RecordingEngine(), open_level()
    director = MusicDirector(engine)
    level.player.health = 20.0
    director.update(1 / 60, level, [world.GEM, world.CONTACT])
    director.update(1 / 60, level, [world.WON])
    assert engine.events() == ["item_pickup", "combat_start", "low_health", "combat_end", "enemy_lost", "level_won"]
    assert engine.last("health") == 0.2
    director.update(1 / 60, level, [])
    assert engine.events().count("low_health") == 1  # once per dip
    level.player.health = 80.0
    director.update(1 / 60, level, [])
    assert engine.events()[-1] == "health_restored"
    assert director.events_posted["item_pickup"] == 1


def test_director_reports_the_hunt_as_a_whole():
    engine, level = RecordingEngine(), open_level()
    director = MusicDirector(engine)
    first, second = level.enemies[:2]
    first.chasing = True
    director.update(1 / 60, level, [world.SPOTTED])
    second.chasing = True
    director.update(1 / 60, level, [world.SPOTTED])
    first.chasing = False
    director.update(1 / 60, level, [world.LOST])
    assert engine.events() == ["enemy_spotted"]  # one still chases
    second.chasing = False
    director.update(1 / 60, level, [world.LOST])
    assert engine.events() == ["enemy_spotted", "enemy_lost"]


def test_director_survives_a_score_without_some_event(caplog):
    engine = RecordingEngine(known={"item_pickup"})
    director, level = MusicDirector(engine), open_level()
    with caplog.at_level(logging.WARNING):
        director.update(1 / 60, level, [world.HURT, world.HURT, world.GEM])
    assert engine.events() == ["item_pickup"]
    assert sum("player_hurt" in r.message for r in caplog.records) == 1


def test_beat_flash_follows_the_callback():
    engine = RecordingEngine()
    director, level = MusicDirector(engine), open_level()
    assert director.flash(director.beat_at_s, 0.2) == 0.0
    director.update(0.1, level, [])
    engine.callbacks["beat"][0](object())
    assert director.flash(director.beat_at_s, 0.2) == 1.0
    director.update(0.1, level, [])
    assert director.flash(director.beat_at_s, 0.2) == pytest.approx(0.5)


def test_cli_parses_the_demo_options():
    from engine.cli import build_parser

    args = build_parser("demo").parse_args(["demo", "--autoplay", "--seconds", "3", "--record", "a.wav", "--seed", "4"])
    assert (args.autoplay, args.seconds, args.record, args.screenshot, args.seed) == (True, 3.0, "a.wav", None, 4)


def test_no_display_means_headless(monkeypatch):
    from demo import command

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert command.has_display() is (not sys.platform.startswith("linux"))


# -- the whole game, headless, with the real engine ----------------------------------


def test_headless_autoplay_20_s(tmp_path, monkeypatch, capsys):
    try:
        from engine import MusicEngine  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"engine.MusicEngine is not importable yet: {exc}")
    from demo.game.main import SCORE_PATH

    if not SCORE_PATH.exists():
        pytest.skip(f"the demo score {SCORE_PATH} is not written yet")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    from demo.game.main import GameOptions, main

    wav_path, png_path = tmp_path / "dungeon.wav", tmp_path / "dungeon.png"
    report = main(GameOptions(seconds=20.0, autoplay=True, seed=1, record_path=str(wav_path), screenshot_path=str(png_path)))
    with capsys.disabled():
        print(f"\n[demo] 20 s autoplay: frame time p50 {report.frame_time_ms_p50} ms, p99 {report.frame_time_ms_p99} ms, "
              f"render p99 {report.render_ms_p99} ms; states {report.states}; events {report.events_posted}")
    assert report.frames == 20 * 60
    assert len(report.events_posted) >= 3, report.events_posted
    assert len({state for _, state in report.states}) >= 3, report.states
    with wave.open(str(wav_path)) as handle:
        assert handle.getnframes() == 20 * handle.getframerate()
    assert report.audio_peak > 0.01 and math.isfinite(report.audio_rms_dbfs)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_hud_shows_a_change_still_to_come():
    from types import SimpleNamespace

    pytest.importorskip("pygame")
    from demo.game.render import pending_text
    from engine.playback.plan import Pending

    snap = SimpleNamespace(state="danger", time_s=10.0, frame=480000, pending=None)
    assert pending_text(snap) == ""
    snap.pending = Pending("explore", "mysterious", 633600, 13.2)
    assert pending_text(snap) == "-> EXPLORE in 3.2 s"
