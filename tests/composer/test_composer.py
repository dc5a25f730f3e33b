"""The Composer contract: valid bars always, determinism, snapshot/restore, bad files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.composer import tokens
from engine.composer.composer import SINGABLE_HIGH, SINGABLE_LOW, Composer
from engine.composer.shipped import ModelFileError
from engine.errors import EngineError
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.music.notes import Meter

METERS = [Meter(4, 4), Meter(3, 4), Meter(6, 8), Meter(2, 2), Meter(2, 4)]


def intents():
    for i, meter in enumerate(METERS):
        for minor in (False, True):
            yield Intent(valence=0.2 if minor else 0.8, arousal=(i % 3) / 2, key=Key(2, "minor" if minor else "major"), meter=meter)


def as_triads(bar):
    """The bar with its cadential V7 written as the V triad the vocabulary holds."""
    harmony = tuple(dataclasses.replace(c, quality=tokens.TRIAD_OF.get(c.quality, c.quality)) for c in bar.harmony)
    return dataclasses.replace(bar, harmony=harmony)


def check_valid(bar, intent):
    assert bar.meter == intent.meter
    assert bar.mode == ("minor" if intent.key.is_minor else "major")
    assert all(c.quality != "dom7" or c.root_pc == 7 for c in bar.harmony)  # sevenths only on the dominant
    assert tokens.decode_bar(tokens.encode_bar(bar), bar.mode) == as_triads(bar)  # on the grid and grammatical
    ends = 0
    for note in bar.melody:
        assert note.start_ticks >= ends and note.end_ticks <= bar.ticks
        assert SINGABLE_LOW <= note.pitch <= SINGABLE_HIGH
        ends = note.end_ticks
    assert bar.harmony[0].start_ticks == 0 and bar.harmony[-1].end_ticks == bar.ticks
    assert all(a.end_ticks == b.start_ticks for a, b in zip(bar.harmony, bar.harmony[1:]))


def test_thousand_bars_from_random_weights_are_valid(random_model):
    composer = Composer.load(random_model, seed=3)
    all_intents = list(intents())
    for index in range(1000):
        intent = all_intents[index % len(all_intents)]
        check_valid(composer.compose_bar(intent, index), intent)


def test_same_seed_same_bars_and_snapshot_restore(random_model):
    intent = Intent(meter=Meter(6, 8))
    first = Composer.load(random_model, seed=7)
    second = Composer.load(random_model, seed=7)
    bars_a = [first.compose_bar(intent, i) for i in range(6)]
    assert bars_a == [second.compose_bar(intent, i) for i in range(6)]
    other = Composer.load(random_model, seed=8)
    assert bars_a != [other.compose_bar(intent, i) for i in range(6)]
    composer = Composer.load(random_model, seed=7)
    [composer.compose_bar(intent, i) for i in range(3)]
    snap = composer.snapshot()
    later = [composer.compose_bar(intent, i) for i in range(3, 6)]
    assert later == bars_a[3:]
    composer.restore(snap)
    assert [composer.compose_bar(intent, i) for i in range(3, 6)] == later


def test_snapshot_is_immutable(random_model):
    composer = Composer.load(random_model)
    composer.compose_bar(Intent(), 0)
    snap = composer.snapshot()
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.bars_composed = 3
    with pytest.raises(ValueError):
        snap.recurrent[0][0, 0] = 1.0
    composer.compose_bar(Intent(), 1)
    assert not np.array_equal(snap.recurrent[0], composer.snapshot().recurrent[0])


def test_unsupported_meter_is_refused(random_model):
    with pytest.raises(ValueError, match="5/4"):
        Composer.load(random_model).compose_bar(Intent(meter=Meter(5, 4)), 0)


def test_corrupt_and_truncated_model_files_raise_naming_the_file(random_model):
    weights = random_model / "weights.npz"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="weights.npz"):
        Composer.load(random_model)
    weights.write_bytes(b"garbage" * 10)
    with pytest.raises(EngineError, match="weights.npz"):
        Composer.load(random_model)
    (random_model / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json"):
        Composer.load(random_model)


def test_missing_model_dir_is_clear(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        Composer.load(tmp_path / "nowhere")


def test_the_originality_guard_vetoes_copied_runs(random_model):
    from engine.composer.guard import GUARD_FILE, WindowIndex, melody_arrays, note_codes, window_hashes

    intent = Intent(arousal=0.9)  # form off: every note sampled (a return restates the piece's own, unguarded)
    free = Composer.load(random_model, seed=11, guard=False, form=None)
    copied = [free.compose_bar(intent, i) for i in range(40)]
    index = WindowIndex.from_tunes([melody_arrays(copied)], 5)
    index.save(random_model / GUARD_FILE)
    guarded = Composer.load(random_model, seed=11, form=None)
    assert guarded.copy_guard is not None and guarded.copy_guard.max_run == 4
    bars = [guarded.compose_bar(intent, i) for i in range(40)]
    assert guarded.vetoed_notes > 0 and bars != copied
    hashes = window_hashes(note_codes(*melody_arrays(bars)), 5)
    assert not np.isin(hashes, index.hashes).any()
    snap = guarded.snapshot()
    assert len(snap.recent_notes) == 4


def test_the_runtime_composer_imports_neither_torch_nor_the_evaluation():
    import subprocess
    import sys

    code = ("import sys; from engine.composer.composer import Composer; Composer.load(seed=1); "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('engine.composer.evaluation')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
