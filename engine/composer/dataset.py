"""From the parsed corpus to token streams: bars, derived harmony, tokens and conditioning.

``corpus_bars`` rebuilds each tune (as played: repeats expanded) as grid-quantised
key-neutral ``Bar`` objects with harmony derived by ``harmony.derive_harmony``, and
``corpus_forms`` gives each bar's place in the form; ``build_token_dataset`` encodes
them and labels every bar with its attributes and form position (the conditioning),
caching the result (npz, no pickle) next to the corpus so training starts in seconds.
The form labels are kept beside (``bar_form``, columns ``corpus.FORM_FIELDS``) for the
evaluation's structure figures.

The split is decided here, not by the corpus's per-id hash: O'Neill's and Ryan's share
many tunes under different ids, so tunes are grouped by a key- and
transposition-invariant melody signature (``melody_signatures``) and every group goes
to the split of its smallest tune id (``grouped_splits``). No melody is in two splits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np

from engine.composer import attributes, harmony, tokens
from engine.composer.corpus import FORM_FIELDS, load_corpus, split_of
from engine.composer.form_labels import BarForm
from engine.music.notes import Bar, Chord, Meter, Note

log = logging.getLogger(__name__)

TRAINING_CODEC = tokens.MELODY_HARMONY_V2
"""The tokenisation new datasets (and the models trained on them) use: the base one plus 3/2, 6/4, 5/4."""
TOKEN_DATASET_VERSION = 3
DEFAULT_TOKENS_PATH = Path("data/tokens-v3.npz")
SIGNATURE_HEAD_NOTES = 16
SPLIT_METHOD = (f"tunes grouped by melody signature: SHA-1 of the (interval, grid duration) sequence of the whole "
                f"melody, or of its first {SIGNATURE_HEAD_NOTES} notes; tunes sharing either are one group (transitively); "
                "a group takes the split of its smallest tune id (SHA-1 of the id: 90/5/5 %)")


def _tune_rows(arrays: dict[str, np.ndarray], tune: int):
    """(meter text, melody notes, lower-voice notes) per bar of one tune, as (pitch, start, dur) tuples."""
    first, count = int(arrays["tune_first_bar"][tune]), int(arrays["tune_bar_count"][tune])
    for bar in range(first, first + count):
        meter = f'{arrays["bar_meter_num"][bar]}/{arrays["bar_meter_den"][bar]}'
        lo = int(arrays["bar_first_note"][bar])
        hi = lo + int(arrays["bar_note_count"][bar])
        rows = zip(arrays["note_pitch"][lo:hi].tolist(), arrays["note_start_ticks"][lo:hi].tolist(),
                   arrays["note_duration_ticks"][lo:hi].tolist(), arrays["note_voice"][lo:hi].tolist())
        melody, lower = [], []
        for pitch, start, duration, voice in rows:
            (lower if voice else melody).append((pitch, start, duration))
        yield meter, melody, lower


def _supported_segment(rows) -> list:
    """The tune's bars up to the first bar in a meter the tokenizer does not know."""
    kept = []
    for meter, melody, lower in rows:
        if meter not in TRAINING_CODEC.meters:
            break
        kept.append((Meter.parse(meter), melody, lower))
    return kept


def tune_bars(rows, minor: bool) -> list[Bar]:
    """Grid-quantised Bars with derived harmony for one tune's (meter, melody, lower) rows."""
    mode = "minor" if minor else "major"
    quantised, weights, slot_ticks = [], [], []
    for meter, melody, lower in rows:
        grid = tokens.grid_per_bar(meter)
        notes = tokens.quantize_melody([Note(p, s, d) for p, s, d in melody if 0 <= p <= 127], grid)
        quantised.append(notes)
        bounds = list(tokens.harmony_slots(meter)) + [grid]
        slots = [(bounds[i] * tokens.GRID_TICKS, bounds[i + 1] * tokens.GRID_TICKS) for i in range(len(bounds) - 1)]
        slot_ticks.append(slots)
        grid_notes = [(p, s * tokens.GRID_TICKS, d * tokens.GRID_TICKS) for p, s, d in notes]
        weights.append(harmony.slot_weights(grid_notes, slots) + harmony.slot_weights(lower, slots))
    chords = harmony.derive_harmony(np.concatenate(weights) if weights else np.zeros((0, 12)), minor)
    bars, next_chord = [], 0
    for (meter, _, _), notes, slots in zip(rows, quantised, slot_ticks):
        harmony_row = tuple(Chord(r, q, lo, hi - lo) for (r, q), (lo, hi) in zip(chords[next_chord:], slots))
        next_chord += len(slots)
        melody = tuple(Note(p, s * tokens.GRID_TICKS, d * tokens.GRID_TICKS, tokens.MELODY_VELOCITY) for p, s, d in notes)
        bars.append(Bar(meter, melody, harmony_row, mode))
    return bars


def corpus_bars(arrays: dict[str, np.ndarray], tune: int) -> list[Bar]:
    """All usable bars of tune number ``tune`` of a loaded corpus (up to the first meter the tokenizer lacks)."""
    rows = _supported_segment(list(_tune_rows(arrays, tune)))
    return tune_bars(rows, bool(arrays["tune_mode_minor"][tune])) if len(rows) >= 2 else []


def corpus_forms(arrays: dict[str, np.ndarray], tune: int, bar_count: int) -> list[BarForm]:
    """The form labels of the first ``bar_count`` bars of tune number ``tune``."""
    first = int(arrays["tune_first_bar"][tune])
    columns = [arrays[f"bar_{name}"][first : first + bar_count].tolist() for name in FORM_FIELDS]
    return [form_of_row(row) for row in zip(*columns)]


def form_of_row(row) -> BarForm:
    """A BarForm from one row of ``FORM_FIELDS`` values."""
    section, passes, phrase, phrases, within, length, closes, closes_section = (int(v) for v in row)
    return BarForm(section, passes, phrase, phrases, within, length, bool(closes), bool(closes_section), pickup=within < 0)


def form_row(form: BarForm) -> tuple[int, ...]:
    return (form.section, form.section_pass, form.phrase_in_section, form.section_phrases, form.bar_in_phrase, form.phrase_bars,
            int(form.closes_phrase), int(form.closes_section))


def encode_tune(bars: list[Bar], minor: bool, forms: list[BarForm] | None = None) -> tuple[list[int], list[int], np.ndarray]:
    """(tokens, bar index per token, (n_bars, C) conditioning: attributes, mode, meter and form position);
    a final BAR token closes the last bar. Without ``forms`` every bar gets ``attributes.default_form``."""
    token_list, token_bar, conds = [], [], []
    for index, bar in enumerate(bars):
        bar_tokens = TRAINING_CODEC.encode(bar)
        token_list += bar_tokens
        token_bar += [index] * len(bar_tokens)
        form = forms[index] if forms is not None else attributes.default_form(index)
        conds.append(np.concatenate([attributes.conditioning_vector(attributes.bar_attributes(bar), minor, bar.meter), attributes.position_vector(form)]))
    token_list.append(TRAINING_CODEC.bar_token(bars[-1].meter))
    token_bar.append(len(bars) - 1)
    return token_list, token_bar, np.stack(conds)


def melody_signatures(bars: list[Bar], head_notes: int = SIGNATURE_HEAD_NOTES) -> tuple[str, str]:
    """(whole-melody, first-``head_notes``) signatures: hashes of intervals and grid durations, so transpositions match."""
    notes = [note for bar in bars for note in sorted(bar.melody, key=lambda n: n.start_ticks)]
    pitches = [n.pitch for n in notes]
    steps = [(b - a, n.duration_ticks // tokens.GRID_TICKS) for a, b, n in zip(pitches, pitches[1:], notes[1:])]
    first = notes[0].duration_ticks // tokens.GRID_TICKS if notes else 0

    def digest(pairs) -> str:
        return hashlib.sha1(json.dumps([first, pairs]).encode()).hexdigest()

    return digest(steps), digest(steps[: head_notes - 1])


def grouped_splits(tune_ids: list[str], signatures: list[tuple[str, ...]]) -> tuple[np.ndarray, list[int]]:
    """The split of every tune when tunes sharing any signature are one group; and the sizes of the groups of two or more."""
    parent = list(range(len(tune_ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[tuple[int, str], int] = {}
    for tune, keys in enumerate(signatures):
        for kind, key in enumerate(keys):
            other = first_with.setdefault((kind, key), tune)
            parent[root(tune)] = root(other)
    groups: dict[int, list[int]] = {}
    for tune in range(len(tune_ids)):
        groups.setdefault(root(tune), []).append(tune)
    splits = np.zeros(len(tune_ids), dtype=np.int8)
    for members in groups.values():
        splits[members] = split_of(min(tune_ids[m] for m in members))
    return splits, sorted((len(m) for m in groups.values() if len(m) > 1), reverse=True)


def build_token_dataset(corpus_path: Path, out_path: Path = DEFAULT_TOKENS_PATH) -> Path:
    """Encode every tune of the corpus into ``out_path`` unless it is current."""
    stamp = {"version": TOKEN_DATASET_VERSION, "corpus": str(corpus_path), "corpus_mtime": Path(corpus_path).stat().st_mtime}
    if out_path.exists():
        with np.load(out_path, allow_pickle=False) as data:
            if json.loads(str(data["meta"])).get("stamp") == stamp:
                return out_path
    start_s = time.monotonic()
    arrays, corpus_meta = load_corpus(corpus_path)
    all_tokens, all_bars, all_conds, all_forms, tune_rows, bar_offset, signatures = [], [], [], [], [], 0, []
    for tune in range(len(arrays["tune_id"])):
        bars = corpus_bars(arrays, tune)
        if not bars:
            continue
        forms = corpus_forms(arrays, tune, len(bars))
        all_forms += [form_row(f) for f in forms]
        tune_tokens, token_bar, conds = encode_tune(bars, bool(arrays["tune_mode_minor"][tune]), forms)
        signatures.append(melody_signatures(bars))
        tune_rows.append((len(all_tokens), len(tune_tokens), 0, len(bars), tune))
        all_bars += [b + bar_offset for b in token_bar]
        bar_offset += len(conds)
        all_tokens += tune_tokens
        all_conds.append(conds)
    table = np.asarray(tune_rows, dtype=np.int64).reshape(-1, 5)
    table[:, 2], group_sizes = grouped_splits([str(i) for i in arrays["tune_id"][table[:, 4]]], signatures)
    moved = int((table[:, 2] != arrays["tune_split"][table[:, 4]]).sum())
    meta = {"stamp": stamp, "build_s": round(time.monotonic() - start_s, 1), "corpus_sources": corpus_meta["sources"],
            "codec": TRAINING_CODEC.name, "provenance": corpus_meta.get("provenance", {}), "key_labels": corpus_meta.get("key_labels", {}), "bar_form_columns": list(FORM_FIELDS),
            "conditioning": {"attributes": attributes.CONDITIONING_SIZE, "position": attributes.POSITION_SIZE},
            "split_method": SPLIT_METHOD, "duplicate_groups": len(group_sizes),
            "tunes_in_duplicate_groups": int(sum(group_sizes)), "largest_duplicate_group": max(group_sizes, default=1),
            "tunes_moved_from_id_split": moved}
    np.savez_compressed(out_path, meta=np.asarray(json.dumps(meta)), tokens=np.asarray(all_tokens, dtype=np.int16),
                        token_bar=np.asarray(all_bars, dtype=np.int32), bar_cond=np.concatenate(all_conds).astype(np.float32),
                        bar_form=np.asarray(all_forms, dtype=np.int16).reshape(-1, len(FORM_FIELDS)),
                        tune_first_token=table[:, 0], tune_token_count=table[:, 1], tune_split=table[:, 2].astype(np.int8),
                        tune_bar_count=table[:, 3], tune_index=table[:, 4], tune_id=arrays["tune_id"][table[:, 4]],
                        tune_collection=arrays["tune_collection"][table[:, 4]])
    log.info("token dataset: %d tunes, %d tokens, %d duplicate groups, %.0f s -> %s", len(table), len(all_tokens), len(group_sizes), meta["build_s"], out_path)
    return out_path


def load_token_dataset(path: Path = DEFAULT_TOKENS_PATH) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def dataset_stats(data: dict[str, np.ndarray]) -> dict:
    """Tunes, bars and tokens per split, tunes per collection, and how the split was made."""
    meta = json.loads(str(data["meta"])) if "meta" in data else {}
    stats = {key: meta[key] for key in ("split_method", "duplicate_groups", "tunes_in_duplicate_groups") if key in meta}
    for split, name in enumerate(("train", "valid", "test")):
        chosen = data["tune_split"] == split
        stats[name] = {"tunes": int(chosen.sum()), "bars": int(data["tune_bar_count"][chosen].sum()), "tokens": int(data["tune_token_count"][chosen].sum())}
    names, counts = np.unique(data["tune_collection"], return_counts=True)
    stats["tunes_per_collection"] = {str(n): int(c) for n, c in zip(names, counts)}
    return stats
