"""A real engine (shipped model, FluidSynth) served over UDP on 127.0.0.1, and a client.

Until the ``virtual`` output exists, the engine runs in pull mode and a thread of the
test pulls its blocks at ``SPEED`` times real time, as a device would; ``heard_frame``
is what it has pulled, so cues go out when "heard".
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from engine.api import MusicEngine
from engine.osc.client import MoodscoreClient
from engine.osc.server import OscServer

SCORE_PATH = Path(__file__).resolve().parents[2] / "demo" / "scores" / "dungeon.yaml"
RATE = 22050
SPEED = 2.0


class Puller:
    """Pulls ``engine.render`` one block at a time at ``speed`` times real time."""

    def __init__(self, engine: MusicEngine, speed: float = SPEED):
        self._engine = engine
        self._period_s = engine.config.block_frames / engine.config.sample_rate_hz / speed
        self._running = True
        self._thread = threading.Thread(target=self._run, name="test-puller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        due = time.monotonic()
        while self._running:
            self._engine.render(self._engine.config.block_frames)
            due += self._period_s
            time.sleep(max(0.0, due - time.monotonic()))

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2.0)


@pytest.fixture
def served():
    """(server, client): a pulled engine behind an OscServer on a free port; the client subscribed."""
    engine = MusicEngine.load(SCORE_PATH, seed=7, sample_rate_hz=RATE)
    server = OscServer(engine, port=0).start()
    puller = Puller(engine)
    client = MoodscoreClient(port=server.address[1])
    try:
        yield server, client
    finally:
        client.close()
        server.close()
        puller.close()
        engine.close()
