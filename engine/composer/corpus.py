"""The training corpus: every source's tunes, as played, labelled, in one versioned file.

``build_corpus`` reads the collections of ``provenance.PROVENANCE`` that are asked for
(by default ``provenance.DEFAULT_COLLECTIONS``: the music21 folk collections parsed by
two worker processes, plus the committed CC0 DCML chorales) and optionally a user's
MIDI folder, and writes ONE ``.npz`` (no pickle) under ``data/``. Each tune is stored
as played (repeats expanded, pickups joined: ``form_labels``), normalised so its
labelled tonic (``key_labels``: the source's own key first) is C. Each music21
collection's parse is cached under ``data/parsed/`` so a change to another source
does not re-parse it. ``tune_split`` here is only the hash of each tune's id; the
split training uses is decided by the token dataset (``dataset.grouped_splits``).

Layout of the file (arrays, one row per tune / bar / note):

- ``tune_id, tune_collection, tune_key_source, tune_mode_name`` (unicode),
  ``tune_tonic_pc, tune_mode_minor`` (the label), ``tune_analysed_tonic_pc,
  tune_analysed_minor`` (music21's analyze('key'), for the report), ``tune_final_pc``,
  ``tune_split`` (0 train, 1 valid, 2 test, by id only), ``tune_first_bar, tune_bar_count``;
- ``bar_meter_num, bar_meter_den, bar_first_note, bar_note_count, bar_source_measure``
  and the form labels ``bar_section, bar_section_pass, bar_phrase_in_section,
  bar_section_phrases, bar_in_phrase`` (-1: the opening pickup), ``bar_phrase_bars,
  bar_closes_phrase, bar_closes_section``;
- ``note_pitch`` (tonic-C MIDI), ``note_start_ticks, note_duration_ticks`` (engine
  ticks from the bar start), ``note_voice`` (0 melody, 1 lower voices);
- ``meta``: a JSON string with version, sources, each source's provenance row, counts,
  the key-label report and skip reasons.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from engine.composer import key_labels, provenance
from engine.composer.corpus_music21 import ParsedTune
from engine.progress import Progress
from engine.music.notes import PPQ

log = logging.getLogger(__name__)

CORPUS_VERSION = 2
DEFAULT_CORPUS_PATH = Path("data/corpus-v2.npz")
SPLIT_NAMES = ("train", "valid", "test")
FORM_FIELDS = ("section", "section_pass", "phrase_in_section", "section_phrases", "in_phrase", "phrase_bars", "closes_phrase", "closes_section")
"""Per-bar form columns, stored as ``bar_<field>``; ``in_phrase`` is BarForm.bar_in_phrase."""


@dataclass(frozen=True)
class WorkUnit:
    """One file to parse: a whole opus of tunes, a chorale, or a MIDI file."""

    collection: str
    path: str
    label: str


def split_of(tune_id: str) -> int:
    """Deterministic split of one id: 90% train, 5% valid, 5% test, from a SHA-1 of the id (see ``dataset.grouped_splits``)."""
    bucket = int(hashlib.sha1(tune_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return 0 if bucket < 90 else (1 if bucket < 95 else 2)


def collection_units(name: str) -> list[WorkUnit]:
    """The files of one music21 collection, in a stable order."""
    from music21 import corpus

    if name == "chorales":
        units = []
        for work in sorted(set(corpus.chorales.Iterator(returnType="filename"))):
            path = corpus.getWork(work)
            path = path[0] if isinstance(path, list) else path
            units.append(WorkUnit(name, str(path), Path(str(path)).stem))
        return units
    root = Path(corpus.__file__).parent
    return [WorkUnit(name, str(p), p.stem) for p in sorted((root / name).rglob("*.abc"))]


def midi_units(midi_dir: str) -> list[WorkUnit]:
    """Every .mid/.midi file under ``midi_dir``; OSError when it is not a directory."""
    root = Path(midi_dir)
    if not root.is_dir():
        raise OSError(f"--midi {midi_dir}: not a directory")
    return [WorkUnit("midi", str(p), str(p.relative_to(root))) for p in sorted(root.rglob("*")) if p.suffix.lower() in (".mid", ".midi")]


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
    from engine.composer.corpus_music21 import extract_tune

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


_BAR_COLUMNS = ("tune_first_bar", "tune_bar_count", "bar_meter_num", "bar_meter_den", "bar_first_note", "bar_note_count", "bar_source_measure") + tuple(f"bar_{f}" for f in FORM_FIELDS)


def _bar_rows(tune: ParsedTune, rows: dict[str, list], notes: list) -> None:
    """Append one tune's bars (meters, form labels, note ranges) and notes to the row tables."""
    rows["tune_first_bar"].append(len(rows["bar_meter_num"]))
    rows["tune_bar_count"].append(len(tune.meters))
    by_bar: dict[int, list] = {}
    for bar, pitch, start, duration, voice in tune.notes:
        by_bar.setdefault(bar, []).append((pitch, start, duration, voice))
    for bar, ((num, den), form, measure) in enumerate(zip(tune.meters, tune.forms, tune.source_measures)):
        bar_notes = sorted(by_bar.get(bar, []), key=lambda n: (n[3], n[1], -n[0]))
        values = (num, den, len(notes), len(bar_notes), measure, form.section, form.section_pass, form.phrase_in_section,
                  form.section_phrases, form.bar_in_phrase, form.phrase_bars, int(form.closes_phrase), int(form.closes_section))
        for column, value in zip(_BAR_COLUMNS[2:], values):
            rows[column].append(value)
        notes += bar_notes


def to_arrays(tunes: list[ParsedTune]) -> dict[str, np.ndarray]:
    """Flatten parsed tunes into the file's row tables."""
    rows: dict[str, list] = {k: [] for k in _BAR_COLUMNS}
    notes: list[tuple[int, int, int, int]] = []
    for tune in tunes:
        _bar_rows(tune, rows, notes)
    arrays = {k: np.asarray(v, dtype=np.int32) for k, v in rows.items()}
    table = np.asarray(notes, dtype=np.int32).reshape(-1, 4)
    for column, name in enumerate(("note_pitch", "note_start_ticks", "note_duration_ticks", "note_voice")):
        arrays[name] = table[:, column].copy()
    text = {"tune_id": [t.tune_id for t in tunes], "tune_collection": [t.collection for t in tunes],
            "tune_key_source": [t.key.source for t in tunes], "tune_mode_name": [t.key.mode for t in tunes]}
    arrays |= {k: np.asarray(v, dtype=str).reshape(-1) for k, v in text.items()}
    ints = {"tune_tonic_pc": [t.tonic_pc for t in tunes], "tune_analysed_tonic_pc": [t.analysed_tonic_pc for t in tunes],
            "tune_final_pc": [t.final_pc for t in tunes]}
    arrays |= {k: np.asarray(v, dtype=np.int32) for k, v in ints.items()}
    arrays["tune_mode_minor"] = np.asarray([t.minor for t in tunes], dtype=np.int8)
    arrays["tune_analysed_minor"] = np.asarray([t.analysed_minor for t in tunes], dtype=np.int8)
    arrays["tune_split"] = np.asarray([split_of(t.tune_id) for t in tunes], dtype=np.int8)
    return arrays


def concat_arrays(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One corpus from several (bar and note offsets moved)."""
    parts = [p for p in parts if len(p.get("tune_id", ()))]
    if not parts:
        return to_arrays([])
    out: dict[str, list] = {k: [] for k in parts[0]}
    bars = notes = 0
    for part in parts:
        for key, value in part.items():
            out[key].append(value + bars if key == "tune_first_bar" else value + notes if key == "bar_first_note" else value)
        bars += len(part["bar_meter_num"])
        notes += len(part["note_pitch"])
    return {k: np.concatenate(v) for k, v in out.items()}


def _work_bytes(unit: WorkUnit) -> float:
    """A unit's parsing cost for the progress bar: its size in bytes, a compressed MusicXML
    byte counted as a quarter (measured: ~90 us per .mxl byte, 260-500 us per ABC byte).
    By file count the ETA was 10x off: one O'Neill file holds 100 tunes, one chorale one."""
    size = os.path.getsize(unit.path) if os.path.isfile(unit.path) else 1
    return size / 4 if unit.path.endswith(".mxl") else float(size)


def _parse_units(units: list[WorkUnit], processes: int, label: str) -> tuple[list[ParsedTune], list[str]]:
    tunes, skipped = [], []
    work = [_work_bytes(unit) for unit in units]
    progress = Progress(sum(work), label, unit="B", unit_scale=True)
    with get_context("spawn").Pool(processes) as pool:
        for cost, (unit_tunes, unit_skipped) in zip(work, pool.imap(parse_unit, units, chunksize=1)):
            tunes += unit_tunes
            skipped += unit_skipped
            progress.update(cost, f"{len(tunes)} tunes, {len(skipped)} skipped")
    progress.close()
    tunes.sort(key=lambda t: t.tune_id)
    return tunes, skipped


def _save(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp_path, meta=np.asarray(json.dumps(meta)), **arrays)
    os.replace(tmp_path, path)


def parsed_collection(name: str, cache_dir: Path, processes: int, force: bool) -> tuple[dict[str, np.ndarray], list[str]]:
    """One music21 collection's arrays, parsed now or read from ``cache_dir`` when that parse is of this version."""
    path = cache_dir / f"{name}-v{CORPUS_VERSION}.npz"
    if not force and cache_is_current(path, [name]):
        arrays, meta = load_corpus(path)
        log.info("%s: %d tunes from the cache %s", name, len(arrays["tune_id"]), path)
        return arrays, meta["skip_reasons"]
    units = collection_units(name)
    log.info("parsing %s: %d files with %d processes", name, len(units), processes)
    tunes, skipped = _parse_units(units, processes, name)
    arrays = to_arrays(tunes)
    _save(path, arrays, {"version": CORPUS_VERSION, "sources": [name], "skip_reasons": skipped})
    return arrays, skipped


def source_arrays(source: str, cache_dir: Path, processes: int, force: bool) -> tuple[dict[str, np.ndarray], list[str]]:
    """The arrays of one source: a music21 collection, the committed DCML chorales, or ``midi:DIR``."""
    if source.startswith("midi:"):
        tunes, skipped = _parse_units(midi_units(source[5:]), processes, "midi")
        return to_arrays(tunes), skipped
    if source == "dcml_chorales":
        from engine.composer.dcml import load_dcml_tunes

        return to_arrays(load_dcml_tunes()), []
    provenance.provenance_of(source)
    if source not in provenance.MUSIC21_COLLECTIONS:
        raise ValueError(f"collection {source!r} is not a music21 collection")
    return parsed_collection(source, cache_dir, processes, force)


def label_report(arrays: dict[str, np.ndarray]) -> dict:
    """How the key labels were decided and how often music21's analyze('key') disagrees with them, per collection."""
    report: dict[str, dict] = {}
    for collection in sorted(set(arrays["tune_collection"].tolist())):
        rows = np.flatnonzero(arrays["tune_collection"] == collection)
        kinds = [key_labels.disagreement(key_labels.KeyLabel(int(arrays["tune_tonic_pc"][r]), str(arrays["tune_mode_name"][r]), ""),
                                         int(arrays["tune_analysed_tonic_pc"][r]), bool(arrays["tune_analysed_minor"][r])) for r in rows]
        ends_on = lambda column: int(sum(arrays["tune_final_pc"][r] == arrays[column][r] for r in rows))  # noqa: E731
        report[collection] = {"tunes": len(rows), "label_source": {str(s): int(n) for s, n in zip(*np.unique(arrays["tune_key_source"][rows], return_counts=True))},
                              "disagree_with_analysis": sum(1 for k in kinds if k), "disagree_rate": round(sum(1 for k in kinds if k) / max(1, len(rows)), 4),
                              "relative": kinds.count("relative"), "parallel": kinds.count("parallel"), "other": kinds.count("other"),
                              "ends_on_label_tonic": ends_on("tune_tonic_pc"), "ends_on_analysed_tonic": ends_on("tune_analysed_tonic_pc")}
    return report


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


def build_corpus(out_path: Path = DEFAULT_CORPUS_PATH, midi_dir: str | None = None, collections: tuple[str, ...] = provenance.DEFAULT_COLLECTIONS,
                 processes: int = 2, force: bool = False) -> Path:
    """Read ``collections`` (and ``midi_dir``) into ``out_path`` unless a current cache is already there."""
    sources = sources_of(collections, midi_dir)
    if not sources:
        raise ValueError("nothing to build: no collections and no --midi folder")
    if not force and cache_is_current(out_path, sources):
        log.info("corpus %s is current (version %d, %s); not rebuilding", out_path, CORPUS_VERSION, sources)
        return out_path
    start_s = time.monotonic()
    parts, skipped = [], []
    for source in sources:
        arrays, source_skipped = source_arrays(source, out_path.parent / "parsed", processes, force)
        parts.append(arrays)
        skipped += source_skipped
    for reason in skipped:
        log.warning("skipped %s", reason)
    arrays = concat_arrays(parts)
    names = list(collections) + (["midi"] if midi_dir else [])
    meta = {"version": CORPUS_VERSION, "sources": sources, "provenance": provenance.licence_table(names),
            "tunes": int(len(arrays["tune_id"])), "bars": int(len(arrays["bar_meter_num"])), "skipped": len(skipped),
            "skip_reasons": skipped[:200], "key_labels": label_report(arrays), "build_s": round(time.monotonic() - start_s, 1),
            "ticks_per_quarter": PPQ, "splits": list(SPLIT_NAMES)}
    _save(out_path, arrays, meta)
    log.info("corpus: %d tunes, %d bars, %d notes, %d skipped, %.0f s -> %s", meta["tunes"], meta["bars"], len(arrays["note_pitch"]), len(skipped), meta["build_s"], out_path)
    return out_path


def load_corpus(path: Path = DEFAULT_CORPUS_PATH) -> tuple[dict[str, np.ndarray], dict]:
    """The corpus arrays and its meta dictionary, loaded without pickle; OSError naming the file when it is missing."""
    if not Path(path).exists():
        raise OSError(f"corpus {path} does not exist: run `moodscore corpus build` first")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "meta"}
        meta = json.loads(str(data["meta"]))
    return arrays, meta
