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
from pathlib import Path

import numpy as np

from engine.session import Session, read_session

log = logging.getLogger(__name__)


def replay(session: str | os.PathLike | Session, *, soundfont=None, model=None, sink=None) -> int:
    """Render a session (a path, or what ``read_session`` returned), passing each block to
    ``sink``; returns frames rendered. ``soundfont``/``model`` override the header's
    (None: as recorded). ValueError naming the file and line for a broken session."""
    from engine.api import MusicEngine

    session = session if isinstance(session, Session) else read_session(session)
    header = session.header
    if not header.score:
        raise ValueError(f"{session.path}:1: the session names no score file (its engine was built from a Score object)")
    engine = MusicEngine.load(header.score, soundfont=soundfont or header.soundfont, model=model or header.model,
                              config=header.config)
    block = np.zeros((header.config.block_frames, 2), dtype=np.float32)
    pending = session.calls                  # in frame order: read_session checked it
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
    from engine.cli_types import existing_file

    parser.add_argument("session", help="a session file written by MusicEngine(record=...)")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    parser.add_argument("--soundfont", type=existing_file("SoundFont"), help="SoundFont to use instead of the recorded one")


def run(args: argparse.Namespace) -> int:
    from engine.playback.wav import WavWriter

    session = read_session(args.session)   # every line checked before any audio is made
    rate_hz = session.header.config.sample_rate_hz
    output = Path(args.output)
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")   # the suffix picks the format
    writer = WavWriter(partial, rate_hz)
    try:
        frames = replay(session, soundfont=args.soundfont, sink=writer.write)
        writer.close()
        os.replace(partial, output)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)   # no half-written WAV is left behind
        raise
    print(f"wrote {args.output}: {frames / rate_hz:.1f} s")
    return 0
