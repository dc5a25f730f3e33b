"""EngineLink: everything the game and the engine process share, laid out in one region.

In order: a magic word, the counters, the latency histogram, the snapshot board, the
call ring (game -> engine) and the cue ring (engine -> game). Both processes build
the same layout from the same ``LinkLayout``; the game creates the region, the engine
process attaches to it by path.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from engine.server.board import Counters, LatencyHistogram, SnapshotBoard
from engine.server.region import SharedRegion
from engine.server.ring import RecordRing
from engine.server.wire import CALL_FORMAT, CUE_FORMAT

MAGIC = 0x6D6F6F64   # "mood"
_HEADER = struct.Struct("<Q")
_ALIGN = 64


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


@dataclass(frozen=True, slots=True)
class LinkLayout:
    """How many calls and cues the rings hold (the game drops calls only when the
    engine has stopped reading for ``call_capacity`` calls; the engine drops cues only
    when the game has not polled for ``cue_capacity`` cues, about 20 minutes of beats)."""

    call_capacity: int = 4096
    cue_capacity: int = 4096

    def offsets(self) -> dict[str, int]:
        sizes = {"header": _HEADER.size, "counters": Counters.size_bytes(),
                 "latency": LatencyHistogram.size_bytes(), "snapshot": SnapshotBoard.size_bytes(),
                 "calls": RecordRing.size_bytes(CALL_FORMAT, self.call_capacity),
                 "cues": RecordRing.size_bytes(CUE_FORMAT, self.cue_capacity)}
        offsets, at = {}, 0
        for name, size in sizes.items():
            offsets[name] = at
            at = _aligned(at + size)
        offsets["end"] = at
        return offsets

    @property
    def size_bytes(self) -> int:
        return self.offsets()["end"]


class EngineLink:
    """The shared region and the channels over it."""

    def __init__(self, region: SharedRegion, layout: LinkLayout):
        self.region, self.layout = region, layout
        at, buf = layout.offsets(), region.buf
        self.counters = Counters(buf, at["counters"])
        self.latency = LatencyHistogram(buf, at["latency"])
        self.snapshots = SnapshotBoard(buf, at["snapshot"])
        self.calls = RecordRing(buf, at["calls"], CALL_FORMAT, layout.call_capacity)
        self.cues = RecordRing(buf, at["cues"], CUE_FORMAT, layout.cue_capacity)

    @classmethod
    def create(cls, layout: LinkLayout = LinkLayout()) -> EngineLink:
        """The game's side: a new region, marked with the magic word."""
        region = SharedRegion.create(layout.size_bytes)
        _HEADER.pack_into(region.buf, 0, MAGIC)
        return cls(region, layout)

    @classmethod
    def attach(cls, path: str, layout: LinkLayout) -> EngineLink:
        """The engine process's side; ValueError when ``path`` is not a link of this layout."""
        region = SharedRegion.attach(path, layout.size_bytes)
        if _HEADER.unpack_from(region.buf, 0)[0] != MAGIC:
            region.close()
            raise ValueError(f"{path}: not a moodscore engine link")
        return cls(region, layout)

    @property
    def path(self) -> str:
        return self.region.path

    def close(self) -> None:
        self.region.close()
