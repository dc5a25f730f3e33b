"""Harmony for tunes that have none written: a best-fit chord per harmony slot, by Viterbi.

Folk tunes in the corpus carry no chord symbols and chorales carry harmony only in
their lower voices, so each harmony slot (half-bar or bar, see ``tokens.harmony_slots``)
gets the candidate chord that best fits the pitch classes sounding in it, smoothed
by a transition prior (staying put, moving by fifth, starting and ending on the
tonic are cheap). Candidates are the mode's diatonic triads plus the borrowed chords
folk and chorale harmony use (major V and IV in minor, flat VII in major).
"""

from __future__ import annotations

import numpy as np

from engine.music.keys import CHORD_QUALITIES, diatonic_triads

_EXTRA = {"major": ((10, "maj"),), "minor": ((7, "maj"), (5, "maj"), (11, "dim"))}
NON_CHORD_PENALTY = 0.6
EMISSION_WEIGHT = 3.0
STAY_BONUS = 0.6
FIFTH_BONUS = 0.3
TONIC_BONUS = 0.25
EDGE_TONIC_BONUS = 1.5


def candidates(minor: bool) -> tuple[tuple[int, str], ...]:
    """(root_pc, quality) of the chords the derivation may choose in a mode (tonic C)."""
    mode = "minor" if minor else "major"
    return tuple(dict.fromkeys(diatonic_triads(mode) + _EXTRA[mode]))


def chord_masks(chords: tuple[tuple[int, str], ...]) -> np.ndarray:
    """(n_chords, 12) 0/1 membership of each pitch class in each chord."""
    masks = np.zeros((len(chords), 12))
    for index, (root, quality) in enumerate(chords):
        for step in CHORD_QUALITIES[quality]:
            masks[index, (root + step) % 12] = 1.0
    return masks


def emission_scores(weights: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(n_slots, n_chords) fit of each chord to each slot's pitch-class weights (n_slots, 12)."""
    total = weights.sum(axis=1, keepdims=True)
    inside = weights @ masks.T
    outside = total - inside
    return EMISSION_WEIGHT * (inside - NON_CHORD_PENALTY * outside) / np.maximum(total, 1e-9)


def transition_scores(chords: tuple[tuple[int, str], ...]) -> np.ndarray:
    """(n_chords, n_chords) log-prior of moving from chord i to chord j."""
    n = len(chords)
    scores = np.zeros((n, n))
    for i, (root_i, _) in enumerate(chords):
        for j, (root_j, _) in enumerate(chords):
            if i == j:
                scores[i, j] += STAY_BONUS
            elif (root_i - root_j) % 12 in (7, 5):
                scores[i, j] += FIFTH_BONUS
            if root_j == 0:
                scores[i, j] += TONIC_BONUS
    return scores


def viterbi(emissions: np.ndarray, transitions: np.ndarray, edge_bonus: np.ndarray) -> np.ndarray:
    """The best chord index per slot; ``edge_bonus`` (n_chords,) is added at the first and last slot."""
    n_slots, n_chords = emissions.shape
    score = emissions[0] + edge_bonus
    back = np.zeros((n_slots, n_chords), dtype=np.int64)
    for slot in range(1, n_slots):
        total = score[:, None] + transitions
        back[slot] = total.argmax(axis=0)
        score = total.max(axis=0) + emissions[slot]
    if n_slots > 1:
        score = score + edge_bonus
    path = np.zeros(n_slots, dtype=np.int64)
    path[-1] = int(score.argmax())
    for slot in range(n_slots - 1, 0, -1):
        path[slot - 1] = back[slot, path[slot]]
    return path


def derive_harmony(slot_weights: np.ndarray, minor: bool) -> list[tuple[int, str]]:
    """Chords (root_pc, quality) for consecutive slots from their (n_slots, 12) pitch-class weights."""
    chords = candidates(minor)
    if len(slot_weights) == 0:
        return []
    edge = np.array([EDGE_TONIC_BONUS if root == 0 else 0.0 for root, _ in chords])
    path = viterbi(emission_scores(np.asarray(slot_weights, dtype=float), chord_masks(chords)), transition_scores(chords), edge)
    return [chords[i] for i in path]


def slot_weights(notes, slot_bounds_ticks: list[tuple[int, int]], melody_weight: float = 1.0) -> np.ndarray:
    """(n_slots, 12) pitch-class weights: the ticks each (pitch, start, duration) sounds in each slot.

    A note starting on a slot's first tick counts half again, since downbeats tend to be chord tones.
    """
    weights = np.zeros((len(slot_bounds_ticks), 12))
    for pitch, start, duration in notes:
        for index, (lo, hi) in enumerate(slot_bounds_ticks):
            overlap = min(hi, start + duration) - max(lo, start)
            if overlap > 0:
                accent = 1.5 if start == lo else 1.0
                weights[index, pitch % 12] += melody_weight * accent * overlap
    return weights
