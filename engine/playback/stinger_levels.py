"""Where stingers sit in the mix: a little above the music's target, whatever the leveller does.

Stingers are loud as written: a generated arpeggio at velocity 105 and an authored
brass hit measured -15 and -10.6 LUFS alone, which over a hiding pad at -26 LUFS is a
blast, and the leveller's gain (which lifts quiet music) would lift them with it.
``StingerLevels`` trims each stinger (CC 11 on the stinger channel, set with its first
note) so that it plays ``stinger_over_lu`` above the target of the music it lands in
(``engine.playback.leveller.target_lufs``), the gain it is rendered at taken off. A
stinger's own loudness is learned when it plays: the power of the chunks it spans,
less the gain and trim they were rendered at (the ducked music under it counts too, a
little); until then it is taken to be ``stinger_default_lufs``. The trim is never
above 0 dB: a stinger is turned down to its place, never up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.playback.kweighting import lufs
from engine.playback.leveller import LevelConfig


@dataclass(slots=True)
class Span:
    """Stinger ``name`` on ``channel`` from ``start_frame`` to ``end_frame``; its
    ``trim_db`` is set when it starts (None before), and ``powers`` are what was heard."""

    name: str
    channel: int
    start_frame: int
    end_frame: int
    trim_db: float | None = None
    powers: list[float] = field(default_factory=list)


class StingerLevels:
    """Learns stingers' loudness and says how far to trim each; see the module docstring."""

    def __init__(self, config: LevelConfig = LevelConfig()):
        self.config = config
        self.loudness: dict[str, float] = {}
        self._spans: list[Span] = []

    def trim_db(self, name: str, target_lufs: float, gain_db: float) -> float:
        """The trim (dB, <= 0) for stinger ``name`` over music of ``target_lufs`` played at ``gain_db``."""
        own = self.loudness.get(name, self.config.stinger_default_lufs)
        return max(-40.0, min(0.0, target_lufs + self.config.stinger_over_lu - own - gain_db))

    def coming(self, name: str, channel: int, start_frame: int, end_frame: int) -> None:
        """Stinger ``name`` will sound on ``channel`` from ``start_frame`` to ``end_frame``."""
        self._spans.append(Span(name, channel, start_frame, max(end_frame, start_frame + 1)))

    def starting(self, start_frame: int, end_frame: int) -> list[Span]:
        """The stingers that start in ``start_frame``..``end_frame`` - 1, their trims not set yet."""
        return [span for span in self._spans if span.trim_db is None and start_frame <= span.start_frame < end_frame]

    def sounding(self, frame: int) -> bool:
        """Whether a stinger sounds at ``frame`` (a chunk's first frame: what holds it
        does not depend on when in the chunk before it the stinger was asked for)."""
        return any(span.start_frame <= frame < span.end_frame for span in self._spans)

    def measure(self, start_frame: int, end_frame: int, power: float, gain_db: float) -> None:
        """The power of the chunk ``start_frame``..``end_frame`` rendered at ``gain_db``:
        learn from it for the stinger sounding there; close the spans it completes."""
        for span in self._spans:
            if span.trim_db is not None and span.start_frame <= start_frame and end_frame <= span.end_frame:
                span.powers.append(power / 10.0 ** ((gain_db + span.trim_db) / 10.0))
        for span in [s for s in self._spans if end_frame >= s.end_frame]:
            if span.powers:
                self.loudness[span.name] = lufs(sum(span.powers) / len(span.powers))
            self._spans.remove(span)

    def forget(self) -> None:
        """A stop: the stingers still sounding are not learned from."""
        self._spans.clear()
