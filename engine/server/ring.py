"""RecordRing: a single-producer, single-consumer ring of fixed-size records in shared memory.

Layout at ``offset``: the count of records written (u64, written by the producer only),
on its own cache line the count of records read (u64, the consumer only), then
``capacity`` slots of one ``struct`` record each. Neither side ever waits for the
other: ``push`` on a full ring returns False (the caller counts the drop), ``pop_all``
on an empty one returns []. Each record carries its own sequence number as its first
field, written with the record before the count is bumped: a consumer that sees the
count before the record's bytes (a CPU that reorders stores) finds the wrong number
and leaves that record for its next call instead of reading a torn one.
"""

from __future__ import annotations

import struct

_COUNT = struct.Struct("<Q")
_LINE = 64   # bytes: keeps the two counters off each other's cache line


class RecordRing:
    """SPSC ring of ``fmt`` records (a little-endian ``struct`` format) in ``buf``."""

    def __init__(self, buf: memoryview, offset: int, fmt: str, capacity: int):
        if not fmt.startswith("<"):
            raise ValueError(f"ring record format {fmt!r} must be little-endian ('<...')")
        if capacity < 1:
            raise ValueError(f"ring capacity {capacity} must be >= 1")
        self._buf = buf
        self._record = struct.Struct("<Q" + fmt[1:])
        self._written_at = offset
        self._read_at = offset + _LINE
        self._slots_at = offset + 2 * _LINE
        self.capacity = capacity
        if offset + self.size_bytes(fmt, capacity) > len(buf):
            raise ValueError(f"ring of {capacity} records does not fit in {len(buf)} bytes at offset {offset}")

    @staticmethod
    def size_bytes(fmt: str, capacity: int) -> int:
        """Bytes a ring of ``capacity`` ``fmt`` records takes, counters included."""
        return 2 * _LINE + capacity * struct.calcsize("<Q" + fmt[1:])

    def _count(self, at: int) -> int:
        return _COUNT.unpack_from(self._buf, at)[0]

    def __len__(self) -> int:
        """Records written and not yet read."""
        return self._count(self._written_at) - self._count(self._read_at)

    def push(self, *values) -> bool:
        """Append one record (the producer side); False, and nothing written, when full."""
        written = self._count(self._written_at)
        if written - self._count(self._read_at) >= self.capacity:
            return False
        slot = self._slots_at + (written % self.capacity) * self._record.size
        self._record.pack_into(self._buf, slot, written, *values)
        _COUNT.pack_into(self._buf, self._written_at, written + 1)
        return True

    def pop_all(self, limit: int | None = None) -> list[tuple]:
        """Take the records written so far, oldest first, at most ``limit`` (the consumer side)."""
        read, written = self._count(self._read_at), self._count(self._written_at)
        if limit is not None:
            written = min(written, read + limit)
        out = []
        record, size, base = self._record, self._record.size, self._slots_at
        while read < written:
            values = record.unpack_from(self._buf, base + (read % self.capacity) * size)
            if values[0] != read:   # the count is visible before the record: take it next time
                break
            out.append(values[1:])
            read += 1
        _COUNT.pack_into(self._buf, self._read_at, read)
        return out
