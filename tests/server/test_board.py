"""Counters, the latency histogram and the seqlocked snapshot board."""

from __future__ import annotations

import struct

from engine.server.board import BIN_US, COUNTERS, SNAPSHOT_BYTES, Counters, LatencyHistogram, SnapshotBoard


def buffer(size: int) -> memoryview:
    return memoryview(bytearray(size))


def test_counters_are_named_slots():
    counters = Counters(buffer(8 + Counters.size_bytes()), 8)
    counters.set("heard_frame", 48000)
    counters.add("calls_applied", 3)
    counters.add("calls_applied")
    counters.set("underruns", -5)   # never negative
    assert counters.get("heard_frame") == 48000
    assert counters.as_dict() == {**dict.fromkeys(COUNTERS, 0), "heard_frame": 48000, "calls_applied": 4}


def test_latency_percentiles_are_bin_upper_edges():
    histogram = LatencyHistogram(buffer(LatencyHistogram.size_bytes()), 0)
    assert histogram.percentile_ms(99) is None
    for _ in range(98):
        histogram.add(1_000_000)          # 1 ms
    histogram.add(5_000_000)              # 5 ms
    histogram.add(10**12)                 # off the scale: the last bin
    histogram.add(-3)                     # a clock step backwards: the first bin
    assert histogram.percentile_ms(50) == (1000 // BIN_US + 1) * BIN_US / 1000
    assert histogram.percentile_ms(99) == (5000 // BIN_US + 1) * BIN_US / 1000
    assert histogram.percentile_ms(100) == 51.2


def test_the_board_returns_the_latest_whole_snapshot():
    board = SnapshotBoard(buffer(SnapshotBoard.size_bytes()), 0)
    assert board.read() == b""
    assert board.publish(b'{"bar": 1}')
    assert board.publish(b'{"bar": 2, "beat": 3}')
    assert board.read() == b'{"bar": 2, "beat": 3}'
    assert not board.publish(b"x" * (SNAPSHOT_BYTES + 1))
    assert board.read() == b'{"bar": 2, "beat": 3}'


def test_a_reader_never_takes_a_snapshot_being_written():
    buf = buffer(SnapshotBoard.size_bytes())
    writer, reader = SnapshotBoard(buf, 0), SnapshotBoard(buf, 0)
    writer.publish(b"first")
    assert reader.read() == b"first"
    writer.publish(b"second")
    version = struct.unpack_from("<Q", buf, 0)[0]
    struct.pack_into("<Q", buf, 0, version + 1)          # the writer is half-way through
    assert reader.read() == b"first"                   # the last whole one, without waiting
    struct.pack_into("<Q", buf, 0, version + 2)
    assert reader.read() == b"second"
