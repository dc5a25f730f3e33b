import sys
import types

import numpy as np
import pytest

from engine.errors import EngineError
from engine.music.intent import Intent
from engine.playback.outputs import OUTPUTS, NullOutput, SoundDeviceOutput, open_output
from engine.playback.player import Player
from engine.roles import Output

from tests.playback.fakes import FakeComposer, RecordingSynth


def new_player():
    return Player(FakeComposer(), RecordingSynth(), Intent())


def test_null_and_wav_outputs_render_offline(tmp_path):
    player = Player(FakeComposer(), RecordingSynth(), Intent())
    with open_output("null", player) as out:
        assert out.advance(0.5) == 24064
    path = tmp_path / "x.wav"
    with open_output(f"wav:{path}", Player(FakeComposer(), RecordingSynth(), Intent())) as out:
        out.advance(0.25)
    assert path.stat().st_size > 44 + 4 * 12000


def test_sounddevice_missing_is_a_clear_engine_error():
    player = Player(FakeComposer(), RecordingSynth(), Intent())
    try:
        out = open_output("sounddevice", player)
    except EngineError as exc:
        assert "sounddevice" in str(exc)
    else:  # installed with a device after all
        out.close()


def test_pygame_output_plays_through_the_dummy_driver(monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    player = Player(FakeComposer(), RecordingSynth(), Intent())
    with open_output("pygame", player) as out:
        out.advance(0.3)
        latency_ms = out.latency_ms()
    assert out.stream.frames_read > 0
    # SDL's callback device: the ring (3 blocks) plus one device period, at most
    assert 0 < latency_ms <= 1000 * (3 + 1) * 256 / 48000 + 1e-9


def test_unknown_output_is_a_value_error():
    with pytest.raises(ValueError, match="output"):
        open_output("speakers", None)
    with pytest.raises(ValueError, match="output .wav:. needs"):
        open_output("wav:", new_player())
    with pytest.raises(ValueError, match="output 'null:x'"):
        open_output("null:x", new_player())


def test_every_backend_in_the_table_fills_the_output_role():
    assert set(OUTPUTS) == {"null", "wav", "sounddevice", "pygame", "virtual"}
    for kind in OUTPUTS.values():
        assert all(hasattr(kind.factory, name) for name in ("start", "advance", "poll", "close", "latency_ms",
                                                             "heard_frame", "underruns", "live"))
    out = open_output("null", new_player())
    assert isinstance(out, Output) and out.heard_frame == 0 and out.underruns == 0


def test_options_reach_the_backend_and_unknown_ones_are_named(tmp_path):
    seen = []
    out = open_output("null", new_player(), sink=lambda block: seen.append(len(block)))
    out.advance(0.1)
    assert seen and out.heard_frame == sum(seen)
    with pytest.raises(ValueError, match="'null'.*device"):
        open_output("null", new_player(), device=3)
    path = tmp_path / "y.wav"
    with open_output("wav", new_player(), path=path) as wav:
        wav.advance(0.1)
    assert path.stat().st_size > 44


def test_a_factory_or_a_built_output_can_be_given_instead_of_a_name():
    player = new_player()
    out = open_output(NullOutput, player)
    assert isinstance(out, NullOutput) and out.source is player
    assert open_output(out, player) is out
    with pytest.raises(ValueError, match="already built"):
        open_output(out, player, sink=print)
    with pytest.raises(TypeError, match="is not a name"):
        open_output(42, player)


class _FakePortAudio(types.ModuleType):
    """Stands in for the sounddevice module: keeps the callback, plays nothing."""

    def __init__(self):
        super().__init__("sounddevice")
        self.opened = {}

    def OutputStream(self, **kwargs):
        self.opened = kwargs
        return types.SimpleNamespace(start=lambda: None, stop=lambda: None, close=lambda: None)


def test_portaudio_underflow_status_counts_as_an_underrun(monkeypatch):
    fake = _FakePortAudio()
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    out = open_output("sounddevice:2", new_player())
    assert isinstance(out, SoundDeviceOutput) and fake.opened["device"] == 2
    callback = fake.opened["callback"]
    out.stream.fill()
    block = np.zeros((256, 2), dtype=np.float32)
    callback(block, 256, None, _Status(output_underflow=False))
    assert out.underruns == 0
    callback(block, 256, None, _Status(output_underflow=True))
    assert out.underruns == 1 and out.stream.underruns == 1 and out.heard_frame == 512


class _Status:
    """sounddevice.CallbackFlags as the callback sees it: false when no flag is set."""

    def __init__(self, output_underflow: bool):
        self.output_underflow = output_underflow

    def __bool__(self) -> bool:
        return self.output_underflow
