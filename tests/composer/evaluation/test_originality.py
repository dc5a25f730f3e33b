"""Longest shared run, the shipped window index and the copy guard."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.composer.evaluation.originality import RunCorpus, human_baseline, longest_shared_run, percentile_rank
from engine.composer.guard import CopyGuard, WindowIndex, hash_window_py, melody_arrays, note_codes, window_hashes
from engine.music.notes import Note

DURATIONS = np.array([240, 480, 720, 960])
ODD_DURATION = 7  # never in the training tunes, so it bounds runs exactly


def _tune(rng, n):
    """A random-walk melody: (pitches, durations_ticks)."""
    return 60 + np.clip(np.cumsum(rng.integers(-4, 5, n)), -24, 24), DURATIONS[rng.integers(0, 4, n)]


@pytest.fixture(scope="module")
def corpus_and_tunes():
    rng = np.random.default_rng(3)
    tunes = [_tune(rng, int(rng.integers(30, 80))) for _ in range(40)]
    return RunCorpus.from_tunes(tunes), tunes


def _notes(pitches, durations):
    return [Note(int(p), 0, int(d)) for p, d in zip(pitches, durations)]


def test_copied_tune_runs_its_whole_length_and_is_caught(corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    pitches, durations = tunes[4]
    assert longest_shared_run(pitches, durations, corpus) == len(pitches)
    guard = CopyGuard(WindowIndex.from_tunes(tunes, 9), max_run=8)
    notes = _notes(pitches, durations)
    assert not guard.would_copy(notes[:8])  # a run of max_run notes is allowed
    assert all(guard.would_copy(notes[:k]) for k in range(9, len(notes) + 1))


def test_transposed_copy_is_still_caught(corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    pitches, durations = tunes[7]
    assert longest_shared_run(pitches - 5, durations, corpus) == len(pitches)
    guard = CopyGuard(WindowIndex.from_tunes(tunes, 6), max_run=5)
    assert guard.would_copy(_notes(pitches[10:16] + 3, durations[10:16]))


def test_embedded_copy_has_exactly_its_length(corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    pitches, durations = tunes[2]
    phrase_p = np.concatenate([[50, 52, 53], pitches[5:17] + 2, [40, 41]])
    phrase_d = np.concatenate([[ODD_DURATION] * 3, durations[5:17], [ODD_DURATION] * 2])
    assert longest_shared_run(phrase_p, phrase_d, corpus) == 12


def test_random_phrase_shares_only_a_short_run(corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    pitches, durations = _tune(np.random.default_rng(99), 60)
    run = longest_shared_run(pitches, durations, corpus)
    assert 1 <= run < 8
    guard = CopyGuard(WindowIndex.from_tunes(tunes, 9), max_run=8)
    notes = _notes(pitches, durations)
    assert not any(guard.would_copy(notes[:k]) for k in range(1, len(notes) + 1))


def test_runs_do_not_cross_tune_boundaries():
    a = (np.array([60, 62, 64, 65]), np.array([480] * 4))
    b = (np.array([70, 72, 74]), np.array([240] * 3))
    corpus = RunCorpus.from_tunes([a, b])
    joined_p, joined_d = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
    assert longest_shared_run(joined_p, joined_d, corpus) == 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 127), st.integers(1, 5000)), min_size=1, max_size=12))
def test_python_hash_equals_numpy_hash(notes):
    pitches, durations = zip(*notes)
    codes = note_codes(pitches, durations)
    assert int(window_hashes(codes, len(codes))[0]) == hash_window_py([int(c) for c in codes])


def test_window_hash_ignores_the_first_interval():
    codes_a = note_codes([60, 62, 64], [480, 480, 480])
    codes_b = note_codes([50, 62, 64], [480, 480, 480])
    assert window_hashes(codes_a, 2, np.array([1]))[0] == window_hashes(codes_b, 2, np.array([1]))[0]


def test_index_round_trips_through_npz(tmp_path, corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    index = WindowIndex.from_tunes(tunes, 9)
    index.save(tmp_path / "copy_index.npz")
    loaded = WindowIndex.load(tmp_path / "copy_index.npz")
    assert loaded.window_notes == 9 and np.array_equal(loaded.hashes, index.hashes)
    assert loaded.hashes.dtype == np.uint64 and index.nbytes == 8 * index.hashes.size
    np.savez(tmp_path / "old.npz", hashes=index.hashes, window_notes=9, hash_version=0)
    with pytest.raises(ValueError, match="hash version"):
        WindowIndex.load(tmp_path / "old.npz")


def test_guard_needs_a_matching_window_length(corpus_and_tunes):
    with pytest.raises(ValueError, match="9 notes"):
        CopyGuard(WindowIndex.from_tunes(corpus_and_tunes[1], 6), max_run=8)


def test_human_baseline_and_percentile_rank(corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    rng = np.random.default_rng(5)
    test_tunes = [_tune(rng, 40) for _ in range(5)] + [tunes[0]]
    baseline = human_baseline(test_tunes, corpus, percentiles=(50, 100))
    runs = baseline["runs_notes"]
    assert runs[-1] == len(tunes[0][0]) and baseline["percentiles"][100] == runs.max()
    assert percentile_rank(runs.max() + 1, runs) == 100.0
    assert percentile_rank(-1, runs) == 0.0


def test_melody_arrays_read_bars_in_order():
    from engine.music.notes import Bar, Meter

    bars = [Bar(Meter(2, 4), (Note(60, 0, 480), Note(62, 480, 480))), Bar(Meter(2, 4), (Note(64, 0, 960),))]
    pitches, durations = melody_arrays(bars)
    assert pitches.tolist() == [60, 62, 64] and durations.tolist() == [480, 480, 960]
    assert longest_shared_run([], [], RunCorpus.from_tunes([(pitches, durations)])) == 0


def test_the_guard_index_holds_the_windows_the_evaluation_searches(corpus_and_tunes):
    corpus, tunes = corpus_and_tunes
    for length in (1, 5, 13):
        assert np.array_equal(WindowIndex.from_tunes(tunes, length).hashes, corpus.sorted_hashes(length))
