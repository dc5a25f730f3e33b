"""The fakes the tests use fill the roles the engine types against."""

from engine import roles
from engine.playback.player import Player
from engine.music.intent import Intent

from tests.playback.fakes import FakeComposer, RecordingSynth, SineSynth


def test_the_fakes_fill_their_roles():
    assert isinstance(FakeComposer(), roles.Composer)
    assert isinstance(RecordingSynth(), roles.Synth) and isinstance(SineSynth(), roles.Synth)
    assert isinstance(Player(FakeComposer(), RecordingSynth(), Intent()), roles.Source)


def test_a_role_is_not_filled_by_something_else():
    assert not isinstance(RecordingSynth(), roles.Composer)
    assert not isinstance(FakeComposer(), roles.Synth)
    assert not isinstance(object(), roles.Output)


def test_the_real_composer_and_synth_fill_their_roles():
    import pytest

    from engine.composer.composer import Composer

    assert isinstance(Composer.load(seed=0), roles.Composer)
    synth_module = pytest.importorskip("engine.playback.synth")
    assert set(dir(synth_module.Synth)) >= {"render_block", "close"}
