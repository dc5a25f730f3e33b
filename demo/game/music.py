"""The music director: turns what happens in the dungeon into ``MusicEngine`` calls.

The game never talks to the engine anywhere else. Parameters (``danger`` from the
nearest enemy's distance, ``health``) are sent continuously but only when they have
moved; events are posted on the edges of what the game sees: combat starts on the
first contact and ends after ``COMBAT_END_S`` without one; ``enemy_spotted`` when the
first enemy starts chasing and ``enemy_lost`` when the last gives up; ``low_health``
once per dip below ``LOW_HEALTH`` and ``health_restored`` once back above
``HEALTH_RECOVERED``. The events are those of ``demo/scores/dungeon.yaml``. The engine's beat, bar, transition and stinger callbacks
arrive through ``engine.poll()`` at the moment they are heard and are kept here as
flash times for the renderer.
"""

from __future__ import annotations

import logging
from collections import Counter, deque

from demo.game import world

log = logging.getLogger(__name__)

DANGER_NEAR_PX = 40.0
DANGER_FAR_PX = 320.0
DANGER_SMOOTHING_S = 0.25
PARAMETER_STEP = 0.01
COMBAT_END_S = 3.0
LOW_HEALTH = 0.35
HEALTH_RECOVERED = 0.55

EVENT_FOR = {
    world.GEM: "item_pickup",
    world.HURT: "player_hurt",
}


def danger_from_distance(distance_px: float) -> float:
    """0 when the nearest enemy is DANGER_FAR_PX or more away, rising linearly to 1 at DANGER_NEAR_PX."""
    span = DANGER_FAR_PX - DANGER_NEAR_PX
    return min(1.0, max(0.0, (DANGER_FAR_PX - distance_px) / span))


class MusicDirector:
    """Owns the game's side of the conversation with one ``MusicEngine``."""

    def __init__(self, engine):
        self.engine = engine
        self.time_s = 0.0
        self.danger = 0.0
        self.sent: dict[str, float] = {}
        self.in_combat = False
        self.last_contact_s = 0.0
        self.low_health = False
        self.hunted = False
        self.events_posted: Counter[str] = Counter()
        self.rejected: set[str] = set()
        self.recent: deque[tuple[float, str]] = deque(maxlen=5)
        self.beat_at_s = -1.0
        self.bar_at_s = -1.0
        self.transition_at_s = -1.0
        self.stinger_at_s = -1.0
        self.last_beat = None
        engine.on_beat(self.heard_beat)
        engine.on_bar(self.heard_bar)
        engine.on_transition(self.heard_transition)
        engine.on_stinger(self.heard_stinger)

    # -- from the game -------------------------------------------------------------

    def update(self, dt_s: float, level: world.Level, happenings: list[str]) -> None:
        """Send this frame's parameters and events.

        The score's machine judges each event against the state it is heading for,
        so the order here is the order of cause: contacts and pickups first, then the
        end of a fight, then whether anything still hunts the player, then health.
        """
        self.time_s += dt_s
        self.update_parameters(dt_s, level)
        for happening in happenings:
            self.on_happening(happening, level)
        if self.in_combat and self.time_s - self.last_contact_s >= COMBAT_END_S:
            self.end_combat(level)
        self.update_hunt(level)
        self.update_health(level)

    def listen(self) -> None:
        """Have the engine deliver the beats, bars, transitions and stingers heard since last frame."""
        self.engine.poll()

    def update_parameters(self, dt_s: float, level: world.Level) -> None:
        target = 0.0 if level.won else danger_from_distance(level.nearest_enemy_px())
        blend = min(1.0, dt_s / DANGER_SMOOTHING_S)
        self.danger += (target - self.danger) * blend
        self.set_parameter("danger", self.danger)
        self.set_parameter("health", level.player.health_fraction)

    def on_happening(self, happening: str, level: world.Level) -> None:
        if happening == world.CONTACT:
            self.last_contact_s = self.time_s
            if not self.in_combat:
                self.in_combat = True
                self.post("combat_start")
        elif happening == world.WON:
            self.end_combat(level)
            self.post("level_won")
        elif happening == world.DIED:
            self.end_combat(level)
        elif happening in EVENT_FOR:
            self.post(EVENT_FOR[happening])

    def update_hunt(self, level: world.Level) -> None:
        """``enemy_spotted`` when the first enemy starts chasing, ``enemy_lost`` when the last gives up."""
        hunted = level.chasers() > 0
        if hunted != self.hunted:
            self.hunted = hunted
            self.post("enemy_spotted" if hunted else "enemy_lost")

    def update_health(self, level: world.Level) -> None:
        """``low_health`` once per dip below LOW_HEALTH; ``health_restored`` once back above HEALTH_RECOVERED."""
        health = level.player.health_fraction
        if not self.low_health and health < LOW_HEALTH:
            self.low_health = True
            self.post("low_health")
        elif self.low_health and health > HEALTH_RECOVERED:
            self.low_health = False
            self.post("health_restored")
            if self.in_combat:  # the score left combat for low health: take the fight back up
                self.post("combat_start")
            elif self.hunted:
                self.post("enemy_spotted")

    def end_combat(self, level: world.Level) -> None:
        if self.in_combat:
            self.in_combat = False
            self.post("combat_end")
            if level.chasers() == 0:  # combat_end leads to danger; an enemy_lost sent during the fight was ignored
                self.hunted = False
                self.post("enemy_lost")

    def set_parameter(self, name: str, value: float) -> None:
        value = round(min(1.0, max(0.0, value)), 3)
        if abs(self.sent.get(name, -1.0) - value) >= PARAMETER_STEP or (value in (0.0, 1.0) and self.sent.get(name) != value):
            self.sent[name] = value
            self.engine.set_parameter(name, value)

    def post(self, event: str, restated: bool = False) -> None:
        """Post ``event``; a score without it is the score's business, so warn once and carry on.
        ``restated`` events (see ``heard_transition``) are counted but not shown as news."""
        try:
            self.engine.post_event(event)
        except (KeyError, ValueError) as exc:
            if event not in self.rejected:
                self.rejected.add(event)
                log.warning("the score does not take %r: %s", event, exc)
            return
        self.events_posted[event] += 1
        if not restated:
            self.recent.append((self.time_s, event))

    # -- from the engine (delivered by poll, on this thread) -----------------------

    def heard_beat(self, cb) -> None:
        self.beat_at_s = self.time_s
        self.last_beat = cb

    def heard_bar(self, cb) -> None:
        self.bar_at_s = self.time_s

    def heard_transition(self, cb) -> None:
        """A state change is heard: restate what the game is in, for the score to take up or ignore.

        A timed state (victory) hands over to its ``then`` state on its own; if the player
        is hunted, fighting or hurt by then, the music should follow at once, not at the
        next edge of the game.
        """
        self.transition_at_s = self.time_s
        if self.in_combat:
            self.post("combat_start", restated=True)
        elif self.hunted:
            self.post("enemy_spotted", restated=True)
        if self.low_health:
            self.post("low_health", restated=True)

    def heard_stinger(self, cb) -> None:
        self.stinger_at_s = self.time_s

    def flash(self, at_s: float, decay_s: float) -> float:
        """1 at the moment of ``at_s``, fading linearly to 0 over ``decay_s``."""
        if at_s < 0.0:
            return 0.0
        return max(0.0, 1.0 - (self.time_s - at_s) / decay_s)
