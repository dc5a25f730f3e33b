"""Import the CC0 Bach chorales of DCMLab/bach_chorales into models/corpus/ (run once; the output is committed).

    python tools/import_dcml_chorales.py [--mirror DIR] [--check-music21]

Reads the repository's ms3 tables straight from a local bare mirror (``git show``; the
search tool's ``fetch`` made it; nothing is downloaded): ``measures/*.tsv`` (meter,
key signature, actual length, repeat signs), ``notes/*.tsv`` (MIDI pitch, onset and
duration of every note, staff and voice), ``metadata.tsv`` (voltas), and the fermatas
from ``MS3/*.mscx`` (a chorale's phrase ends). Writes

- ``models/corpus/dcml-bach-chorales.npz``: one row per chorale / measure / note (no pickle);
- ``models/corpus/PROVENANCE.md``: source, licence, commit, and the accidental filter and its check.

The README warns that the Capella -> MuseScore conversion left wrong accidentals. Their
one unambiguous symptom is a clash (``clashes``): two voices sounding the same letter
with different accidentals at the same time (F against F#, which Bach's four-part
writing does not do). A chorale with a clash is dropped. A repair was tried first
(move the minority spelling within one beat to the majority) and measured against
music21's independent encodings: it made one more note differ than it fixed, so the
filter replaced it. ``--check-music21`` measures, for the chorales music21 also ships
(other encodings, used only for this check), how many aligned notes differ by a
semitone, and writes that into PROVENANCE.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.music.notes import PPQ  # noqa: E402

MIRROR = Path("/work/.mirror/DCMLab+bach_chorales/repo")
OUT_DIR = ROOT / "models" / "corpus"
DATA_FILE = "dcml-bach-chorales.npz"
WHOLE = 4 * PPQ


def git(mirror: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(mirror), *args], check=True, capture_output=True, text=True).stdout


def table(mirror: Path, path: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(git(mirror, "show", f"HEAD:{path}")), delimiter="\t"))


def files(mirror: Path, folder: str, suffix: str) -> dict[str, str]:
    """{piece name: path} of the files in ``folder`` ending in ``suffix``."""
    names = git(mirror, "ls-tree", "-z", "--name-only", "HEAD", f"{folder}/").split("\0")
    return {Path(n).name[: -len(suffix)]: n for n in names if n.endswith(suffix)}


def whole_ticks(text: str) -> int:
    """Ticks of a duration written in whole notes ('3/4')."""
    return int(Fraction(text) * WHOLE)


def fermata_measures(mirror: Path, path: str) -> set[int]:
    """1-based measure counts (mc) of the top staff that carry a fermata."""
    root = ElementTree.fromstring(git(mirror, "show", f"HEAD:{path}"))
    staff = next(s for s in root.iter("Staff") if s.get("id") == "1" and s.find("Measure") is not None)
    return {mc for mc, measure in enumerate(staff.findall("Measure"), start=1) if "fermata" in ElementTree.tostring(measure, encoding="unicode").lower()}


def voltas(metadata_row: dict) -> dict[int, int]:
    """mc -> volta number, from metadata's volta_mcs ('[[[5], [6]]]')."""
    text = metadata_row.get("volta_mcs", "").strip()
    out: dict[int, int] = {}
    for group in json.loads(text) if text else []:
        for number, mcs in enumerate(group, start=1):
            out |= {mc: number for mc in mcs}
    return out


def measure_rows(rows: list[dict], endings: dict[int, int], fermatas: set[int]) -> list[tuple]:
    """(mc, meter num, den, length ticks, keysig, repeat_start, repeat_end, ending, fermata) per measure."""
    out = []
    for row in rows:
        mc = int(row["mc"])
        num, den = (int(x) for x in row["timesig"].split("/"))
        repeats = row.get("repeats", "")
        out.append((mc, num, den, whole_ticks(row["act_dur"]), int(row["keysig"]), int(repeats in ("start", "startend")),
                    int(repeats in ("end", "startend")), endings.get(mc, 0), int(mc in fermatas)))
    return out


PARTS = (("1", "1"), ("1", "2"), ("2", "1"), ("2", "2"))
"""(staff, voice) of soprano, alto, tenor, bass in the ms3 tables."""


def note_rows(rows: list[dict]) -> list[list[int]]:
    """[mc, onset ticks in the measure, duration ticks, midi, tpc, part (0 soprano .. 3 bass)] per note."""
    out = []
    for row in rows:
        key = (row["staff"], row["voice"])
        part = PARTS.index(key) if key in PARTS else 3
        out.append([int(row["mc"]), whole_ticks(row["mc_onset"]), whole_ticks(row["duration"]), int(row["midi"]), int(row["tpc"]), part])
    return out


def clashes(notes: list[list[int]], starts: dict[int, int]) -> int:
    """How many pairs of notes in different parts sound the same letter with different accidentals at once."""
    times = [(starts[n[0]] + n[1], starts[n[0]] + n[1] + n[2]) for n in notes]
    order = sorted(range(len(notes)), key=lambda i: times[i][0])
    found = 0
    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1:]:
            if times[b][0] >= times[a][1]:
                break
            found += notes[a][5] != notes[b][5] and abs(notes[a][4] - notes[b][4]) == 7  # tpcs 7 apart: one letter, two accidentals
    return found


def import_piece(mirror: Path, name: str, paths: dict, metadata: dict) -> tuple[list, list, int]:
    """(measure rows, note rows, clashes) of one chorale."""
    measures = measure_rows(table(mirror, paths["measures"][name]), voltas(metadata.get(name, {})), fermata_measures(mirror, paths["mscx"][name]))
    notes = note_rows(table(mirror, paths["notes"][name]))
    starts, position = {}, 0
    for mc, _, _, length, *_ in measures:
        starts[mc] = position
        position += length
    return measures, notes, clashes(notes, starts)


def analysed_key(notes: list[list[int]]) -> tuple[int, bool]:
    """music21's analyze('key') of the notes (for the label report only)."""
    from music21 import note, stream

    part = stream.Stream()
    for _, _, duration, midi, _, _ in notes:
        part.append(note.Note(midi, quarterLength=duration / PPQ))
    found = part.analyze("key")
    return found.tonic.pitchClass, found.mode == "minor"


def semitone_differences(notes: list[list[int]], bwv_path: str) -> tuple[int, int, int] | None:
    """(aligned notes, notes a semitone apart, notes compared) against music21's encoding of the same chorale, part by part."""
    import difflib

    from music21 import corpus

    parts = [p for p in corpus.parse(bwv_path).parts if len(p.flatten().notes)][-4:]
    if len(parts) != 4:
        return None
    aligned = semis = total = 0
    for index, part in enumerate(parts):
        theirs = [p.midi for n in part.flatten().notes for p in n.pitches]
        ours = [n[3] for n in notes if n[5] == index]
        matcher = difflib.SequenceMatcher(a=theirs, b=ours, autojunk=False)
        aligned += sum(block.size for block in matcher.get_matching_blocks())
        total += max(len(theirs), len(ours))
        semis += sum(1 for op, a0, a1, b0, b1 in matcher.get_opcodes() if op == "replace" and a1 - a0 == b1 - b0
                     for x, y in zip(theirs[a0:a1], ours[b0:b1]) if abs(x - y) == 1)
    return aligned, semis, total


def validate(pieces: list[tuple]) -> dict:
    """Semitone differences against music21's chorales (same Riemenschneider number, alignment >= 90 %)."""
    from music21.corpus.chorales import ChoraleList

    by_number = ChoraleList().byRiemenschneider
    semis = aligned = compared = matched = 0
    for name, _, notes, *_ in pieces:
        info = by_number.get(int(name[:3]))
        try:
            result = semitone_differences(notes, f"bach/bwv{info['bwv']}") if info else None
        except Exception:  # music21 lacks that chorale: nothing to compare
            result = None
        if result is None or result[0] < 0.9 * result[2]:
            continue
        matched += 1
        aligned, compared, semis = aligned + result[0], compared + result[2], semis + result[1]
    return {"chorales_compared": matched, "notes_compared": compared, "notes_aligned": aligned, "semitone_differences": semis}


def write_data(out_dir: Path, pieces: list[tuple], meta: dict) -> Path:
    """The compact npz: piece table, measure table, note table, meta."""
    piece_rows, measures, notes = [], [], []
    for name, piece_measures, piece_notes, analysed in pieces:
        piece_rows.append((len(measures), len(piece_measures), len(notes), len(piece_notes), 0, analysed[0], int(analysed[1])))
        measures += piece_measures
        notes += piece_notes
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DATA_FILE
    np.savez_compressed(path, meta=np.asarray(json.dumps(meta)), piece_name=np.asarray([p[0] for p in pieces], dtype=str),
                        pieces=np.asarray(piece_rows, dtype=np.int32), measures=np.asarray(measures, dtype=np.int32),
                        notes=np.asarray(notes, dtype=np.int16))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", type=Path, default=MIRROR, help="bare git mirror of DCMLab/bach_chorales (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the data and PROVENANCE.md go (default: %(default)s)")
    parser.add_argument("--check-music21", action="store_true", help="measure the remaining wrong accidentals against music21's chorale encodings")
    args = parser.parse_args(argv)
    commit = git(args.mirror, "rev-parse", "HEAD").strip()
    paths = {"measures": files(args.mirror, "measures", ".measures.tsv"), "notes": files(args.mirror, "notes", ".notes.tsv"), "mscx": files(args.mirror, "MS3", ".mscx")}
    metadata = {row["piece"]: row for row in table(args.mirror, "metadata.tsv")}
    pieces, dropped = [], []
    for name in sorted(paths["notes"]):
        measures, notes, found = import_piece(args.mirror, name, paths, metadata)
        if found:
            dropped.append(f"{name}: {found} clash(es)")
            continue
        pieces.append((name, measures, notes, analysed_key(notes)))
        print(f"{name}: {len(measures)} measures, {len(notes)} notes", file=sys.stderr)
    meta = {"source": "https://github.com/DCMLab/bach_chorales", "commit": commit, "licence": "CC0-1.0",
            "pieces": len(pieces), "dropped": dropped,
            "columns": {"pieces": ["first_measure", "measure_count", "first_note", "note_count", "unused", "analysed_tonic_pc", "analysed_minor"],
                        "measures": ["mc", "meter_num", "meter_den", "length_ticks", "keysig", "repeat_start", "repeat_end", "ending", "fermata"],
                        "notes": ["mc", "onset_ticks", "duration_ticks", "midi", "tpc", "part"]},
            "ticks_per_quarter": PPQ}
    if args.check_music21:
        meta["validation"] = validate(pieces)
    path = write_data(args.out, pieces, meta)
    (args.out / "PROVENANCE.md").write_text(provenance_text(meta, path))
    print(f"{path}: {len(pieces)} chorales, {len(dropped)} dropped", file=sys.stderr)
    return 0


def provenance_text(meta: dict, path: Path) -> str:
    validation = meta.get("validation")
    check = ("not run" if validation is None else
             f"{validation['chorales_compared']} of the kept chorales are also in music21 (other encodings, read only for this check) and "
             f"align on {validation['notes_aligned']:,} of {validation['notes_compared']:,} notes; {validation['semitone_differences']} aligned notes "
             f"({100 * validation['semitone_differences'] / max(1, validation['notes_aligned']):.2f} %) differ by a semitone - most are an "
             "inner voice without the accidental the other encoding has, i.e. the README's wrong accidentals that make no clash")
    dropped = "\n".join(f"- {d}" for d in meta["dropped"]) or "- none"
    return f"""# Committed corpus data: provenance

## `{path.name}` ({path.stat().st_size / 1e3:.0f} kB)

- **What**: J. S. Bach's four-part chorales, {meta['pieces']} pieces (Riemenschneider numbering), as note tables
  (measure, onset, duration, MIDI pitch, spelling, part) with measures (meter, key signature, length, repeat
  signs, voltas, fermatas). Read by `engine/composer/dcml.py` as the corpus collection `dcml_chorales`.
- **Source**: DCMLab/bach_chorales, commit `{meta['commit']}` ({meta['source']}), ms3 2.2.1 extraction of
  Ulrich Kaiser's Capella engravings (CD-ROM of *Der vierstimmige Satz*, Baerenreiter 2002).
- **Licence**: the repository is dedicated to the public domain under **CC0 1.0 Universal**; the compositions
  are in the public domain. No restriction applies to training or shipping a model.
- **Made by**: `python tools/import_dcml_chorales.py --check-music21` from a local mirror of the repository
  (nothing is downloaded at run time; the engine only reads this file).

## Wrong accidentals: filtered, measured

The repository's README warns that the Capella -> MuseScore conversion left many wrong accidentals. Their one
unambiguous symptom is a clash: two voices sounding the same letter with different accidentals at the same time
(F against F#), which Bach's four-part writing does not do. **Chorales with a clash are dropped**:
{dropped}

A repair was tried first (move the spelling that is the minority among the notes of that letter within one beat
to the majority one) and measured against music21's encodings: it changed 8 notes and left one more note
differing than before, so the filter replaced it.

- check: {check}.
"""


if __name__ == "__main__":
    raise SystemExit(main())
