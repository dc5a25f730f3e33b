"""The training corpus: music21's bundled public-domain collections (and user MIDI) in one file.

``build_corpus`` parses every source with two worker processes into per-tune note
lists, normalised so the tonic is C (the key's mode is kept beside), and writes ONE
versioned ``.npz`` (no pickle) under ``data/``. ``tune_split`` here is only the hash
of each tune's id; the split training uses is decided by the token dataset
(``dataset.grouped_splits``), which keeps duplicate melodies (the same tune under
two ids, possibly transposed) in one split. A build is skipped when the cached file
has the same version and source list.

Layout of the file (arrays, one row per tune / bar / note):

- ``tune_id, tune_collection`` (unicode), ``tune_tonic_pc, tune_mode_minor, tune_split``
  (0 train, 1 valid, 2 test, by id only), ``tune_first_bar, tune_bar_count``;
- ``bar_meter_num, bar_meter_den, bar_first_note, bar_note_count``;
- ``note_pitch`` (tonic-C MIDI), ``note_start_ticks, note_duration_ticks`` (engine
  ticks from the bar start), ``note_voice`` (0 melody, 1 lower voices);
- ``meta``: a JSON string with version, sources, counts and skip reasons.

music21 is imported only inside the worker functions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from engine.progress import Progress
from engine.music.notes import PPQ

log = logging.getLogger(__name__)

CORPUS_VERSION = 1
DEFAULT_CORPUS_PATH = Path("data/corpus-v1.npz")
COMMERCIAL_COLLECTIONS = ("oneills1850", "ryansMammoth", "airdsAirs", "chorales")
NONCOMMERCIAL_COLLECTIONS = ("essenFolksong",)
LICENCES = {
    "oneills1850": "public domain (O'Neill's Music of Ireland, 1850; music21 corpus)",
    "ryansMammoth": "public domain (Ryan's Mammoth Collection, 1883; music21 corpus)",
    "airdsAirs": "public domain compositions (Aird's Airs, 1778-1803; transcribed by Jack Campin; music21 corpus)",
    "chorales": "public domain (J. S. Bach chorales; music21 corpus)",
    "essenFolksong": "non-commercial only (Essen Folksong Collection) - never in the shipped model",
    "midi": "user-supplied MIDI files - licence is the user's responsibility",
}
SPLIT_NAMES = ("train", "valid", "test")


@dataclass(frozen=True)
class WorkUnit:
    """One file to parse: a whole opus of tunes, a chorale, or a MIDI file."""

    collection: str
    path: str
    label: str


@dataclass
class ParsedTune:
    """One tune after parsing: key, per-bar meters and notes (tonic normalised to C)."""

    tune_id: str
    collection: str
    tonic_pc: int
    minor: bool
    meters: list[tuple[int, int]] = field(default_factory=list)
    notes: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # bar, pitch, start, dur, voice


def split_of(tune_id: str) -> int:
    """Deterministic split of one id: 90% train, 5% valid, 5% test, from a SHA-1 of the id (see ``dataset.grouped_splits``)."""
    bucket = int(hashlib.sha1(tune_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return 0 if bucket < 90 else (1 if bucket < 95 else 2)


def work_units(collections: tuple[str, ...], midi_dir: str | None) -> list[WorkUnit]:
    """The files to parse, in a stable order."""
    from music21 import corpus

    root = Path(corpus.__file__).parent
    units: list[WorkUnit] = []
    for name in collections:
        if name == "chorales":
            for work in sorted(set(corpus.chorales.Iterator(returnType="filename"))):
                path = corpus.getWork(work)
                path = path[0] if isinstance(path, list) else path
                units.append(WorkUnit(name, str(path), Path(str(path)).stem))
        else:
            units += [WorkUnit(name, str(p), p.stem) for p in sorted((root / name).rglob("*.abc"))]
    if midi_dir:
        for path in sorted(Path(midi_dir).rglob("*")):
            if path.suffix.lower() in (".mid", ".midi"):
                units.append(WorkUnit("midi", str(path), str(path.relative_to(midi_dir))))
    return units


def _ticks(quarter_length) -> int:
    return int(round(float(quarter_length) * PPQ))


def _top_pitch(element) -> int:
    return max(p.midi for p in element.pitches)


def _measure_notes(measure, shift_ticks: int, top_only: bool) -> list[tuple[int, int, int]]:
    """(midi, start ticks, duration ticks) of the notes in a measure, grace notes dropped."""
    out = []
    for element in measure.flatten().notes:
        duration = _ticks(element.quarterLength)
        if duration <= 0:
            continue
        start = _ticks(element.offset) + shift_ticks
        pitches = [_top_pitch(element)] if top_only else [p.midi for p in element.pitches]
        out += [(pitch, start, duration) for pitch in pitches]
    return out


def _bar_shifts(measures, bar_ticks: list[int]) -> list[int]:
    """Right-align pickups: a short first measure, or a short one following a short one."""
    shifts, previous_short = [], False
    for measure, full in zip(measures, bar_ticks):
        length = _ticks(measure.duration.quarterLength)
        short = length < full
        shifts.append(full - length if short and (not shifts or previous_short) else 0)
        previous_short = short and not (shifts[-1] > 0)
    return shifts


def extract_tune(score, tune_id: str, collection: str) -> ParsedTune:
    """Turn one music21 score into a ParsedTune; raises ValueError when it is unusable."""
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    key = score.analyze("key")
    tonic_pc = key.tonic.pitchClass
    transpose = -(tonic_pc if tonic_pc <= 6 else tonic_pc - 12)
    tune = ParsedTune(tune_id, collection, tonic_pc, key.mode == "minor")
    part_measures = [list(p.getElementsByClass("Measure")) for p in parts]
    melody_measures = part_measures[0]
    if len(melody_measures) < 2:
        raise ValueError("fewer than two measures")
    meter, bar_ticks = None, []
    for measure in melody_measures:
        meter = measure.timeSignature or meter
        if meter is None:
            raise ValueError("no time signature")
        tune.meters.append((meter.numerator, meter.denominator))
        bar_ticks.append(meter.numerator * 4 * PPQ // meter.denominator)
    shifts = _bar_shifts(melody_measures, bar_ticks)
    for voice, measures in enumerate(part_measures):
        for bar, measure in enumerate(measures[: len(melody_measures)]):
            for pitch, start, duration in _measure_notes(measure, shifts[bar], top_only=voice == 0):
                if start < bar_ticks[bar]:
                    duration = min(duration, bar_ticks[bar] - start)
                    tune.notes.append((bar, pitch + transpose, start, duration, min(voice, 1)))
    if not any(n[4] == 0 for n in tune.notes):
        raise ValueError("no melody notes")
    return tune


def _scores_of(unit: WorkUnit):
    """Yield (tune_id, score) for every tune in a unit's file."""
    from music21 import converter, stream

    parsed = converter.parse(unit.path)
    if isinstance(parsed, stream.Opus):
        for index, score in enumerate(parsed.scores):
            number = score.metadata.number if score.metadata and score.metadata.number else index
            yield f"{unit.collection}:{unit.label}:{number}", score
    else:
        yield f"{unit.collection}:{unit.label}", parsed


def parse_unit(unit: WorkUnit) -> tuple[list[ParsedTune], list[str]]:
    """Parse one work unit in a worker: its tunes, and a reason for each one skipped."""
    tunes, skipped = [], []
    try:
        for tune_id, score in _scores_of(unit):
            try:
                tunes.append(extract_tune(score, tune_id, unit.collection))
            except Exception as error:  # a bad tune is skipped, never a crash
                skipped.append(f"{tune_id}: {type(error).__name__}: {error}")
    except Exception as error:
        skipped.append(f"{unit.path}: {type(error).__name__}: {error}")
    return tunes, skipped


def _to_arrays(tunes: list[ParsedTune]) -> dict[str, np.ndarray]:
    """Flatten parsed tunes into the file's row tables."""
    rows: dict[str, list] = {k: [] for k in ("tune_first_bar", "tune_bar_count", "bar_meter_num", "bar_meter_den", "bar_first_note", "bar_note_count")}
    notes: list[tuple[int, int, int, int]] = []
    for tune in tunes:
        rows["tune_first_bar"].append(len(rows["bar_meter_num"]))
        rows["tune_bar_count"].append(len(tune.meters))
        by_bar: dict[int, list] = {}
        for bar, pitch, start, duration, voice in tune.notes:
            by_bar.setdefault(bar, []).append((pitch, start, duration, voice))
        for bar, (num, den) in enumerate(tune.meters):
            bar_notes = sorted(by_bar.get(bar, []), key=lambda n: (n[3], n[1], -n[0]))
            rows["bar_meter_num"].append(num)
            rows["bar_meter_den"].append(den)
            rows["bar_first_note"].append(len(notes))
            rows["bar_note_count"].append(len(bar_notes))
            notes += bar_notes
    arrays = {k: np.asarray(v, dtype=np.int32) for k, v in rows.items()}
    table = np.asarray(notes, dtype=np.int32).reshape(-1, 4)
    for column, name in enumerate(("note_pitch", "note_start_ticks", "note_duration_ticks", "note_voice")):
        arrays[name] = table[:, column].copy()
    arrays["tune_id"] = np.asarray([t.tune_id for t in tunes], dtype=str)
    arrays["tune_collection"] = np.asarray([t.collection for t in tunes], dtype=str)
    arrays["tune_tonic_pc"] = np.asarray([t.tonic_pc for t in tunes], dtype=np.int32)
    arrays["tune_mode_minor"] = np.asarray([t.minor for t in tunes], dtype=np.int8)
    arrays["tune_split"] = np.asarray([split_of(t.tune_id) for t in tunes], dtype=np.int8)
    return arrays


def sources_of(collections: tuple[str, ...], midi_dir: str | None) -> list[str]:
    return list(collections) + ([f"midi:{os.path.abspath(midi_dir)}"] if midi_dir else [])


def cache_is_current(path: Path, sources: list[str]) -> bool:
    """True when ``path`` holds a corpus of this version built from the same sources."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError):
        return False
    return meta.get("version") == CORPUS_VERSION and meta.get("sources") == sources


def _work_bytes(unit: WorkUnit) -> float:
    """A unit's parsing cost for the progress bar: its size in bytes, a compressed MusicXML
    byte counted as a quarter (measured: ~90 us per .mxl byte, 260-500 us per ABC byte).
    By file count the ETA was 10x off: one O'Neill file holds 100 tunes, one chorale one."""
    size = os.path.getsize(unit.path) if os.path.isfile(unit.path) else 1
    return size / 4 if unit.path.endswith(".mxl") else float(size)


def _parse_all(units: list[WorkUnit], processes: int) -> tuple[list[ParsedTune], list[str]]:
    tunes, skipped = [], []
    work = [_work_bytes(unit) for unit in units]
    progress = Progress(sum(work), "corpus", unit="B", unit_scale=True)
    with get_context("spawn").Pool(processes) as pool:
        for cost, (unit_tunes, unit_skipped) in zip(work, pool.imap(parse_unit, units, chunksize=1)):
            tunes += unit_tunes
            skipped += unit_skipped
            progress.update(cost, f"{len(tunes)} tunes, {len(skipped)} skipped")
    progress.close()
    return tunes, skipped


def build_corpus(out_path: Path = DEFAULT_CORPUS_PATH, midi_dir: str | None = None, include_noncommercial: bool = False, processes: int = 2, force: bool = False) -> Path:
    """Parse the sources into ``out_path`` unless a current cache is already there."""
    collections = COMMERCIAL_COLLECTIONS + (NONCOMMERCIAL_COLLECTIONS if include_noncommercial else ())
    sources = sources_of(collections, midi_dir)
    if not force and cache_is_current(out_path, sources):
        log.info("corpus %s is current (version %d, %s); not rebuilding", out_path, CORPUS_VERSION, sources)
        return out_path
    start_s = time.monotonic()
    units = work_units(collections, midi_dir)
    log.info("parsing %d files from %s with %d processes", len(units), sources, processes)
    tunes, skipped = _parse_all(units, processes)
    for reason in skipped:
        log.warning("skipped %s", reason)
    tunes.sort(key=lambda t: t.tune_id)
    arrays = _to_arrays(tunes)
    meta = {"version": CORPUS_VERSION, "sources": sources, "licences": {c: LICENCES[c] for c in list(collections) + (["midi"] if midi_dir else [])},
            "tunes": len(tunes), "skipped": len(skipped), "skip_reasons": skipped[:200], "build_s": round(time.monotonic() - start_s, 1),
            "ticks_per_quarter": PPQ, "splits": list(SPLIT_NAMES)}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = out_path.with_name(out_path.name + ".tmp.npz")
    np.savez_compressed(tmp_path, meta=np.asarray(json.dumps(meta)), **arrays)
    os.replace(tmp_path, out_path)
    log.info("corpus: %d tunes, %d bars, %d notes, %d skipped, %.0f s -> %s", len(tunes), len(arrays["bar_meter_num"]), len(arrays["note_pitch"]), len(skipped), meta["build_s"], out_path)
    return out_path


def load_corpus(path: Path = DEFAULT_CORPUS_PATH) -> tuple[dict[str, np.ndarray], dict]:
    """The corpus arrays and its meta dictionary, loaded without pickle."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "meta"}
        meta = json.loads(str(data["meta"]))
    return arrays, meta
