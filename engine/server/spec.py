"""EngineSpec: the plain data the engine process rebuilds the engine from.

No engine object crosses between processes: the game sends this as one JSON line (the
score's path, the load arguments of the session header, the output, the shared link's
path and layout, the name tables), and the engine process loads everything itself.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from engine.server.link import LinkLayout

_LOAD_KEYS = ("soundfont", "model", "seed", "sample_rate_hz", "block_frames", "latency_blocks", "lookahead_bars",
              "temperature", "top_p")


@dataclass(frozen=True)
class EngineSpec:
    """What the engine process needs: ``header`` is the session header of the game's
    engine (score path, seed, rates, model, SoundFont, sampling), ``output`` the live
    output to open, ``refill_blocks`` how often its render thread wakes (1: every block,
    so a call waits at most one block period to be applied), ``publish_period_s`` how
    often it refreshes the snapshot (default: once per 60 fps game frame)."""

    header: dict
    output: str
    link_path: str
    names: dict[str, list[str]]
    strict: bool = False
    record: str | None = None
    layout: LinkLayout = field(default_factory=LinkLayout)
    refill_blocks: int = 1
    publish_period_s: float = 0.016
    log_level: int = 30

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> EngineSpec:
        """ValueError naming what is wrong when ``text`` is not a spec."""
        try:
            data = json.loads(text)
            data["layout"] = LinkLayout(**data["layout"])
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"engine process: the start line is not an engine spec ({exc})") from None

    def load_arguments(self) -> dict:
        """``MusicEngine.load`` keyword arguments (the score's path aside)."""
        args = {key: self.header[key] for key in _LOAD_KEYS if key in self.header}
        return {**args, "strict": self.strict, "record": self.record}
