"""RecordRing: a lock-free single-producer, single-consumer ring of struct records."""

from __future__ import annotations

import struct

import pytest

from engine.server.ring import RecordRing

FMT = "<qd"


def make_ring(capacity: int = 4) -> RecordRing:
    buf = memoryview(bytearray(RecordRing.size_bytes(FMT, capacity)))
    return RecordRing(buf, 0, FMT, capacity)


def test_records_come_out_in_order_and_once():
    ring = make_ring()
    assert ring.push(1, 0.5) and ring.push(2, -1.0)
    assert len(ring) == 2
    assert ring.pop_all() == [(1, 0.5), (2, -1.0)]
    assert ring.pop_all() == [] and len(ring) == 0


def test_a_full_ring_refuses_the_record_and_keeps_the_others():
    ring = make_ring(capacity=3)
    assert all(ring.push(i, 0.0) for i in range(3))
    assert not ring.push(99, 0.0)
    assert [r[0] for r in ring.pop_all()] == [0, 1, 2]


def test_the_ring_wraps_around_many_times():
    ring = make_ring(capacity=3)
    seen = []
    for i in range(100):
        assert ring.push(i, float(i))
        if i % 2:
            seen += [r[0] for r in ring.pop_all()]
    seen += [r[0] for r in ring.pop_all()]
    assert seen == list(range(100))


def test_pop_all_takes_at_most_limit():
    ring = make_ring()
    for i in range(4):
        ring.push(i, 0.0)
    assert [r[0] for r in ring.pop_all(limit=3)] == [0, 1, 2]
    assert [r[0] for r in ring.pop_all()] == [3]


def test_a_record_whose_bytes_are_not_there_yet_waits_for_the_next_pop():
    ring = make_ring(capacity=4)
    for i in range(4):                 # one whole lap: records 0..3
        ring.push(i, 0.0)
    ring.pop_all()
    ring.push(7, 0.0)                  # records 4 and 5, in slots 0 and 1
    ring.push(8, 0.0)
    # the count says 6, but slot 1 still holds record 1 of the old lap (a CPU that
    # made the count visible before the record's bytes): only record 4 comes out
    record = struct.Struct("<Q" + FMT[1:])
    slot_1 = 2 * 64 + record.size
    record.pack_into(ring._buf, slot_1, 1, 1, 0.0)
    assert ring.pop_all() == [(7, 0.0)]
    record.pack_into(ring._buf, slot_1, 5, 8, 0.0)
    assert ring.pop_all() == [(8, 0.0)]


def test_two_rings_share_one_buffer_without_overlap():
    size = RecordRing.size_bytes(FMT, 2)
    buf = memoryview(bytearray(2 * size))
    a, b = RecordRing(buf, 0, FMT, 2), RecordRing(buf, size, FMT, 2)
    a.push(1, 1.0)
    b.push(2, 2.0)
    assert a.pop_all() == [(1, 1.0)] and b.pop_all() == [(2, 2.0)]


@pytest.mark.parametrize("fmt, capacity, size, message", [
    (">qd", 4, 1000, "little-endian"), ("<qd", 0, 1000, "capacity"), ("<qd", 4, 100, "does not fit"),
])
def test_bad_rings_are_refused(fmt, capacity, size, message):
    with pytest.raises(ValueError, match=message):
        RecordRing(memoryview(bytearray(size)), 0, fmt, capacity)
