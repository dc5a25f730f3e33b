"""The token dataset's splits as the evaluation needs them: tokens, labels, bars, melodies.

Reads the arrays of ``dataset.load_token_dataset`` (plain numpy, no composer
import) and gives, per tune of a split, its token ids, the conditioning vector the
training fed with each token (``bar_cond[token_bar[i]]``: the label of the bar the
*input* token belongs to), its bars decoded back from the tokens, and its melody as
(pitches, durations in ticks) read straight off the PITCH/DUR token pairs, the very
notes the originality guard's index was built from.

``duplicate_tunes`` finds test tunes whose whole melody, up to transposition,
equals a training tune's: the split hashes only the tune id, so a tune printed
in two collections (O'Neill's and Ryan's share many) can sit on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.composer.guard import note_codes
from engine.music.notes import Bar

SPLITS = {"train": 0, "valid": 1, "test": 2}


@dataclass(frozen=True)
class SplitTunes:
    """The tunes of one split: ``tokens[i]`` (int64 ids) and ``conds[i]`` (one
    conditioning row per token, shape (n_i, C)), the dataset's tune numbers and ids."""

    name: str
    tune_rows: np.ndarray  # (n_tunes,) row numbers in the token dataset
    tune_ids: tuple[str, ...]
    tokens: tuple[np.ndarray, ...]
    conds: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def n_predicted(self) -> int:
        """Tokens scored by a per-tune NLL (every token but each tune's first)."""
        return int(sum(max(t.size - 1, 0) for t in self.tokens))


def split_tunes(data: dict[str, np.ndarray], split: str, limit: int = 0) -> SplitTunes:
    """Tunes of ``split`` ("train", "valid", "test") in dataset order; ``limit`` > 0
    keeps the first ``limit`` tunes (tests and quick runs)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, got {split!r}")
    rows = np.flatnonzero(data["tune_split"] == SPLITS[split])
    if limit:
        rows = rows[:limit]
    all_tokens = data["tokens"].astype(np.int64)
    toks, conds = [], []
    for row in rows:
        first, count = int(data["tune_first_token"][row]), int(data["tune_token_count"][row])
        toks.append(all_tokens[first:first + count])
        conds.append(data["bar_cond"][data["token_bar"][first:first + count]])
    ids = tuple(str(data["tune_id"][row]) for row in rows)
    return SplitTunes(split, rows, ids, tuple(toks), tuple(conds))


def tune_bars(tune_tokens: np.ndarray, minor: bool) -> list[Bar]:
    """The bars of one tune decoded from its tokens (each bar runs from one BAR token
    to the next; the tune's last BAR token only closes the last bar)."""
    from engine.composer import tokens

    ids = tune_tokens.tolist()
    starts = [i for i, t in enumerate(ids) if tokens.kind_of(t) == "bar"]
    mode = "minor" if minor else "major"
    return [tokens.decode_bar(ids[a:b], mode) for a, b in zip(starts[:-1], starts[1:])]


def is_minor(tune_conds: np.ndarray) -> bool:
    """The tune's mode, from the minor flag of its conditioning (column 3)."""
    return bool(tune_conds[0, 3] > 0.5)


def melody_from_tokens(tune_tokens: np.ndarray, grid_ticks: int) -> tuple[np.ndarray, np.ndarray]:
    """(pitches, durations_ticks) of the melody: every PITCH token and the DUR token
    that follows it. Vectorised; equals ``guard.melody_arrays`` of the bars."""
    from engine.composer import tokens

    t = np.asarray(tune_tokens, dtype=np.int64)
    n_pitches = tokens.PITCH_HIGH - tokens.PITCH_LOW + 1
    is_pitch = (t >= tokens.PITCH0) & (t < tokens.PITCH0 + n_pitches)
    at = np.flatnonzero(is_pitch[:-1])
    pitches = t[at] - tokens.PITCH0 + tokens.PITCH_LOW
    durations = (t[at + 1] - tokens.DUR0 + 1) * grid_ticks
    return pitches, durations


def melodies(split: SplitTunes) -> list[tuple[np.ndarray, np.ndarray]]:
    """``melody_from_tokens`` of every tune of a split."""
    from engine.composer import tokens

    return [melody_from_tokens(t, tokens.GRID_TICKS) for t in split.tokens]


def _melody_key(pitches: np.ndarray, durations: np.ndarray) -> bytes:
    """A transposition-invariant key of a whole melody: its note codes without the
    first note's interval (the same identity the originality windows use)."""
    codes = note_codes(pitches, durations)
    if codes.size:
        codes = codes.copy()
        codes[0] &= (1 << 24) - 1
    return codes.tobytes()


def duplicate_tunes(test: list[tuple[np.ndarray, np.ndarray]],
                    train: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Boolean mask over ``test``: whose melody equals a training melody exactly
    (same intervals and durations, any transposition)."""
    train_keys = {_melody_key(p, d) for p, d in train}
    return np.array([_melody_key(p, d) in train_keys for p, d in test], dtype=bool)
