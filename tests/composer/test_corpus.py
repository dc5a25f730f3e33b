"""Corpus parsing: an opus of tunes, bad files skipped with a reason, the split (grouped by melody), the cache check."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine.composer import corpus, dataset

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / corpus.DEFAULT_CORPUS_PATH
TOKENS = ROOT / dataset.DEFAULT_TOKENS_PATH

ABC = """X:1
T:Test Jig
M:6/8
L:1/8
K:G
D|GAB dBG|c2e dBG|GAB dBG|A3 A2:|

X:2
T:Broken
M:4/4
K:D
"""


def test_an_opus_is_iterated_and_keys_are_normalised(tmp_path):
    path = tmp_path / "two.abc"
    path.write_text(ABC)
    tunes, skipped = corpus.parse_unit(corpus.WorkUnit("test", str(path), "two"))
    assert [t.tune_id for t in tunes] == ["test:two:1"]
    assert len(skipped) == 1 and "test:two:2" in skipped[0]
    tune = tunes[0]
    assert tune.tonic_pc == 7 and not tune.minor
    assert tune.meters[0] == (6, 8)
    assert [n for n in tune.notes if n[0] == 0] == [(0, 67, 1200, 240, 0)]  # the pickup D (-> G) ends the bar
    assert [n[1] for n in tune.notes if n[0] == 1] == [72, 74, 76, 79, 76, 72]
    assert {n[1] % 12 for n in tune.notes} <= {0, 2, 4, 5, 7, 9, 11}  # G major -> C major


def test_a_bad_file_is_skipped_with_a_reason(tmp_path):
    path = tmp_path / "bad.mid"
    path.write_bytes(b"not a midi file")
    tunes, skipped = corpus.parse_unit(corpus.WorkUnit("midi", str(path), "bad.mid"))
    assert tunes == [] and len(skipped) == 1 and "bad.mid" in skipped[0]


def test_split_is_deterministic_and_about_90_5_5():
    splits = [corpus.split_of(f"tune-{i}") for i in range(4000)]
    assert splits == [corpus.split_of(f"tune-{i}") for i in range(4000)]
    shares = np.bincount(splits, minlength=3) / len(splits)
    assert abs(shares[0] - 0.9) < 0.03 and abs(shares[1] - 0.05) < 0.02


def test_cache_check_compares_version_and_sources(tmp_path):
    path = tmp_path / "c.npz"
    assert not corpus.cache_is_current(path, ["a"])
    np.savez(path, meta=np.asarray(json.dumps({"version": corpus.CORPUS_VERSION, "sources": ["a"]})))
    assert corpus.cache_is_current(path, ["a"])
    assert not corpus.cache_is_current(path, ["a", "b"])


def test_a_user_midi_file_is_read(tmp_path):
    import mido

    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("time_signature", numerator=3, denominator=4))
    for pitch in [62, 66, 69, 74, 69, 66, 62, 66, 69]:  # D major arpeggios, three bars of 3/4
        track += [mido.Message("note_on", note=pitch, velocity=80, time=0), mido.Message("note_off", note=pitch, velocity=0, time=480)]
    midi.tracks.append(track)
    path = tmp_path / "user.mid"
    midi.save(path)
    tunes, skipped = corpus.parse_unit(corpus.WorkUnit("midi", str(path), "user.mid"))
    assert skipped == [] and len(tunes) == 1
    tune = tunes[0]
    assert tune.tonic_pc == 2 and tune.meters[0] == (3, 4) and len(tune.meters) == 3
    assert [n[1] for n in tune.notes if n[4] == 0][:3] == [60, 64, 67]


def transposed(bars, semitones: int):
    return [replace(bar, melody=tuple(replace(n, pitch=n.pitch + semitones) for n in bar.melody)) for bar in bars]


def ids_in_different_id_splits() -> tuple[str, str]:
    first = "ryansMammoth:a:1"
    second = next(f"oneills1850:b:{i}" for i in range(1000) if corpus.split_of(f"oneills1850:b:{i}") != corpus.split_of(first))
    return first, second


def test_a_transposed_copy_lands_in_the_same_split(fixture_tunes):
    bars = fixture_tunes[0][0]
    assert dataset.melody_signatures(bars) == dataset.melody_signatures(transposed(bars, 5))
    first, second = ids_in_different_id_splits()
    splits, groups = dataset.grouped_splits([first, second], [dataset.melody_signatures(bars), dataset.melody_signatures(transposed(bars, -3))])
    assert splits[0] == splits[1] == corpus.split_of(min(first, second)) and groups == [2]


def test_a_shared_opening_groups_tunes_and_different_melodies_stay_apart(fixture_tunes):
    (a, _, _), (b, _, _) = fixture_tunes[:2]
    variant = a[:4] + b  # same first 16 notes, different tune after them
    assert sum(len(bar.melody) for bar in a[:4]) >= dataset.SIGNATURE_HEAD_NOTES
    whole_a, head_a = dataset.melody_signatures(a)
    whole_v, head_v = dataset.melody_signatures(variant)
    assert head_a == head_v and whole_a != whole_v
    assert dataset.melody_signatures(a) != dataset.melody_signatures(b)
    first, second = ids_in_different_id_splits()
    splits, _ = dataset.grouped_splits([first, second], [dataset.melody_signatures(a), dataset.melody_signatures(variant)])
    assert splits[0] == splits[1]
    splits, groups = dataset.grouped_splits([first, second], [dataset.melody_signatures(a), dataset.melody_signatures(b)])
    assert list(splits) == [corpus.split_of(first), corpus.split_of(second)] and groups == []


@pytest.mark.skipif(not (CORPUS.exists() and TOKENS.exists()), reason="needs the built corpus and token dataset in data/")
def test_no_held_out_melody_equals_a_training_melody():
    arrays, _ = corpus.load_corpus(CORPUS)
    data = dataset.load_token_dataset(TOKENS)
    assert json.loads(str(data["meta"]))["duplicate_groups"] > 0
    split_of_signature: dict[tuple[int, str], set] = {}
    for tune, split in zip(data["tune_index"], data["tune_split"]):
        for kind, key in enumerate(dataset.melody_signatures(dataset.corpus_bars(arrays, int(tune)))):
            split_of_signature.setdefault((kind, key), set()).add(int(split))
    assert all(len(splits) == 1 for splits in split_of_signature.values())


REEL = """X:7
T:Voltas
M:4/4
L:1/8
K:Ador
|:A2 c2 e2 c2|d2 B2 G2 B2|A2 c2 e2 a2|1 g2 e2 d2 B2:|2 g2 e2 A4||
|:a4 g2 e2|d2 B2 G2 B2|a4 g2 e2|d2 B2 A4:|
"""


def test_repeats_are_expanded_and_bars_labelled_from_the_abc(tmp_path):
    path = tmp_path / "reel.abc"
    path.write_text(REEL)
    (tune,), skipped = corpus.parse_unit(corpus.WorkUnit("test", str(path), "reel"))
    assert skipped == [] and len(tune.meters) == 16  # A A B B, the second A through the second volta
    assert tune.key.source == "notated" and tune.key.mode == "dorian" and tune.tonic_pc == 9 and tune.minor
    assert "".join("AB"[f.section] for f in tune.forms) == "A" * 8 + "B" * 8
    assert [f.closes_phrase for f in tune.forms] == [False, False, False, True] * 4
    last_a = [n[1] for n in tune.notes if n[0] == 7 and n[4] == 0]
    assert last_a[-1] == 72  # the second volta ends on the tonic (A4, moved up to C5)
    assert [n[1] for n in tune.notes if n[0] == 3 and n[4] == 0][-1] == 74  # the first volta ends on B4 (-> D5)


def test_corpus_build_flags_choose_the_collections():
    import argparse

    from engine.composer import provenance
    from engine.composer.cli_corpus import collections_of

    def flags(**kw):
        return argparse.Namespace(**{"no_bundled": False, "midi": None, "include_noncommercial": False, "include_restricted": False, **kw})

    assert collections_of(flags()) == provenance.DEFAULT_COLLECTIONS
    assert collections_of(flags(no_bundled=True, midi="songs")) == ()
    assert collections_of(flags(include_noncommercial=True))[-1] == "essenFolksong"
    assert "chorales" in collections_of(flags(include_restricted=True))
    with pytest.raises(SystemExit, match="--midi"):
        collections_of(flags(no_bundled=True))


def test_a_midi_folder_alone_is_a_corpus(tmp_path):
    import mido

    folder = tmp_path / "songs"
    folder.mkdir()
    for name, root in (("a.mid", 62), ("b.mid", 67)):
        midi = mido.MidiFile(ticks_per_beat=480)
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
        for pitch in [root, root + 4, root + 7, root + 12, root + 7, root + 4, root + 2, root] * 2:
            track += [mido.Message("note_on", note=pitch, velocity=80, time=0), mido.Message("note_off", note=pitch, velocity=0, time=480)]
        midi.tracks.append(track)
        midi.save(folder / name)
    out = corpus.build_corpus(tmp_path / "corpus.npz", str(folder), (), processes=1)
    arrays, meta = corpus.load_corpus(out)
    assert sorted(arrays["tune_id"]) == ["midi:a.mid", "midi:b.mid"] and list(meta["provenance"]) == ["midi"]
    assert set(arrays["tune_tonic_pc"]) == {2, 7} and set(arrays["tune_key_source"]) == {"final+profile"}
    assert meta["key_labels"]["midi"]["tunes"] == 2
