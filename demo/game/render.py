"""Drawing the dungeon: ``load_*`` helpers build surfaces once, ``draw_*`` paint one frame.

Everything that moves with the music reads the director's flash times, which are
set by the engine's callbacks when a beat is heard, so the floor glows and the gems
flare on the beat you hear, not on the beat the composer wrote.
"""

from __future__ import annotations

import math
import random

import pygame

from demo.game import world
from demo.game.music import MusicDirector

HUD_H_PX = 96
SCREEN_W_PX, SCREEN_H_PX = world.ARENA_W_PX, world.ARENA_H_PX + HUD_H_PX

FLOOR = (38, 36, 48)
WALL = (78, 70, 92)
WALL_TOP = (112, 102, 130)
PLAYER = (120, 200, 255)
GEM = (90, 255, 200)
SLIME_IDLE = (110, 190, 90)
SLIME_CHASE = (235, 80, 70)
TEXT = (230, 228, 240)
DIM = (150, 146, 170)

STATE_COLOURS = (
    ("combat", (235, 70, 60)),
    ("victory", (250, 205, 80)),
    ("won", (250, 205, 80)),
    ("low", (150, 90, 210)),
    ("dark", (150, 90, 210)),
    ("danger", (240, 140, 60)),
    ("tension", (240, 140, 60)),
)
EXPLORE_COLOUR = (70, 190, 200)


def pending_text(snap) -> str:
    """What the HUD says of a transition requested and not heard yet: "-> COMBAT in 1.2 s"."""
    pending = getattr(snap, "pending", None)
    if pending is None:
        return ""
    return f"-> {pending.state.upper()} in {max(0.0, pending.time_s - snap.time_s):.1f} s"


def state_colour(state: str) -> tuple[int, int, int]:
    """The colour the HUD and the floor glow take for a music state, by its name."""
    for word, colour in STATE_COLOURS:
        if word in state:
            return colour
    return EXPLORE_COLOUR


def load_fonts() -> dict[str, pygame.font.Font]:
    return {"big": pygame.font.Font(None, 34), "hud": pygame.font.Font(None, 24), "small": pygame.font.Font(None, 19)}


def load_floor(tiles: world.TileMap, seed: int) -> pygame.Surface:
    """The level's static picture: flagstones with a little noise, walls with a lit top edge."""
    rng = random.Random(seed)
    surface = pygame.Surface((world.ARENA_W_PX, world.ARENA_H_PX))
    t = world.TILE_PX
    for row in range(world.ROWS):
        for col in range(world.COLS):
            rect = pygame.Rect(col * t, row * t, t, t)
            if tiles.is_wall(col, row):
                pygame.draw.rect(surface, WALL, rect)
                pygame.draw.rect(surface, WALL_TOP, (rect.x, rect.y, t, 6))
                pygame.draw.line(surface, FLOOR, (rect.x, rect.y + t // 2), (rect.right, rect.y + t // 2))
            else:
                shade = rng.randint(-5, 5) + (4 if (col + row) % 2 else 0)
                pygame.draw.rect(surface, tuple(max(0, c + shade) for c in FLOOR), rect)
                pygame.draw.rect(surface, (28, 26, 36), rect, 1)
    return surface


def load_glow(radius_px: int, colour: tuple[int, int, int], strength: float = 0.35) -> pygame.Surface:
    """A soft round glow on black, to be blitted with BLEND_RGB_ADD (which ignores alpha)."""
    surface = pygame.Surface((radius_px * 2, radius_px * 2))
    for i in range(radius_px, 0, -1):
        level = strength * (1 - i / radius_px) ** 2
        pygame.draw.circle(surface, tuple(int(c * level) for c in colour), (radius_px, radius_px), i)
    return surface


def load_darkness(light_radius_px: int, ambient: float = 0.45) -> pygame.Surface:
    """A torch light: white around the centre fading to ``ambient`` grey, twice the arena's size,
    blitted with BLEND_RGB_MULT centred on the player."""
    w, h = 2 * world.ARENA_W_PX, 2 * world.ARENA_H_PX
    surface = pygame.Surface((w, h))
    floor_level = int(255 * ambient)
    surface.fill((floor_level, floor_level, int(floor_level * 1.1)))
    for i in range(light_radius_px, 0, -2):
        level = int(floor_level + (255 - floor_level) * (1 - (i / light_radius_px) ** 2))
        pygame.draw.circle(surface, (level, level, min(255, int(level * 1.05))), (w // 2, h // 2), i)
    return surface


class Renderer:
    """Paints the arena and the HUD onto the screen; rebuilds the floor when the level changes."""

    def __init__(self, screen: pygame.Surface):
        self.screen = screen
        self.fonts = load_fonts()
        self.gem_glow = load_glow(24, GEM, 0.5)
        self.player_glow = load_glow(44, PLAYER, 0.25)
        self.floor: pygame.Surface | None = None
        self.floor_for: world.Level | None = None
        self.darkness = load_darkness(260)
        self.tint = pygame.Surface((world.ARENA_W_PX, world.ARENA_H_PX))

    def draw(self, level: world.Level, director: MusicDirector, snap, frame_stats: str) -> None:
        if self.floor_for is not level:
            self.floor, self.floor_for = load_floor(level.tiles, level.number * 31 + int(level.time_s)), level
        arena = self.screen.subsurface((0, HUD_H_PX, world.ARENA_W_PX, world.ARENA_H_PX))
        arena.blit(self.floor, (0, 0))
        player = level.player
        arena.blit(self.darkness, (player.x - world.ARENA_W_PX, player.y - world.ARENA_H_PX), special_flags=pygame.BLEND_RGB_MULT)
        self.draw_beat_glow(arena, director, getattr(snap, "state", ""))
        for gem in level.gems:
            if not gem.taken:
                self.draw_gem(arena, gem, director, level.time_s)
        for enemy in level.enemies:
            self.draw_enemy(arena, enemy, level.time_s)
        self.draw_player(arena, level.player, director)
        if level.won:
            self.draw_banner(arena, f"LEVEL {level.number} CLEARED", (250, 205, 80))
        self.draw_hud(level, director, snap, frame_stats)

    def draw_beat_glow(self, arena: pygame.Surface, director: MusicDirector, state: str) -> None:
        pulse = max(director.flash(director.beat_at_s, 0.25) * 0.5, director.flash(director.bar_at_s, 0.4))
        if pulse > 0.0:
            colour = state_colour(state)
            self.tint.fill(tuple(int(c * 0.16 * pulse) for c in colour))
            arena.blit(self.tint, (0, 0), special_flags=pygame.BLEND_RGB_ADD)

    def draw_gem(self, arena: pygame.Surface, gem: world.Gem, director: MusicDirector, time_s: float) -> None:
        flare = director.flash(director.beat_at_s, 0.3)
        size = gem.radius_px * (1.0 + 0.15 * math.sin(time_s * 4 + gem.phase) + 0.35 * flare)
        glow = self.gem_glow
        for _ in range(1 + (flare > 0.4)):
            arena.blit(glow, (gem.x - glow.get_width() / 2, gem.y - glow.get_height() / 2), special_flags=pygame.BLEND_RGB_ADD)
        points = [(gem.x, gem.y - size), (gem.x + size * 0.7, gem.y), (gem.x, gem.y + size), (gem.x - size * 0.7, gem.y)]
        pygame.draw.polygon(arena, GEM, points)
        pygame.draw.polygon(arena, (230, 255, 245), points, 2)

    def draw_enemy(self, arena: pygame.Surface, enemy: world.Enemy, time_s: float) -> None:
        colour = SLIME_CHASE if enemy.chasing else SLIME_IDLE
        if enemy.stunned_s > 0.0:
            colour = tuple(c // 2 + 60 for c in colour)
        squash = 1.0 + 0.12 * math.sin(time_s * (10 if enemy.chasing else 4) + enemy.x * 0.05)
        r = enemy.radius_px
        body = pygame.Rect(0, 0, 2 * r * squash, 2 * r / squash)
        body.center = (round(enemy.x), round(enemy.y))
        pygame.draw.ellipse(arena, colour, body)
        for side in (-1, 1):
            pygame.draw.circle(arena, (250, 250, 250), (round(enemy.x + side * 4), round(enemy.y - 3)), 3)
            pygame.draw.circle(arena, (20, 20, 20), (round(enemy.x + side * 4), round(enemy.y - 3)), 1)
        if enemy.chasing:
            mark = self.fonts["hud"].render("!", True, SLIME_CHASE)
            arena.blit(mark, (enemy.x - mark.get_width() / 2, enemy.y - r - 20))

    def draw_player(self, arena: pygame.Surface, player: world.Player, director: MusicDirector) -> None:
        glow = self.player_glow
        arena.blit(glow, (player.x - glow.get_width() / 2, player.y - glow.get_height() / 2), special_flags=pygame.BLEND_RGB_ADD)
        if player.invulnerable_s > 0.0 and int(player.invulnerable_s * 12) % 2:
            return  # blink while invulnerable
        centre = (round(player.x), round(player.y))
        pygame.draw.circle(arena, PLAYER, centre, int(player.radius_px))
        pygame.draw.circle(arena, (240, 250, 255), centre, int(player.radius_px), 2)
        fx, fy = player.facing
        pygame.draw.circle(arena, (20, 40, 60), (round(player.x + fx * 5), round(player.y + fy * 5)), 3)

    def draw_banner(self, arena: pygame.Surface, text: str, colour: tuple[int, int, int]) -> None:
        label = self.fonts["big"].render(text, True, colour)
        box = label.get_rect(center=(world.ARENA_W_PX // 2, world.ARENA_H_PX // 2)).inflate(40, 24)
        pygame.draw.rect(arena, (20, 18, 28), box, border_radius=8)
        pygame.draw.rect(arena, colour, box, 2, border_radius=8)
        arena.blit(label, label.get_rect(center=box.center))

    def draw_hud(self, level: world.Level, director: MusicDirector, snap, frame_stats: str) -> None:
        hud = self.screen.subsurface((0, 0, SCREEN_W_PX, HUD_H_PX))
        hud.fill((18, 16, 26))
        pygame.draw.line(hud, (60, 56, 80), (0, HUD_H_PX - 1), (SCREEN_W_PX, HUD_H_PX - 1))
        state = str(getattr(snap, "state", "?"))
        colour = state_colour(state)
        self.draw_pulse(hud, director, snap, colour)
        big, small = self.fonts["hud"], self.fonts["small"]
        music = f"{state.upper()}   mood {getattr(snap, 'mood', '?')}   {getattr(snap, 'tempo_bpm', 0):.0f} bpm   bar {getattr(snap, 'bar', 0) + 1}  beat {getattr(snap, 'beat', 0) + 1}"
        hud.blit(big.render(music, True, colour), (84, 10))
        coming = pending_text(snap)
        if coming:
            hud.blit(small.render(coming, True, state_colour(snap.pending.state)), (SCREEN_W_PX - 220, 14))
        params = getattr(snap, "parameters", {}) or {}
        self.draw_meter(hud, (84, 36), "intensity", float(getattr(snap, "intensity", 0.0)), colour)
        self.draw_meter(hud, (264, 36), "danger", float(params.get("danger", director.danger)), (240, 140, 60))
        self.draw_meter(hud, (444, 36), "health", level.player.health_fraction, (90, 220, 120) if not director.low_health else (150, 90, 210))
        game = f"level {level.number}   gems {len(level.gems) - level.gems_left}/{len(level.gems)}"
        hud.blit(small.render(game, True, TEXT), (624, 38))
        recent = "  ".join(name for at_s, name in director.recent if director.time_s - at_s < 4.0)
        hud.blit(small.render(recent, True, DIM), (84, 58))
        debug = f"latency {getattr(snap, 'latency_ms', 0.0):.1f} ms   underruns {getattr(snap, 'underruns', 0)}   {frame_stats}"
        hud.blit(small.render(debug, True, DIM), (84, 76))

    def draw_pulse(self, hud: pygame.Surface, director: MusicDirector, snap, colour) -> None:
        """The metronome: a disc that swells on every beat heard, harder on the bar line."""
        beat = director.flash(director.beat_at_s, 0.2)
        bar = director.flash(director.bar_at_s, 0.35)
        radius = 16 + 10 * max(beat * 0.6, bar)
        pygame.draw.circle(hud, tuple(int(c * (0.35 + 0.65 * max(beat, bar))) for c in colour), (40, 40), int(radius))
        beat_index = int(getattr(snap, "beat", 0) or 0)  # 0-based, like the engine's cues
        meter = str(getattr(snap, "meter", "4/4"))
        beats_per_bar = int(meter.split("/")[0]) if meter.split("/")[0].isdigit() else 4
        for i in range(min(beats_per_bar, 6)):
            lit = i == beat_index
            pygame.draw.circle(hud, colour if lit else (60, 56, 80), (22 + i * 12, 82), 4)

    def draw_meter(self, hud: pygame.Surface, at: tuple[int, int], label: str, value: float, colour) -> None:
        x, y = at
        hud.blit(self.fonts["small"].render(label, True, DIM), (x, y))
        pygame.draw.rect(hud, (50, 46, 64), (x + 64, y + 3, 100, 10), border_radius=3)
        pygame.draw.rect(hud, colour, (x + 64, y + 3, int(100 * min(1.0, max(0.0, value))), 10), border_radius=3)
