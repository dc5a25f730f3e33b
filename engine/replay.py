"""Re-render a recorded session (``MusicEngine(record=...)``) bit-identically: ``moodscore replay``.

A session file (``engine.session``) is JSON lines: a header (score, model, SoundFont and
the ``EngineConfig``), one line per game call with the frame at which the engine
applied it, and the frame at which it ended. Replaying builds the same engine, renders
block by block and applies each call at its frame, so the same bytes come out.
"""

from __future__ import annotations

import argparse
import logging
import os

import numpy as np

from engine.session import read_session

log = logging.getLogger(__name__)


def replay(path: str | os.PathLike, *, soundfont=None, model=None, sink=None) -> int:
    """Render the session at ``path``, passing each block to ``sink``; returns frames rendered.

    ``soundfont``/``model`` override the header's (None: as recorded)."""
    from engine.api import MusicEngine

    session = read_session(path)
    header = session.header
    if not header.score:
        raise ValueError(f"{path}: the session names no score file (its engine was built from a Score object)")
    engine = MusicEngine.load(header.score, soundfont=soundfont or header.soundfont, model=model or header.model,
                              config=header.config)
    block = np.zeros((header.config.block_frames, 2), dtype=np.float32)
    pending = sorted(session.calls, key=lambda c: c.frame)  # stable: same-frame calls keep their order
    i = frame = 0
    with engine:
        while frame < session.end_frame:
            while i < len(pending) and pending[i].frame <= frame:
                engine.apply(pending[i].call, frame)
                i += 1
            engine.render_block(block)
            if sink is not None:
                sink(block)
            frame += len(block)
    return frame


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="a session file written by MusicEngine(record=...)")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    parser.add_argument("--soundfont", help="SoundFont to use instead of the recorded one")


def run(args: argparse.Namespace) -> int:
    from engine.playback.wav import WavWriter

    rate_hz = read_session(args.session).header.config.sample_rate_hz
    writer = WavWriter(args.output, rate_hz)
    try:
        frames = replay(args.session, soundfont=args.soundfont, sink=writer.write)
    finally:
        writer.close()
    print(f"wrote {args.output}: {frames / rate_hz:.1f} s")
    return 0
