"""The originality guard's index: every long melody window of the corpus, shipped beside the model.

``build_guard_index`` hashes every ``max_run + 1``-note window (intervals and
durations, so transpositions count) of every TRAINING tune (the token dataset's
train split: what the model learned from; held-out tunes stay independent) into
``originality-index.npz`` in the model directory, using the evaluation library's
``WindowIndex``. ``load_guard`` returns the ``CopyGuard`` the composer consults
before it lets a note's duration complete such a window (see ``Composer``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine.composer.evaluation.originality import CopyGuard, RunCorpus, WindowIndex, melody_arrays

log = logging.getLogger(__name__)

GUARD_FILE = "originality-index.npz"
DEFAULT_MAX_RUN = 12
"""The longest run of notes (intervals and durations) a composition may share with a corpus tune."""


def corpus_melodies(corpus_path: Path, tunes=None):
    """(pitches, durations_ticks) of the grid-quantised melody of corpus tunes ``tunes`` (indices; None: all)."""
    from engine.composer.corpus import load_corpus
    from engine.composer.dataset import corpus_bars

    arrays, _ = load_corpus(corpus_path)
    for tune in range(len(arrays["tune_id"])) if tunes is None else tunes:
        bars = corpus_bars(arrays, int(tune))
        if bars:
            yield melody_arrays(bars)


def train_tunes(tokens_path: Path):
    """Corpus indices of the token dataset's training tunes."""
    from engine.composer.dataset import load_token_dataset

    data = load_token_dataset(tokens_path)
    return data["tune_index"][data["tune_split"] == 0]


def build_guard_index(corpus_path: Path, model_dir: Path, tokens_path: Path | None = None, max_run: int = DEFAULT_MAX_RUN) -> Path:
    """Write the window index of the training tunes (all corpus tunes when ``tokens_path`` is None) into ``model_dir``."""
    tunes = None if tokens_path is None else train_tunes(tokens_path)
    index = WindowIndex.build(RunCorpus.from_tunes(corpus_melodies(corpus_path, tunes)), max_run + 1)
    path = Path(model_dir) / GUARD_FILE
    index.save(path)
    log.info("originality guard: %d windows of %d notes -> %s", index.hashes.size, max_run + 1, path)
    return path


def load_guard(model_dir: Path) -> CopyGuard | None:
    """The model directory's CopyGuard, or None when it ships no index."""
    path = Path(model_dir) / GUARD_FILE
    if not path.exists():
        return None
    try:
        index = WindowIndex.load(path)
    except (OSError, ValueError, KeyError) as error:
        from engine.composer.shipped import ModelFileError

        raise ModelFileError(f"originality index {path} is corrupt or truncated: {error}") from None
    return CopyGuard(index, index.window_notes - 1)
