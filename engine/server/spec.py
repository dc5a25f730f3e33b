"""EngineSpec: the plain data the engine process rebuilds the engine from.

No engine object crosses between processes: the game sends this as one JSON line (its
engine's session header: the score, model and SoundFont files and the ``EngineConfig``
as a session records them; the output, the shared link's path and layout, the name
tables), and the engine process loads everything itself, as a replay does.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from engine.server.link import LinkLayout
from engine.session import SessionHeader


@dataclass(frozen=True)
class EngineSpec:
    """What the engine process needs: ``header`` is the session header of the game's
    engine (``SessionHeader.to_json()``), ``strict`` the one setting a header does not
    record, ``record`` the session file to write, ``output`` the live output to open
    with its ``options``, ``refill_blocks`` how often its render thread wakes (None: the
    stream's default; a waiting call wakes it at the next block anyway),
    ``publish_period_s`` how often it refreshes the snapshot (30 Hz: on the render
    thread, a publish costs 150-270 us)."""

    header: dict
    output: str
    link_path: str
    options: dict = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)
    strict: bool = False
    record: str | None = None
    layout: LinkLayout = field(default_factory=LinkLayout)
    refill_blocks: int | None = None
    publish_period_s: float = 1 / 30
    log_level: int = 30

    def to_json(self) -> str:
        """One line of JSON; ValueError when an option is not plain data."""
        try:
            return json.dumps(dataclasses.asdict(self))
        except TypeError as exc:
            raise ValueError(f"output {self.output!r}: the options {self.options!r} must be plain data "
                             f"(numbers, strings) to reach the engine process ({exc})") from None

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
        """``MusicEngine.load`` arguments: the score's path first, then keywords."""
        header = SessionHeader.from_json(self.header)
        config = dataclasses.replace(header.config, strict=self.strict)
        return {"score": header.score, "soundfont": header.soundfont, "model": header.model, "config": config,
                "record": self.record}
