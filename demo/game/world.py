"""The dungeon's rules: a tile map, the player, enemies, gems and a level.

Pure game logic, no pygame and no music: positions are floats in pixels, time is
passed in as ``dt_s``, randomness comes from a seeded ``random.Random``. A level's
``update`` returns what happened this step (``Happening`` names) and the music
director turns those into engine calls; the renderer only reads.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

TILE_PX = 32
COLS, ROWS = 24, 16
ARENA_W_PX, ARENA_H_PX = COLS * TILE_PX, ROWS * TILE_PX

PLAYER_RADIUS_PX = 10.0
PLAYER_SPEED_PX_S = 170.0
PLAYER_MAX_HEALTH = 100.0
HIT_DAMAGE = 14.0
INVULNERABLE_S = 0.8
REGEN_PER_S = 3.0
REGEN_DELAY_S = 3.0

ENEMY_RADIUS_PX = 11.0
ENEMY_WANDER_SPEED_PX_S = 55.0
ENEMY_CHASE_SPEED_PX_S = 115.0
ENEMY_SPOT_PX = 150.0
ENEMY_LOSE_PX = 230.0
ENEMY_STUN_S = 0.7
ENEMY_RECOIL_PX = 26.0

GEM_RADIUS_PX = 8.0
VICTORY_PAUSE_S = 4.0

# Names of what can happen in one step; the music director maps them to events.
GEM = "gem"
CONTACT = "contact"
HURT = "hurt"
SPOTTED = "spotted"
LOST = "lost"
WON = "won"
DIED = "died"


@dataclass(frozen=True, slots=True)
class LevelConfig:
    """How big level ``number`` is: more enemies and gems as the player goes down."""

    number: int
    gems: int
    enemies: int
    pillars: int

    @classmethod
    def for_level(cls, number: int) -> "LevelConfig":
        return cls(number=number, gems=min(6 + 2 * number, 14), enemies=min(1 + number, 6), pillars=min(6 + 2 * number, 16))


class TileMap:
    """Walls on a COLS x ROWS grid: a border, and pillars placed from the seed."""

    def __init__(self, walls: set[tuple[int, int]]):
        self.walls = frozenset(walls)

    @classmethod
    def generate(cls, rng: random.Random, pillars: int) -> "TileMap":
        walls = {(c, r) for c in range(COLS) for r in range(ROWS) if c in (0, COLS - 1) or r in (0, ROWS - 1)}
        centre = (COLS // 2, ROWS // 2)
        for _ in range(pillars):
            c, r = rng.randrange(2, COLS - 3), rng.randrange(2, ROWS - 3)
            horizontal = rng.random() < 0.5
            length = rng.randrange(1, 4)
            cells = [(c + i, r) if horizontal else (c, r + i) for i in range(length)]
            if any(abs(x - centre[0]) <= 1 and abs(y - centre[1]) <= 1 for x, y in cells):
                continue  # keep the spawn point open
            walls.update(cells)
        tiles = cls(walls)
        reachable = tiles.reachable_from(centre)
        # Wall off pockets the player could not reach, so nothing spawns inside one.
        walls.update((c, r) for c in range(COLS) for r in range(ROWS) if (c, r) not in reachable)
        return cls(walls)

    def is_wall(self, col: int, row: int) -> bool:
        return (col, row) in self.walls or not (0 <= col < COLS and 0 <= row < ROWS)

    def neighbours(self, cell: tuple[int, int]):
        c, r = cell
        for dc, dr in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            if not self.is_wall(c + dc, r + dr):
                yield (c + dc, r + dr)

    def reachable_from(self, start: tuple[int, int]) -> set[tuple[int, int]]:
        seen, queue = {start}, deque([start])
        while queue:
            for nxt in self.neighbours(queue.popleft()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def floor_cells(self) -> list[tuple[int, int]]:
        return [(c, r) for r in range(ROWS) for c in range(COLS) if not self.is_wall(c, r)]

    def circle_hits_wall(self, x: float, y: float, radius: float) -> bool:
        for col in range(int((x - radius) // TILE_PX), int((x + radius) // TILE_PX) + 1):
            for row in range(int((y - radius) // TILE_PX), int((y + radius) // TILE_PX) + 1):
                if self.is_wall(col, row):
                    nearest_x = min(max(x, col * TILE_PX), (col + 1) * TILE_PX)
                    nearest_y = min(max(y, row * TILE_PX), (row + 1) * TILE_PX)
                    if (x - nearest_x) ** 2 + (y - nearest_y) ** 2 < radius * radius:
                        return True
        return False

    def move_circle(self, x: float, y: float, radius: float, dx: float, dy: float) -> tuple[float, float, bool]:
        """Move a circle by (dx, dy), one axis at a time so it slides along walls; say if it was blocked."""
        blocked = False
        if dx and not self.circle_hits_wall(x + dx, y, radius):
            x += dx
        elif dx:
            blocked = True
        if dy and not self.circle_hits_wall(x, y + dy, radius):
            y += dy
        elif dy:
            blocked = True
        return x, y, blocked


def cell_centre(cell: tuple[int, int]) -> tuple[float, float]:
    return (cell[0] + 0.5) * TILE_PX, (cell[1] + 0.5) * TILE_PX


def cell_of(x: float, y: float) -> tuple[int, int]:
    return int(x // TILE_PX), int(y // TILE_PX)


def unit(dx: float, dy: float) -> tuple[float, float]:
    length = math.hypot(dx, dy)
    return (dx / length, dy / length) if length > 1e-9 else (0.0, 0.0)


class Player:
    """The hero: moves at a fixed speed, loses health on contact, then is briefly invulnerable."""

    def __init__(self, x: float, y: float):
        self.x, self.y = x, y
        self.radius_px = PLAYER_RADIUS_PX
        self.health = PLAYER_MAX_HEALTH
        self.invulnerable_s = 0.0
        self.since_hurt_s = REGEN_DELAY_S
        self.facing = (1.0, 0.0)

    @property
    def health_fraction(self) -> float:
        return self.health / PLAYER_MAX_HEALTH

    def update(self, dt_s: float, direction: tuple[float, float], tiles: TileMap) -> None:
        ux, uy = unit(*direction)
        if ux or uy:
            self.facing = (ux, uy)
        step = PLAYER_SPEED_PX_S * dt_s
        self.x, self.y, _ = tiles.move_circle(self.x, self.y, self.radius_px, ux * step, uy * step)
        self.invulnerable_s = max(0.0, self.invulnerable_s - dt_s)
        self.since_hurt_s += dt_s
        if self.since_hurt_s >= REGEN_DELAY_S:
            self.health = min(PLAYER_MAX_HEALTH, self.health + REGEN_PER_S * dt_s)

    def hurt(self, damage: float) -> bool:
        """Take ``damage`` unless still invulnerable from the last hit; say whether it landed."""
        if self.invulnerable_s > 0.0:
            return False
        self.health = max(0.0, self.health - damage)
        self.invulnerable_s = INVULNERABLE_S
        self.since_hurt_s = 0.0
        return True


class Enemy:
    """A slime: wanders, chases the player inside ENEMY_SPOT_PX, gives up beyond ENEMY_LOSE_PX."""

    def __init__(self, x: float, y: float, rng: random.Random):
        self.x, self.y = x, y
        self.radius_px = ENEMY_RADIUS_PX
        self.rng = rng
        self.chasing = False
        self.stunned_s = 0.0
        self.heading = unit(rng.uniform(-1, 1), rng.uniform(-1, 1))
        self.turn_in_s = rng.uniform(0.8, 2.0)

    def distance_to(self, x: float, y: float) -> float:
        return math.hypot(self.x - x, self.y - y)

    def update(self, dt_s: float, player: Player, tiles: TileMap) -> str | None:
        """Move one step; return SPOTTED or LOST when the enemy starts or stops chasing."""
        change = self.update_awareness(player)
        if self.stunned_s > 0.0:
            self.stunned_s = max(0.0, self.stunned_s - dt_s)
            return change
        if self.chasing:
            dx, dy = unit(player.x - self.x, player.y - self.y)
            step = ENEMY_CHASE_SPEED_PX_S * dt_s
        else:
            self.turn_in_s -= dt_s
            if self.turn_in_s <= 0.0:
                self.pick_heading()
            dx, dy = self.heading
            step = ENEMY_WANDER_SPEED_PX_S * dt_s
        self.x, self.y, blocked = tiles.move_circle(self.x, self.y, self.radius_px, dx * step, dy * step)
        if blocked and not self.chasing:
            self.pick_heading()
        return change

    def update_awareness(self, player: Player) -> str | None:
        distance = self.distance_to(player.x, player.y)
        if not self.chasing and distance < ENEMY_SPOT_PX:
            self.chasing = True
            return SPOTTED
        if self.chasing and distance > ENEMY_LOSE_PX:
            self.chasing = False
            return LOST
        return None

    def pick_heading(self) -> None:
        angle = self.rng.uniform(0.0, 2.0 * math.pi)
        self.heading = (math.cos(angle), math.sin(angle))
        self.turn_in_s = self.rng.uniform(0.8, 2.0)

    def recoil_from(self, player: Player, tiles: TileMap) -> None:
        dx, dy = unit(self.x - player.x, self.y - player.y)
        self.x, self.y, _ = tiles.move_circle(self.x, self.y, self.radius_px, dx * ENEMY_RECOIL_PX, dy * ENEMY_RECOIL_PX)
        self.stunned_s = ENEMY_STUN_S


class Gem:
    """A gem to collect; its ``phase`` only makes it shimmer out of step with the others."""

    def __init__(self, x: float, y: float, phase: float):
        self.x, self.y = x, y
        self.radius_px = GEM_RADIUS_PX
        self.phase = phase
        self.taken = False

    def touches(self, player: Player) -> bool:
        return math.hypot(self.x - player.x, self.y - player.y) < self.radius_px + player.radius_px


class Level:
    """One floor of the dungeon: its map, the player, enemies and gems, and the rules between them."""

    def __init__(self, number: int, seed: int):
        self.config = LevelConfig.for_level(number)
        self.rng = random.Random(seed * 1009 + number)
        self.tiles = TileMap.generate(self.rng, self.config.pillars)
        start = (COLS // 2, ROWS // 2)
        self.player = Player(*cell_centre(start))
        cells = [c for c in self.tiles.floor_cells() if c != start]
        self.rng.shuffle(cells)
        far = [c for c in cells if math.dist(cell_centre(c), cell_centre(start)) > 7 * TILE_PX]
        self.enemies = [Enemy(*cell_centre(c), self.rng) for c in far[: self.config.enemies]]
        taken = set(far[: self.config.enemies])
        gem_cells = [c for c in cells if c not in taken and math.dist(cell_centre(c), cell_centre(start)) > 2 * TILE_PX]
        self.gems = [Gem(*cell_centre(c), self.rng.uniform(0, 2 * math.pi)) for c in gem_cells[: self.config.gems]]
        self.time_s = 0.0
        self.won_at_s: float | None = None

    @property
    def number(self) -> int:
        return self.config.number

    @property
    def gems_left(self) -> int:
        return sum(not g.taken for g in self.gems)

    @property
    def won(self) -> bool:
        return self.won_at_s is not None

    @property
    def finished(self) -> bool:
        """True once the victory pause is over and the next level should start."""
        return self.won_at_s is not None and self.time_s - self.won_at_s >= VICTORY_PAUSE_S

    def nearest_enemy_px(self) -> float:
        return min((e.distance_to(self.player.x, self.player.y) for e in self.enemies), default=math.inf)

    def chasers(self) -> int:
        return sum(e.chasing for e in self.enemies)

    def update(self, dt_s: float, direction: tuple[float, float]) -> list[str]:
        """Advance the level by ``dt_s`` with the player pushing toward ``direction``; return the happenings."""
        self.time_s += dt_s
        if self.won:
            return []  # the victory pause: the world holds still while the music celebrates
        happenings: list[str] = []
        self.player.update(dt_s, direction, self.tiles)
        for enemy in self.enemies:
            change = enemy.update(dt_s, self.player, self.tiles)
            if change:
                happenings.append(change)
        happenings += self.resolve_contacts()
        happenings += self.collect_gems()
        if self.gems_left == 0:
            self.won_at_s = self.time_s
            happenings.append(WON)
        return happenings

    def resolve_contacts(self) -> list[str]:
        happenings = []
        for enemy in self.enemies:
            if enemy.distance_to(self.player.x, self.player.y) >= enemy.radius_px + self.player.radius_px:
                continue
            happenings.append(CONTACT)
            if self.player.hurt(HIT_DAMAGE):
                happenings.append(HURT)
                enemy.recoil_from(self.player, self.tiles)
                if self.player.health <= 0.0:
                    happenings.append(DIED)
        return happenings

    def collect_gems(self) -> list[str]:
        happenings = []
        for gem in self.gems:
            if not gem.taken and gem.touches(self.player):
                gem.taken = True
                happenings.append(GEM)
        return happenings


class Dungeon:
    """A run through the levels: starts the next one after a win, restarts the floor after a death."""

    def __init__(self, seed: int):
        self.seed = seed
        self.deaths = 0
        self.gems_total = 0
        self.level = Level(1, seed)

    def update(self, dt_s: float, direction: tuple[float, float]) -> list[str]:
        happenings = self.level.update(dt_s, direction)
        self.gems_total += happenings.count(GEM)
        if DIED in happenings:
            self.deaths += 1
            self.level = Level(self.level.number, self.seed + 7919 * self.deaths)
        elif self.level.finished:
            self.level = Level(self.level.number + 1, self.seed)
        return happenings
