"""The engine process: ``python -m engine.server.child``, started by ``EngineProcess``.

Protocol. The game writes one JSON line to its stdin, the ``EngineSpec``; the engine
process attaches the shared link, loads the score, model and SoundFont, starts the
live output and answers one JSON line on its stdout: ``{"ready": ...}``, or
``{"error": "..."}`` and exit status 1. Then its main thread waits, reading stdin,
until the game writes ``{"close": true}`` or its stdin ends (the game exited or was
killed): it closes the engine (the session record gets its end frame), answers
``{"closed": true}`` and exits 0. The render thread does the rest (``served``).
Anything else the process prints (FluidSynth, SDL, a library's banner) goes to
stderr, never into the protocol.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

log = logging.getLogger("engine.server.child")


def _protocol_stream():
    """The original stdout, for protocol lines only; fd 1 now writes to stderr."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    return out


def _answer(out, message: dict) -> None:
    try:
        out.write(json.dumps(message) + "\n")
        out.flush()
    except OSError:   # the game is gone: nobody to answer
        pass


def _start(spec):
    """Attach the link, build the engine from the spec's plain data and start its output."""
    from engine.server.link import EngineLink
    from engine.server.served import ServedEngine
    from engine.server.wire import CallCodec

    link = EngineLink.attach(spec.link_path, spec.layout)
    link.region.unlink()   # both sides have it mapped now: no name is left if the game dies before "ready"
    try:
        engine = ServedEngine.load(**spec.load_arguments())
    except BaseException:
        link.close()
        raise
    from engine.playback.realtime import freeze_what_is_loaded

    freeze_what_is_loaded()   # this process is the engine's alone; before the device thread runs
    try:
        engine.serve(spec.output, link, CallCodec(spec.names), spec.refill_blocks, spec.publish_period_s,
                     spec.options)
    except BaseException:
        engine.close()
        link.close()
        raise
    return engine, link


def _wait_for_close() -> None:
    """Read the game's lines until a close request or the end of stdin (the game is gone)."""
    try:
        for line in sys.stdin:
            if json.loads(line or "{}").get("close"):
                return
    except (ValueError, OSError):
        pass


def main() -> int:
    started = time.perf_counter()
    out = _protocol_stream()
    from engine.server.spec import EngineSpec

    try:
        spec = EngineSpec.from_json(sys.stdin.readline())
        logging.basicConfig(level=spec.log_level, stream=sys.stderr,
                            format="moodscore engine process: %(levelname)s %(name)s: %(message)s")
        engine, link = _start(spec)
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the game as one line
        _answer(out, {"error": str(exc) or type(exc).__name__, "type": type(exc).__name__})
        return 1
    _answer(out, {"ready": True, "pid": os.getpid(), "start_s": time.perf_counter() - started})
    try:
        _wait_for_close()
        engine.publish_cpu_times()   # the last ones, for the game's stats()
    finally:
        engine.close()
        link.close()
    _answer(out, {"closed": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
