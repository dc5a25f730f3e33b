"""Accents: what the music plays on a hit, landing exactly on the hit's frame.

The default accent is a cymbal and a low timpani stroke on the tonic, scaled by the
hit's ``accent`` (0..1): a splash under 0.5, a crash from there, and a bass drum
under it from 0.85. They play on channels of their own, outside the layer mixer,
so an accent sounds whatever layers the state lets in: the GM drum kit (bank 128)
on ``KIT_CHANNEL`` and timpani on ``TIMPANI_CHANNEL``.
"""

from __future__ import annotations

from engine.music.events import note_off, note_on, program
from engine.music.keys import Key
from engine.music.notes import PPQ
from engine.playback.conductor import SyncPoint
from engine.playback.stingers import Stinger

KIT_CHANNEL = 13
TIMPANI_CHANNEL = 14
DRUM_BANK = 128
TIMPANI = 47          # GM program, 0-based
CRASH, SPLASH, KICK = 49, 55, 36


def accent_velocity(accent: float) -> int:
    return max(1, min(127, round(44 + 50 * accent)))


def accent_stingers(name: str, accent: float, key: Key) -> list[Stinger]:
    """The stingers that sound hit ``name``'s accent: drum kit and timpani, from tick 0."""
    velocity = accent_velocity(accent)
    cymbal = SPLASH if accent < 0.5 else CRASH
    kit = [(0, program(KIT_CHANNEL, 0, DRUM_BANK)), (0, note_on(KIT_CHANNEL, cymbal, velocity)),
           (2 * PPQ, note_off(KIT_CHANNEL, cymbal))]
    if accent >= 0.85:
        kit += [(0, note_on(KIT_CHANNEL, KICK, velocity)), (PPQ // 2, note_off(KIT_CHANNEL, KICK))]
    pitch = 38 + (key.tonic_pc - 38) % 12        # the tonic in D2..C#3
    timpani = [(0, note_on(TIMPANI_CHANNEL, pitch, velocity)), (PPQ, note_off(TIMPANI_CHANNEL, pitch))]
    common = dict(sync=SyncPoint.IMMEDIATE, duck_gain=1.0, min_interval_s=0.0)
    return [Stinger(name=f"hit {name} kit", events=tuple(sorted(kit, key=_order)), channel=KIT_CHANNEL,
                    program=0, **common),
            Stinger(name=f"hit {name} timpani", events=tuple(sorted(timpani, key=_order)), channel=TIMPANI_CHANNEL,
                    program=TIMPANI, **common)]


def _order(item):
    tick, event = item
    return tick, int(event.kind)
