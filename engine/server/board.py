"""Shared state the engine process publishes and the game reads without a round trip.

``Counters``: named u64 slots, each written by one thread of the engine process (the
heard frame, underruns, late reads, calls applied, ...); a read is one 8-byte load.
``LatencyHistogram``: call-to-applied latencies in bins of ``BIN_US`` microseconds,
counted by the render thread. ``SnapshotBoard``: the latest snapshot as JSON bytes
under a seqlock: the writer makes the version odd, writes, makes it even again; a
reader copies the bytes and keeps them only when the version was even and unchanged
around the copy, so it never blocks the writer and never sees half a snapshot.
"""

from __future__ import annotations

import struct

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")

COUNTERS = ("heard_frame", "underruns", "late_reads", "late_read_worst_us", "calls_applied", "cues_dropped",
            "cpu_ns", "render_cpu_ns", "composer_cpu_ns", "device_cpu_ns")
BIN_US = 50
BINS = 1024             # 0 .. 51.2 ms; the last bin holds everything slower
SNAPSHOT_BYTES = 16384
_READ_TRIES = 100


class Counters:
    """Named u64 counters at ``offset`` in ``buf``."""

    def __init__(self, buf: memoryview, offset: int):
        self._buf = buf
        self._at = {name: offset + 8 * i for i, name in enumerate(COUNTERS)}

    @staticmethod
    def size_bytes() -> int:
        return 8 * len(COUNTERS)

    def get(self, name: str) -> int:
        return _U64.unpack_from(self._buf, self._at[name])[0]

    def set(self, name: str, value: int) -> None:
        _U64.pack_into(self._buf, self._at[name], max(0, int(value)))

    def add(self, name: str, amount: int = 1) -> None:
        """Only for a counter one thread alone writes."""
        self.set(name, self.get(name) + amount)

    def as_dict(self) -> dict[str, int]:
        return {name: self.get(name) for name in COUNTERS}


class LatencyHistogram:
    """Counts of latencies in ``BIN_US`` bins at ``offset``; one writer."""

    def __init__(self, buf: memoryview, offset: int):
        self._buf = buf
        self._offset = offset

    @staticmethod
    def size_bytes() -> int:
        return 4 * BINS

    def add(self, latency_ns: int) -> None:
        at = self._offset + 4 * min(BINS - 1, max(0, latency_ns) // (BIN_US * 1000))
        _U32.pack_into(self._buf, at, _U32.unpack_from(self._buf, at)[0] + 1)

    def counts(self) -> list[int]:
        return [_U32.unpack_from(self._buf, self._offset + 4 * i)[0] for i in range(BINS)]

    def percentile_ms(self, q: float) -> float | None:
        """The upper edge of the bin holding the ``q``-th percentile (None: nothing counted)."""
        counts = self.counts()
        total = sum(counts)
        if total == 0:
            return None
        rank, seen = q / 100.0 * total, 0
        for i, count in enumerate(counts):
            seen += count
            if seen >= rank and count:
                return (i + 1) * BIN_US / 1000.0
        return BINS * BIN_US / 1000.0


class SnapshotBoard:
    """The latest snapshot (bytes) at ``offset``, under a seqlock; one writer."""

    def __init__(self, buf: memoryview, offset: int):
        self._buf = buf
        self._version_at = offset
        self._length_at = offset + 8
        self._data_at = offset + 16
        self._last = b""

    @staticmethod
    def size_bytes() -> int:
        return 16 + SNAPSHOT_BYTES

    def publish(self, data: bytes) -> bool:
        """Replace the snapshot; False (nothing written) when ``data`` is too big."""
        if len(data) > SNAPSHOT_BYTES:
            return False
        version = _U64.unpack_from(self._buf, self._version_at)[0]
        _U64.pack_into(self._buf, self._version_at, version + 1)     # odd: writing
        _U64.pack_into(self._buf, self._length_at, len(data))
        self._buf[self._data_at:self._data_at + len(data)] = data
        _U64.pack_into(self._buf, self._version_at, version + 2)     # even: done
        return True

    def read(self) -> bytes:
        """The latest whole snapshot (b"" before the first); never waits for the writer:
        after ``_READ_TRIES`` torn copies it returns the last whole one it read."""
        for _ in range(_READ_TRIES):
            before = _U64.unpack_from(self._buf, self._version_at)[0]
            if before % 2:
                continue
            length = min(_U64.unpack_from(self._buf, self._length_at)[0], SNAPSHOT_BYTES)
            data = bytes(self._buf[self._data_at:self._data_at + length])
            if _U64.unpack_from(self._buf, self._version_at)[0] == before:
                self._last = data
                return data
        return self._last
