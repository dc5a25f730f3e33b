"""Re-render a recorded session (``MusicEngine(record=...)``) bit-identically: ``moodscore replay``.

A session file is JSON lines: a header (score, seed, sample rate, block size, model,
SoundFont), one line per game call with the frame at which the engine applied it, and
the frame at which it ended. Replaying builds the same engine, renders block by block
and applies each call at its frame, so the same bytes come out.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class SessionWriter:
    """Writes a session as JSON lines: a header, one line per applied call, the end frame."""

    def __init__(self, path: str | os.PathLike, header: dict):
        self._file = open(path, "w", encoding="utf-8")
        self._write({"moodscore_session": 1, **header})

    def _write(self, obj: dict) -> None:
        self._file.write(json.dumps(obj, sort_keys=True) + "\n")
        self._file.flush()

    def write(self, frame: int, call: str, args: tuple) -> None:
        self._write({"frame": int(frame), "call": call, "args": list(args)})

    def close(self, end_frame: int) -> None:
        self._write({"end_frame": int(end_frame)})
        self._file.close()


def read_session(path: str | os.PathLike) -> tuple[dict, list[dict], int]:
    """(header, calls, end_frame) of a session file; ValueError naming the line when broken."""
    from engine.input_files import read_text

    path = Path(path)
    lines = read_text(path, "session").splitlines()  # a regular file of at most 64 MiB, UTF-8
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
    if not records or records[0].get("moodscore_session") != 1:
        raise ValueError(f"{path}:1: not a moodscore session (no header line)")
    header, calls = records[0], [r for r in records[1:] if "call" in r]
    ends = [r["end_frame"] for r in records[1:] if "end_frame" in r]
    end = ends[-1] if ends else max((c["frame"] for c in calls), default=0)
    return header, calls, int(end)


def replay(path: str | os.PathLike, *, soundfont=None, model=None, sink=None) -> int:
    """Render the session at ``path``, passing each block to ``sink``; returns frames rendered.

    ``soundfont``/``model`` override the header's (None: as recorded)."""
    from engine.api import MusicEngine

    header, calls, end_frame = read_session(path)
    if not header.get("score"):
        raise ValueError(f"{path}: the session names no score file (its engine was built from a Score object)")
    engine = MusicEngine.load(
        header["score"], soundfont=soundfont or header.get("soundfont"), model=model or header.get("model"),
        seed=header["seed"], sample_rate_hz=header["sample_rate_hz"], block_frames=header["block_frames"],
        latency_blocks=header["latency_blocks"], lookahead_bars=header["lookahead_bars"],
        temperature=header.get("temperature", 1.0), top_p=header.get("top_p", 0.95))
    block = np.zeros((header["block_frames"], 2), dtype=np.float32)
    pending = sorted(calls, key=lambda c: c["frame"])  # stable: same-frame calls keep their order
    i = frame = 0
    with engine:
        while frame < end_frame:
            while i < len(pending) and pending[i]["frame"] <= frame:
                engine.apply(pending[i]["call"], tuple(pending[i]["args"]), frame)
                i += 1
            engine.render_block(block)
            if sink is not None:
                sink(block)
            frame += len(block)
    return frame


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import existing_file

    parser.add_argument("session", help="a session file written by MusicEngine(record=...)")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    parser.add_argument("--soundfont", type=existing_file("SoundFont"), help="SoundFont to use instead of the recorded one")


def run(args: argparse.Namespace) -> int:
    from engine.playback.wav import WavWriter

    header, _, _ = read_session(args.session)
    writer = WavWriter(args.output, header["sample_rate_hz"])
    try:
        frames = replay(args.session, soundfont=args.soundfont, sink=writer.write)
    finally:
        writer.close()
    print(f"wrote {args.output}: {frames / header['sample_rate_hz']:.1f} s")
    return 0
