"""``moodscore serve SCORE``: the engine behind an OSC front, for Godot, Unity, Unreal.

    moodscore serve demo/scores/dungeon.yaml [--osc-port 9000] [--host 127.0.0.1]
        [--output sounddevice|pygame|virtual|wav:PATH] [--reply HOST:PORT] [--watch]

The serve process is the engine process: the engine plays on threads of this process
(``start(output, in_process=True)``), beside the OSC threads; no game thread holds its
GIL. It listens on 127.0.0.1 (this machine only) unless ``--host`` says otherwise (0.0.0.0:
every interface; there is no authentication, so only on a trusted network). Live
outputs play in real time; ``wav:PATH`` is rendered at the pace of the wall clock, so
that what a client does is heard in the file where it happened. ``--record`` writes the
session for ``moodscore replay``. It runs until interrupted (or for ``--seconds``).
"""

from __future__ import annotations

import argparse
import logging
import math
import signal
import threading
import time

from engine.cli_types import SEED, bounded_float, bounded_int, existing_file, output_spec

log = logging.getLogger(__name__)

LOOP_PERIOD_S = 0.01


PORT = bounded_int(0, 65535)
SECONDS = bounded_float(0.0, math.inf, lo_open=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("score", help="the score YAML file")
    parser.add_argument("--osc-port", type=PORT, default=9000,
                        help=f"UDP port to listen on, {PORT.span} (default 9000; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--output", type=output_spec, default="sounddevice",
                        help="sounddevice[:DEVICE], pygame, virtual or wav:PATH (default sounddevice)")
    parser.add_argument("--reply", type=reply_target, action="append", default=[], metavar="HOST:PORT",
                        help="send cues (beats, bars, transitions, stingers) there; may be repeated")
    parser.add_argument("--watch", action="store_true", help="reload the score when its file changes (at the next bar)")
    parser.add_argument("--seed", type=SEED, default=0, help=f"random seed of the composer, {SEED.span} (default 0)")
    parser.add_argument("--soundfont", type=existing_file("SoundFont"), help="SoundFont file (default: discovered)")
    parser.add_argument("--record", metavar="PATH", help="record the session for `moodscore replay`")
    parser.add_argument("--seconds", type=SECONDS, default=math.inf,
                        help=f"stop after this many seconds, {SECONDS.span} (default: run until interrupted)")


def parse_host_port(text: str) -> tuple[str, int]:
    """``"127.0.0.1:9001"`` -> ("127.0.0.1", 9001); ValueError naming the text otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{text!r}: expected HOST:PORT, e.g. 127.0.0.1:9001")
    return ("127.0.0.1" if host == "localhost" else host), int(port)


def reply_target(text: str) -> tuple[str, int]:
    """An argparse type: ``parse_host_port``."""
    try:
        return parse_host_port(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from engine.api import MusicEngine
    from engine.osc.server import OscServer

    engine = MusicEngine.load(args.score, soundfont=args.soundfont, seed=args.seed, record=args.record)
    with engine:
        start_here(engine, args.output)
        with OscServer(engine, args.host, args.osc_port, tuple(args.reply)) as server:
            host, port = server.address
            print(f"moodscore serve: {engine.score.summary()}; OSC on {host}:{port}; output {args.output}", flush=True)
            _serve(engine, args)
            log.info("OSC counters: %s", server.counters)
    return 0


def start_here(engine, output: str) -> None:
    """Start ``output`` on threads of this process: this process is the engine process
    (``MusicEngine.start`` would otherwise run a live output in one of its own), so what
    is loaded is frozen out of the garbage collector (``engine.playback.realtime``), before
    the output starts: the collection that precedes the freeze holds the GIL for 5-30 ms,
    which a device thread already playing would pay for with an underrun."""
    from engine.playback.realtime import freeze_what_is_loaded

    freeze_what_is_loaded()
    engine.start(output, in_process=True)


def _serve(engine, args: argparse.Namespace) -> None:
    """The main thread's loop until interrupted or ``--seconds``: paces an offline
    output and watches the score file."""
    pacer = _Pacer(engine) if args.output.startswith("wav:") else None
    watcher = _watcher(engine, args.score) if args.watch else None
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    end = time.monotonic() + args.seconds
    try:
        while not stopping.is_set() and time.monotonic() < end:
            if pacer is not None:
                pacer.tick()
            if watcher is not None:
                watcher.check()
            stopping.wait(LOOP_PERIOD_S)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _watcher(engine, path: str):
    from engine.score.watch import ScoreWatcher

    return ScoreWatcher(path, engine.reload)


class _Pacer:
    """Renders an offline output at the pace of the wall clock (one block ahead)."""

    def __init__(self, engine):
        self._engine = engine
        self._rate = engine.config.sample_rate_hz
        self._block = engine.config.block_frames
        self._start = time.monotonic()
        self._frames = 0

    def tick(self) -> None:
        due = (time.monotonic() - self._start) * self._rate + self._block
        blocks = int((due - self._frames) // self._block)
        if blocks > 0:
            self._frames += self._engine.advance(blocks * self._block / self._rate)
