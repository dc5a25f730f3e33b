"""From a cutscene and its score to the tempo fit: which state rules when, and the hits.

The state in force follows the cutscene's ``state`` cues and the transitions its
``event`` cues take in the score (a timed state's ``then`` is not followed here).
A state with a tempo range may take any tempo in it and prefers its middle; a state
with one tempo may stray from it by the cutscene's ``tempo.leeway`` (10 % by
default), since hits at arbitrary times cannot all fall on one fixed tempo.
"""

from __future__ import annotations

import math

from engine.cutscene.fit import FitSettings, Hit, TempoFit, TempoZone, fit_tempo
from engine.cutscene.fit_errors import FitError, nearest_fit
from engine.cutscene.scene import Cutscene, EventCue, HitCue, StateCue
from engine.cutscene.timecode import format_timecode


def tempo_zone(state, start_s: float, leeway: float) -> TempoZone:
    """The tempo rules of a score ``State`` entered at ``start_s``."""
    if state.tempo_range_bpm is not None:
        lo, hi = state.tempo_range_bpm
        preferred = math.sqrt(lo * hi)
    else:
        preferred = state.tempo_bpm
        lo, hi = preferred * (1 - leeway), preferred * (1 + leeway)
    return TempoZone(start_s, state.name, state.meter, lo, hi, preferred, jump_in=state.tempo_ramp_bars == 0)


def state_changes(cutscene: Cutscene, score) -> list[tuple[float, str]]:
    """(time_s, state) each time the state in force changes, starting at 0."""
    changes: list[tuple[float, str]] = []
    current = None
    for cue in cutscene.cues:
        target = None
        if isinstance(cue, StateCue):
            target = cue.state
        elif isinstance(cue, EventCue) and current is not None:
            transition = score.events[cue.event].transition_from(current)
            target = transition.to_state if transition else None
        if target is None or target == current:
            continue
        if changes and changes[-1][0] == cue.time_s:
            changes.pop()  # two changes at one time: the later cue wins
        changes.append((cue.time_s, target))
        current = target
    return changes


def tempo_zones(cutscene: Cutscene, score) -> tuple[TempoZone, ...]:
    """The tempo rules in force over the cutscene, one zone per change of state."""
    return tuple(tempo_zone(score.states[name], time_s, cutscene.tempo_leeway)
                 for time_s, name in state_changes(cutscene, score))


def hit_points(cutscene: Cutscene) -> tuple[Hit, ...]:
    """The hits to fit: every hit cue, and an end with a cadence (its final downbeat)."""
    hits = [Hit(c.time_s, c.name, c.on_beat, c.timecode) for c in cutscene.hits]
    end = cutscene.end
    if end.cadence and all(h.time_s != end.time_s for h in hits):
        hits.append(Hit(end.time_s, "end", False, end.timecode))
    return tuple(hits)


def fit_cutscene(cutscene: Cutscene, score, sample_rate_hz: int = 48_000) -> TempoFit:
    """The tempo map for ``cutscene``: every hit on its bar line (or beat) to the frame.

    Raises ValueError starting with the cutscene's file name when the hits cannot
    all be met, naming two hits, the tempo they would need, the limit that binds
    (the state's tempo range or ``tempo.max_change_per_bar``) and the nearest
    picture frame the later hit could move to.
    """
    settings = FitSettings(max_change_per_bar=cutscene.max_change_per_bar, sample_rate_hz=sample_rate_hz)
    zones, hits = tempo_zones(cutscene, score), hit_points(cutscene)
    try:
        return fit_tempo(zones, hits, cutscene.length_s, settings, source=cutscene.source)
    except FitError as exc:
        def attempt(zones_, hits_, length_s):
            return fit_tempo(zones_, hits_, length_s, settings)

        hint = nearest_fit(attempt, zones, list(hits), cutscene.length_s, exc, cutscene.frame_rate, format_timecode)
        raise ValueError(f"{exc}. {hint}") from None
