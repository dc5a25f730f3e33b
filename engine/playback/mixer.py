"""Layer gains as CC 11 (expression) automation: piecewise-linear curves in frames.

Each music channel has a gain curve (vertical layering) and all of them share a duck
curve (stingers dip the music under them). The player asks ``events(start, end)`` for
each block and gets CC 11 messages on a fine grid (every ``GAIN_STEP_FRAMES`` frames,
only where the 0..127 value changes), so a fade is a staircase of steps of one unit:
FluidSynth smooths each step over its 64-frame block, and no step clicks.
"""

from __future__ import annotations

import bisect

from engine.music.events import TimedEvent, control

EXPRESSION = 11
GAIN_STEP_FRAMES = 64
"""CC 11 is re-evaluated on this grid of absolute frames (FluidSynth's block)."""


class GainCurve:
    """A piecewise-linear gain over frames: breakpoints (frame, value); flat past the last."""

    __slots__ = ("_frames", "_values", "revision")

    def __init__(self, value: float = 1.0):
        self._frames: list[int] = [0]
        self._values: list[float] = [float(value)]
        self.revision = 0      # bumped by every change

    def next_change(self, frame: int) -> float:
        """The first breakpoint after ``frame`` (inf when the curve is flat from there)."""
        i = bisect.bisect_right(self._frames, frame)
        return self._frames[i] if i < len(self._frames) else float("inf")

    def value_at(self, frame: int) -> float:
        i = bisect.bisect_right(self._frames, frame) - 1
        if i < 0:
            return self._values[0]
        if i + 1 >= len(self._frames):
            return self._values[i]
        f0, f1 = self._frames[i], self._frames[i + 1]
        v0, v1 = self._values[i], self._values[i + 1]
        return v0 + (v1 - v0) * (frame - f0) / (f1 - f0)

    def flat_over(self, start_frame: int, end_frame: int) -> float | None:
        """The curve's value if it is constant over ``start_frame..end_frame-1``, else None."""
        frames, values = self._frames, self._values
        i = max(0, bisect.bisect_right(frames, start_frame) - 1)
        if i + 1 >= len(frames):
            return values[i]
        if frames[i + 1] >= end_frame and values[i] == values[i + 1]:
            return values[i]
        return None

    def ramp(self, start_frame: int, target: float, fade_frames: int) -> None:
        """From ``start_frame`` glide from the current value to ``target`` over
        ``fade_frames`` (0: a step), replacing whatever the curve did after it."""
        self.revision += 1
        start = self.value_at(start_frame)
        cut = bisect.bisect_left(self._frames, start_frame)
        del self._frames[cut:], self._values[cut:]
        self._frames.append(start_frame)
        self._values.append(start)
        if fade_frames > 0:
            self._frames.append(start_frame + fade_frames)
            self._values.append(float(target))
        else:
            self._values[-1] = float(target)

    def dip(self, start_frame: int, level: float, attack_frames: int, hold_frames: int, release_frames: int) -> None:
        """Down to ``level`` x the current value, hold, and back: a duck envelope."""
        base = self.value_at(start_frame)
        self.ramp(start_frame, base * level, attack_frames)
        self.ramp(start_frame + attack_frames + hold_frames, base, release_frames)

    def forget_before(self, frame: int) -> None:
        """Drop breakpoints no longer needed to evaluate at ``frame`` or later."""
        i = bisect.bisect_right(self._frames, frame) - 1
        if i > 0:
            del self._frames[:i], self._values[:i]


class Mixer:
    """Per-channel gain curves and a shared duck curve, rendered as CC 11 events."""

    def __init__(self, channels: dict[str, int], gains: dict[str, float] | None = None):
        self.channels = dict(channels)
        gains = gains or {}
        self.curves = {layer: GainCurve(gains.get(layer, 0.0)) for layer in self.channels}
        self.duck = GainCurve(1.0)
        self._sent: dict[int, int] = {}   # channel -> last CC 11 value sent
        self._quiet: tuple[float, tuple[int, ...]] = (0, ())   # no event before (frame, at revisions)

    def set_gains(self, start_frame: int, gains: dict[str, float], fade_frames: int) -> None:
        for layer, target in gains.items():
            if layer in self.curves:
                self.curves[layer].ramp(start_frame, target, fade_frames)

    def gain_at(self, layer: str, frame: int) -> float:
        return self.curves[layer].value_at(frame) * self.duck.value_at(frame)

    def events(self, start_frame: int, end_frame: int) -> list[TimedEvent]:
        """CC 11 changes for frames start..end-1, on the absolute GAIN_STEP_FRAMES grid
        (plus ``start_frame`` itself, so a fresh synth learns every value at once)."""
        curves = (self.duck, *self.curves.values())
        revisions = tuple(c.revision for c in curves)
        if end_frame <= self._quiet[0] and revisions == self._quiet[1]:
            return []   # most blocks: every gain flat and already sent
        out: list[TimedEvent] = []
        first = -(-start_frame // GAIN_STEP_FRAMES) * GAIN_STEP_FRAMES
        duck = self.duck.flat_over(start_frame, end_frame)
        all_flat = duck is not None
        for layer, curve in self.curves.items():
            channel = self.channels[layer]
            flat = curve.flat_over(start_frame, end_frame) if duck is not None else None
            if flat is not None:   # most blocks: one value, sent once when it changes
                value = _cc(flat * duck)
                if self._sent.get(channel) != value:
                    self._sent[channel] = value
                    out.append(TimedEvent(start_frame, control(channel, EXPRESSION, value)))
                continue
            all_flat = False
            frames = range(first, end_frame, GAIN_STEP_FRAMES)
            for frame in (start_frame, *frames) if first != start_frame else frames:
                value = _cc(curve.value_at(frame) * self.duck.value_at(frame))
                if self._sent.get(channel) != value:
                    self._sent[channel] = value
                    out.append(TimedEvent(frame, control(channel, EXPRESSION, value)))
        if all_flat:   # then every gain holds its value up to the next breakpoint
            self._quiet = (min(c.next_change(start_frame) for c in curves), revisions)
        return out

    def forget_before(self, frame: int) -> None:
        for curve in self.curves.values():
            curve.forget_before(frame)
        self.duck.forget_before(frame)


def _cc(gain: float) -> int:
    return max(0, min(127, round(127.0 * gain)))
