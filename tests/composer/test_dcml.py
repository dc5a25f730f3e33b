"""The committed CC0 chorales load as corpus tunes: fermatas end phrases, repeats are expanded, keys labelled."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.composer import dcml


@pytest.fixture(scope="module")
def tunes():
    return dcml.load_dcml_tunes()


def test_the_committed_file_is_cc0_with_its_provenance():
    with np.load(dcml.DCML_FILE, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["licence"] == "CC0-1.0" and len(meta["commit"]) == 40
    assert (dcml.DCML_FILE.parent / "PROVENANCE.md").read_text().count("CC0") >= 1
    assert dcml.DCML_FILE.stat().st_size < 1_000_000


def test_chorales_become_labelled_tunes(tunes):
    assert len(tunes) > 340 and all(t.collection == "dcml_chorales" for t in tunes)
    first = tunes[0]  # 001 Aus meines Herzens Grunde: G major, a repeated Stollen, fermatas every 2-4 bars
    assert first.tonic_pc == 7 and not first.minor and first.key.source == "signature+final"
    assert [f.section for f in first.forms].count(0) > [f.section for f in first.forms].count(1) > 0
    assert 2 <= np.mean([f.phrase_bars for f in first.forms if not f.pickup]) <= 4
    assert all(n[4] in (0, 1) for n in first.notes) and {n[4] for n in first.notes} == {0, 1}
    shares = np.mean([t.minor for t in tunes])
    assert 0.3 < shares < 0.6


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(OSError, match="missing.npz"):
        dcml.load_dcml_tunes(tmp_path / "missing.npz")
