"""The committed CC0 Bach chorales (``models/corpus/dcml-bach-chorales.npz``) as corpus tunes.

``tools/import_dcml_chorales.py`` made the file from DCMLab/bach_chorales (CC0-1.0;
source, commit and the accidental repair are in ``models/corpus/PROVENANCE.md``).
Here each chorale becomes a ``ParsedTune`` the same way a music21 score does: its
measures (repeat signs, voltas, fermatas) go to ``form_labels.label_form``, so
phrases end at Bach's fermatas; the soprano is the melody and alto, tenor and bass
are the lower voices; the key label is the key signature plus the bass's final note
(``key_labels.from_signature``: the tables carry no mode). No music21 here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from engine.composer import form_labels, key_labels
from engine.composer.corpus_music21 import ParsedTune, final_chord_bass
from engine.composer.form_labels import Measure
from engine.music.notes import PPQ

DCML_FILE = Path(__file__).resolve().parents[2] / "models" / "corpus" / "dcml-bach-chorales.npz"
COLLECTION = "dcml_chorales"


def load_dcml_tunes(path: Path = DCML_FILE) -> list[ParsedTune]:
    """Every chorale of the committed file as a ParsedTune; OSError naming the file when it is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            names, pieces, measures, notes = data["piece_name"], data["pieces"], data["measures"], data["notes"].astype(np.int32)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise OSError(f"DCML chorale data {path}: {error}") from None
    tunes = []
    for name, (first_measure, measure_count, first_note, note_count, _, analysed_pc, analysed_minor) in zip(names, pieces):
        rows = measures[first_measure : first_measure + measure_count]
        tunes.append(chorale_tune(str(name), rows, notes[first_note : first_note + note_count], int(analysed_pc), bool(analysed_minor)))
    return tunes


def _measure(row: np.ndarray) -> Measure:
    _, num, den, length, _, start, end, ending, fermata = (int(x) for x in row)
    return Measure(length, num * 4 * PPQ // den, repeat_start=bool(start), repeat_end=bool(end),
                   ending=(ending,) if ending else (), fermata=bool(fermata))


def chorale_tune(name: str, measure_rows: np.ndarray, note_rows: np.ndarray, analysed_pc: int, analysed_minor: bool) -> ParsedTune:
    """One chorale: bars as played (form labelled), notes tonic-normalised, key from signature and final bass note."""
    played = form_labels.label_form([_measure(r) for r in measure_rows])
    index_of_mc = {int(r[0]): i for i, r in enumerate(measure_rows)}
    by_measure: dict[int, list] = {}
    for mc, onset, duration, midi, _, part in note_rows.tolist():
        by_measure.setdefault(index_of_mc[mc], []).append((midi, onset, duration, 0 if part == 0 else 1))
    raw = []
    for bar, played_bar in enumerate(played):
        full = _measure(measure_rows[played_bar.pieces[0][0]]).full_ticks
        for index, shift in played_bar.pieces:
            for midi, onset, duration, voice in by_measure.get(index, []):
                start = onset + shift
                if start < full and duration > 0:
                    raw.append((bar, midi, start, min(duration, full - start), voice))
    weights = np.zeros(12)
    for _, midi, _, duration, _ in raw:
        weights[midi % 12] += duration
    final_pc = final_chord_bass(raw)
    label = key_labels.from_signature(int(measure_rows[0][4]), final_pc, weights)
    transpose = -(label.tonic_pc if label.tonic_pc <= 6 else label.tonic_pc - 12)
    tune = ParsedTune(f"{COLLECTION}:{name[:3]}", COLLECTION, label, analysed_pc, analysed_minor, final_pc)
    tune.meters = [(int(measure_rows[b.pieces[0][0]][1]), int(measure_rows[b.pieces[0][0]][2])) for b in played]
    tune.forms = [b.form for b in played]
    tune.source_measures = [int(measure_rows[b.pieces[0][0]][0]) for b in played]
    tune.notes = [(bar, midi + transpose, start, duration, voice) for bar, midi, start, duration, voice in raw]
    return tune
