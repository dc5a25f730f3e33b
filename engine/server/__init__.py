"""The engine process: live music that a busy game cannot starve.

``MusicEngine.start("sounddevice" | "pygame" | "virtual")`` runs the score machine,
composer, player, synth, render thread and device callback in a separate process
(``spawn``: a fresh interpreter rebuilt from plain data), so the game's GIL is not
theirs. The game keeps a ``RemoteEngine`` (``proxy``) that writes calls into a shared
ring and reads cues and snapshots from shared memory (``link``, ``ring``, ``board``,
``wire``); the engine process (``child``, ``served``) applies each call at its control
frame, as in-process.
"""

from __future__ import annotations

import logging
import os

from engine.server.link import LinkLayout
from engine.server.proxy import RemoteEngine
from engine.server.spec import EngineSpec
from engine.server.wire import name_tables

__all__ = ["RemoteEngine", "EngineSpec", "LinkLayout", "start_engine_process"]


def start_engine_process(engine, output: str, options: dict | None = None, record: str | os.PathLike | None = None,
                         layout: LinkLayout = LinkLayout()) -> RemoteEngine:
    """Start an engine process that plays ``engine``'s score, as ``engine`` was loaded
    (its session header), through the live ``output`` with its ``options`` (plain data:
    they travel as JSON); returns once it plays. ValueError when the engine was built
    from a Score object that has no file or an option is not plain data; EngineError
    when the engine process cannot start (its message says why: no audio device, ...)."""
    header = engine.session_header.to_json()
    if not header.get("score"):
        raise ValueError(f"start({output!r}): the engine process loads the score from its file, and this "
                         f"engine's score {engine.score.name!r} has none; load it from a file or pass in_process=True")
    spec = EngineSpec(header=header, output=output, options=dict(options or {}), link_path="",
                      names=name_tables(engine.score),
                      strict=engine.config.strict, record=os.fspath(record) if record else None, layout=layout,
                      log_level=logging.getLogger("engine").getEffectiveLevel())
    spec.to_json()   # a ValueError here, before any process or shared memory exists
    return RemoteEngine(spec, engine.config.sample_rate_hz).start()
