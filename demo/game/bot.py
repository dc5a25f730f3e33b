"""The autoplay bot: walks the tile grid to the nearest gem, runs from enemies when hurt.

It returns a direction the way the keyboard does, so the game cannot tell the two
apart. Deterministic: it reads the level and nothing else.
"""

from __future__ import annotations

import math
from collections import deque

from demo.game.world import TILE_PX, Level, cell_centre, cell_of, unit

FLEE_HEALTH = 0.4
FLEE_RADIUS_PX = 130.0


class Autopilot:
    """Steers the player: ``direction(level)`` is called once per frame."""

    def __init__(self) -> None:
        self.path: list[tuple[int, int]] = []
        self.goal: tuple[int, int] | None = None

    def direction(self, level: Level) -> tuple[float, float]:
        player = level.player
        threats = [e for e in level.enemies if e.distance_to(player.x, player.y) < FLEE_RADIUS_PX]
        if threats and player.health_fraction < FLEE_HEALTH:
            return self.flee(level, threats)
        return self.seek_gem(level)

    def flee(self, level: Level, threats) -> tuple[float, float]:
        player = level.player
        away_x = sum((player.x - e.x) / max(e.distance_to(player.x, player.y), 1.0) ** 2 for e in threats)
        away_y = sum((player.y - e.y) / max(e.distance_to(player.x, player.y), 1.0) ** 2 for e in threats)
        dx, dy = unit(away_x, away_y)
        # If the way out is a wall, slide along it: try the two perpendiculars.
        for cand in ((dx, dy), (-dy, dx), (dy, -dx)):
            if not level.tiles.circle_hits_wall(player.x + cand[0] * 6, player.y + cand[1] * 6, player.radius_px):
                return cand
        return dx, dy

    def seek_gem(self, level: Level) -> tuple[float, float]:
        player = level.player
        here = cell_of(player.x, player.y)
        goals = {cell_of(g.x, g.y) for g in level.gems if not g.taken}
        if not goals:
            return 0.0, 0.0
        if self.goal not in goals or not self.path or here not in self.path[:3]:
            self.path = shortest_path(level, here, goals)
            self.goal = self.path[-1] if self.path else None
        while len(self.path) > 1 and self.path[0] != here:
            self.path.pop(0)
        target = self.path[1] if len(self.path) > 1 else (self.path[0] if self.path else here)
        if target == here and self.goal:
            gem = min((g for g in level.gems if not g.taken), key=lambda g: math.hypot(g.x - player.x, g.y - player.y))
            return unit(gem.x - player.x, gem.y - player.y)
        tx, ty = cell_centre(target)
        return self.steer(player, tx, ty)

    @staticmethod
    def steer(player, tx: float, ty: float) -> tuple[float, float]:
        dx, dy = tx - player.x, ty - player.y
        # Centre on the corridor's axis before turning, so the body clears wall corners.
        if abs(dx) > TILE_PX / 2 and abs(dy) > 2:
            return unit(dx * 0.3, dy)
        if abs(dy) > TILE_PX / 2 and abs(dx) > 2:
            return unit(dx, dy * 0.3)
        return unit(dx, dy)


def shortest_path(level: Level, start: tuple[int, int], goals: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Breadth-first search over floor tiles from ``start`` to the nearest of ``goals``."""
    came_from: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell in goals:
            path = [cell]
            while came_from[path[-1]] is not None:
                path.append(came_from[path[-1]])
            return path[::-1]
        for nxt in level.tiles.neighbours(cell):
            if nxt not in came_from:
                came_from[nxt] = cell
                queue.append(nxt)
    return []
