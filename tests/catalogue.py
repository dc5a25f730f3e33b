"""The catalogue of broken inputs: every kind of mistake and attack, each through the CLI.

Each ``Case`` writes its files into an empty folder and gives the command line to
run there; ``run_case`` runs it in-process (``engine.cli.main``) with that folder as
the working directory and returns the exit status, the lines printed and the time
taken. ``tests/test_catalogue.py`` asserts exit 1, one line naming the input and no
traceback for each; ``bench/hostile.py`` times them and prints one JSON line.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import mido
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DUNGEON = ROOT / "demo" / "scores" / "dungeon.yaml"
MODEL = ROOT / "models" / "moodscore-gru"
CHECK_SUMMARY = re.compile(r"^\d+ of \d+ score\(s\) have problems$")

SCORE = """\
version: 1
name: T
initial_state: a
parameters:
  danger: {range: [0, 1], default: 0}
stingers:
  hit: {mood: tense}
states:
  a: {mood: calm, tempo: 100}
  b: {mood: tense, tempo: 120}
events:
  go: {from: a, to: b}
"""

CUTSCENE = """\
title: t
score: score.yaml
seed: 1
length: 8
cues:
  - {at: 0, state: a}
  - {at: 6, end: fade, fade: 1}
"""


@dataclass(frozen=True)
class Case:
    """One broken input: ``build(folder)`` writes the files and returns the argv; the
    one line printed must contain ``names`` (the input: a file or an option) and ``says``."""

    name: str
    area: str
    build: Callable[[Path], list[str]]
    names: str
    says: str


# ---------------------------------------------------------------- file makers

def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@functools.cache
def good_midi_bytes() -> bytes:
    """The example piece (2 bars, five tracks) as a MIDI file's bytes."""
    from engine.music.example import example_song
    from engine.music.midi import write_midi

    with tempfile.TemporaryDirectory() as folder:
        write_midi(example_song(2), Path(folder) / "ok.mid")
        return (Path(folder) / "ok.mid").read_bytes()


def zero_tempo_midi() -> bytes:
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=0), mido.Message("note_on", note=60, velocity=90),
                            mido.Message("note_off", note=60, time=480)])
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def alias_bomb(levels: int = 9, size_bytes: int = 519) -> str:
    """The classic "billion laughs" in YAML: each level lists the one before nine times."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefghijklmnop", "bcdefghijklmnopq"[: levels - 1]):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    text = "\n".join(lines) + "\n"
    return text + "#" * max(0, size_bytes - len(text) - 1) + "\n"


def merge_bomb() -> str:
    text = "a: &a {x: 1}\n"
    for prev, name in zip("abcdefgh", "bcdefghi"):
        text += f"{name}: &{name} {{<<: [{', '.join(['*' + prev] * 9)}]}}\n"
    return text


def model_copy(folder: Path) -> Path:
    target = folder / "model"
    target.mkdir()
    for name in ("config.json", "weights.npz"):
        shutil.copy(MODEL / name, target / name)
    return target


def edit_config(folder: Path, change: Callable[[dict], None]) -> Path:
    model = model_copy(folder)
    config = json.loads((model / "config.json").read_text())
    change(config)
    (model / "config.json").write_text(json.dumps(config))
    return model


def edit_weights(folder: Path, change: Callable[[dict], None]) -> Path:
    model = model_copy(folder)
    with np.load(model / "weights.npz") as data:
        arrays = {k: data[k] for k in data.files}
    change(arrays)
    np.savez(model / "weights.npz", **arrays)
    return model


def fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


def dev_zero(folder: Path, name: str) -> Path:
    path = folder / name
    path.symlink_to("/dev/zero")
    return path


def sparse(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


# ---------------------------------------------------------------- commands

def check(name: str) -> list[str]:
    return ["check", name]


def score_cmd(name: str) -> list[str]:
    return ["score", name, "-o", "out.wav", "--no-progress"]


def replay(name: str) -> list[str]:
    return ["replay", name, "-o", "out.wav"]


def render(name: str, *extra: str) -> list[str]:
    return ["render-midi", name, "-o", "out.wav", "--no-progress", *extra]


def compose(*extra: str) -> list[str]:
    return ["compose", "-o", "out.mid", "--bars", "1", *extra]


def score_with(text: str) -> Callable[[Path], list[str]]:
    return lambda f: check(write(f, "score.yaml", text).name)


def score_naming_midi(data: bytes | Callable[[], bytes], where: str = "segment") -> Callable[[Path], list[str]]:
    """A score whose transition segment (or stinger, or state loop) is the MIDI ``data``."""
    field = {"segment": ("to: b}", "to: b, segment: x.mid}"), "stinger": ("hit: {mood: tense}", "hit: {file: x.mid}"),
             "loop": ("a: {mood: calm, tempo: 100}", "a: {mood: calm, tempo: 100, segments: {loop: x.mid}}")}[where]

    def build(folder: Path) -> list[str]:
        write(folder, "x.mid", data() if callable(data) else data)
        return check(write(folder, "score.yaml", SCORE.replace(*field)).name)
    return build


def session(text: str | bytes) -> Callable[[Path], list[str]]:
    return lambda f: replay(write(f, "s.jsonl", text).name)


def cutscene_with(text: str | bytes) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        write(folder, "score.yaml", SCORE)
        return score_cmd(write(folder, "cut.yaml", text).name)
    return build


def midi_file(data: bytes | Callable[[], bytes]) -> Callable[[Path], list[str]]:
    return lambda f: render(write(f, "in.mid", data() if callable(data) else data).name)


def with_model(make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda f: compose("--model", str(make(f).relative_to(f)))


HEADER = '{"moodscore_session": 1, "score": "score.yaml", "seed": 1, "sample_rate_hz": 48000, "block_frames": 256}\n'

CASES: list[Case] = [
    # -- score files: the file itself
    Case("score missing", "score", lambda f: check("nope.yaml"), "nope.yaml", "cannot read: No such file"),
    Case("score is a directory", "score", lambda f: (f / "d.yaml").mkdir() or check("d.yaml"), "d.yaml", "is a directory"),
    Case("score is a FIFO", "score", lambda f: check(fifo(f, "p.yaml").name), "p.yaml", "is a FIFO"),
    Case("score links to /dev/zero", "score", lambda f: check(dev_zero(f, "z.yaml").name), "z.yaml", "character device"),
    Case("score of 600 KiB", "score", lambda f: check(write(f, "big.yaml", "a: " + "x" * 600 * 1024).name),
         "big.yaml", "at most 512 KiB"),
    Case("score of 50 MB", "score", lambda f: check(sparse(f, "huge.yaml", 50_000_000).name), "huge.yaml",
         "at most 512 KiB"),
    Case("score in Latin-1", "score", lambda f: check(write(f, "l.yaml", "name: caf\xe9\n".encode("latin-1")).name),
         "l.yaml:1", "not UTF-8 text: byte 0xe9 at offset 9"),
    Case("score in UTF-16", "score", lambda f: check(write(f, "u.yaml", "name: x\n".encode("utf-16")).name),
         "u.yaml:1", "looks like UTF-16"),
    Case("score is binary", "score", lambda f: check(write(f, "b.yaml", bytes(range(256)) * 4).name), "b.yaml",
         "not UTF-8 text"),
    Case("score with a BEL", "score", score_with("version: 1\nname: a\x07b\n"), "score.yaml:2", "#x0007 is not allowed"),
    Case("score with a NUL", "score", score_with("version: 1\nname: a\x00b\n"), "score.yaml:2", "#x0000 is not allowed"),
    Case("519-byte alias bomb", "score", score_with(alias_bomb()), "score.yaml:", "alias bomb"),
    Case("merge-key bomb", "score", score_with(merge_bomb()), "score.yaml:", "alias bomb"),
    Case("recursive alias", "score", score_with("a: &a [1, *a]\n"), "score.yaml:1", "refers to the value that contains it"),
    Case("1,000-deep flow nesting", "score", score_with("a: " + "[" * 1000 + "]" * 1000 + "\n"), "score.yaml:1",
         "nested deeper than 64"),
    Case("1,500-deep mappings", "score", score_with("a: " + "{a: " * 1500 + "1" + "}" * 1500 + "\n"), "score.yaml:1",
         "nested deeper than 64"),
    Case("250,000-item list", "score", score_with("a: [" + ",".join(["1"] * 250_000) + "]\n"), "score.yaml:1",
         "more than 10,000 values"),
    Case("YAML syntax error", "score", score_with("a: [1, 2\nb: 3\n"), "score.yaml:2", "YAML syntax error"),
    Case("impossible date", "score", score_with("version: 2020-02-31\n"), "score.yaml:1", "cannot read this value"),
    Case("5,000-digit integer", "score", score_with("version: " + "9" * 5000 + "\n"), "score.yaml:1",
         "cannot read this value"),
    Case("python tag", "score", score_with("a: !!python/object/apply:os.system [ls]\n"), "score.yaml:1",
         "YAML syntax error"),
    Case("duplicate key", "score", score_with(SCORE + "name: U\n"), "score.yaml:13", "duplicate key 'name'"),
    Case("score is a list", "score", score_with("- 1\n- 2\n"), "score.yaml:1", "expected a mapping"),
    Case("100 KB value quoted short", "score", score_with(SCORE.replace("tempo: 100", "tempo: " + "x" * 100_000)),
         "score.yaml:9", "(100,000 chars)"),
    Case("50 KB unknown key quoted short", "score", score_with(SCORE + "? " + "k" * 50_000 + "\n: 1\n"), "score.yaml:13",
         "unknown key"),
    Case("tempo out of range", "score", score_with(SCORE.replace("tempo: 100", "tempo: 400")), "score.yaml:9",
         "400 is outside 20..300"),
    Case("unknown state", "score", score_with(SCORE.replace("to: b}", "to: bb}")), "score.yaml:12",
         "unknown state 'bb'"),
    # -- what a score names
    Case("segment MIDI corrupt", "score", score_naming_midi(b"RIFF" + bytes(40)), "score.yaml:12",
         "events.go.segment: MIDI file 'x.mid': not a MIDI file"),
    Case("segment MIDI empty", "score", score_naming_midi(b""), "score.yaml:12", "it is empty (0 bytes)"),
    Case("segment MIDI truncated", "score", score_naming_midi(lambda: good_midi_bytes()[:-9]), "score.yaml:12",
         "truncated MIDI file"),
    Case("stinger MIDI truncated", "score", score_naming_midi(lambda: good_midi_bytes()[:200], "stinger"),
         "score.yaml:7", "stingers.hit.file: MIDI file 'x.mid': truncated"),
    Case("loop MIDI tempo 0", "score", score_naming_midi(zero_tempo_midi, "loop"), "score.yaml:9",
         "states.a.segments.loop: MIDI file 'x.mid'"),
    Case("segment is a directory", "score", lambda f: (f / "x.mid").mkdir() or check(
        write(f, "score.yaml", SCORE.replace("to: b}", "to: b, segment: x.mid}")).name), "score.yaml:12",
        "file 'x.mid' is a directory"),
    Case("play a broken score", "score", lambda f: ["play", write(f, "s.yaml", SCORE.replace("to: b}", "to: c}")).name,
                                                    "--output", "null"], "s.yaml:12", "unknown state 'c'"),
    # -- cutscenes
    Case("cutscene missing", "cutscene", lambda f: score_cmd("nope.yaml"), "nope.yaml", "cannot read"),
    Case("cutscene is a directory", "cutscene", lambda f: (f / "c.yaml").mkdir() or score_cmd("c.yaml"), "c.yaml",
         "is a directory, not a cutscene file"),
    Case("cutscene alias bomb", "cutscene", cutscene_with(alias_bomb()), "cut.yaml:", "alias bomb"),
    Case("cutscene in Latin-1", "cutscene", cutscene_with("title: caf\xe9\n".encode("latin-1")), "cut.yaml:1",
         "not UTF-8"),
    Case("cutscene bad timecode", "cutscene", cutscene_with(CUTSCENE.replace("at: 6", 'at: "00:00:06:99"')),
         "cut.yaml:7", "cues[1].at"),
    Case("cutscene names a missing score", "cutscene", cutscene_with(CUTSCENE.replace("score.yaml", "none.yaml")),
         "cut.yaml:2", "'none.yaml' does not exist"),
    # -- session files
    Case("session empty", "session", session(""), "s.jsonl:1", "not a moodscore session"),
    Case("session is a directory", "session", lambda f: (f / "s.jsonl").mkdir() or replay("s.jsonl"), "s.jsonl",
         "is a directory"),
    Case("session is a FIFO", "session", lambda f: replay(fifo(f, "s.jsonl").name), "s.jsonl", "is a FIFO"),
    Case("session not JSON", "session", session(HEADER + "{frame: 1\n"), "s.jsonl:2", "not a JSON line"),
    Case("session in Latin-1", "session", session(HEADER.encode() + b'{"call": "caf\xe9"}\n'), "s.jsonl:2",
         "not UTF-8"),
    # -- MIDI files
    Case("MIDI empty", "MIDI", midi_file(b""), "in.mid", "it is empty"),
    Case("MIDI is text", "MIDI", midi_file(b"hello, not midi"), "in.mid", "not a MIDI file"),
    Case("MIDI truncated", "MIDI", midi_file(lambda: good_midi_bytes()[:300]), "in.mid",
         "truncated MIDI file: track 4 of 5"),
    Case("MIDI tempo 0", "MIDI", midi_file(zero_tempo_midi), "in.mid", "corrupt"),
    Case("MIDI is a directory", "MIDI", lambda f: (f / "in.mid").mkdir() or render("in.mid"), "in.mid",
         "is a directory"),
    Case("MIDI missing", "MIDI", lambda f: render("nope.mid"), "nope.mid", "No such file"),
    Case("MIDI of 17 MiB", "MIDI", lambda f: render(sparse(f, "in.mid", 17 * 1024 * 1024).name), "in.mid",
         "at most 4 MiB"),
    # -- SoundFonts
    Case("SoundFont missing", "SoundFont", lambda f: render(write(f, "in.mid", good_midi_bytes()).name,
                                                            "--soundfont", "no.sf2"), "no.sf2", "No such file"),
    Case("SoundFont is a directory", "SoundFont", lambda f: (f / "sf").mkdir() or render(
        write(f, "in.mid", good_midi_bytes()).name, "--soundfont", "sf"), "'sf'", "is a directory"),
    Case("SoundFont is garbage", "SoundFont", lambda f: render(write(f, "in.mid", good_midi_bytes()).name,
                                                               "--soundfont", write(f, "bad.sf2", "not a soundfont").name),
         "bad.sf2", "could not load SoundFont"),
    # -- composer models
    Case("model folder missing", "model", lambda f: compose("--model", "nomodel"), "nomodel", "does not exist"),
    Case("model config not JSON", "model", with_model(lambda f: write(model_copy(f), "config.json", "{not json").parent),
         "config.json", "not readable JSON"),
    Case("model format version", "model", with_model(lambda f: edit_config(f, lambda c: c.update(format_version=9))),
         "config.json", "format_version"),
    Case("model vocabulary", "model", with_model(lambda f: edit_config(f, lambda c: c.update(vocab=["PAD"]))),
         "config.json", "vocabulary does not match"),
    Case("model weights missing", "model", with_model(lambda f: (model_copy(f) / "weights.npz").unlink() or f / "model"),
         "weights.npz", "do not exist"),
    Case("model weights truncated", "model", with_model(lambda f: write(
        model_copy(f), "weights.npz", (MODEL / "weights.npz").read_bytes()[:5000]).parent), "weights.npz",
        "corrupt or truncated"),
    Case("model weights NaN", "model", with_model(lambda f: edit_weights(
        f, lambda a: a["head_bias"].__setitem__(0, np.nan))), "weights.npz", "NaN"),
    Case("model weights shape", "model", with_model(lambda f: edit_weights(
        f, lambda a: a.update(head_bias=a["head_bias"][:-1]))), "weights.npz", "should be"),
    # -- command-line arguments
    Case("compose --bars 0", "CLI", lambda f: compose("--bars", "0"), "--bars", "0 is outside 1..1024"),
    Case("compose --bars 100000000", "CLI", lambda f: compose("--bars", "100000000"), "--bars", "outside 1..1024"),
    Case("compose --tempo 0", "CLI", lambda f: compose("--tempo", "0"), "--tempo", "outside 20..300"),
    Case("compose --valence 5", "CLI", lambda f: compose("--valence", "5"), "--valence", "outside 0..1"),
    Case("compose --arousal nan", "CLI", lambda f: compose("--arousal", "nan"), "--arousal", "outside 0..1"),
    Case("compose --key H", "CLI", lambda f: compose("--key", "H"), "--key", "not a note name"),
    Case("compose --mode dorain", "CLI", lambda f: compose("--mode", "dorain"), "--mode", "'dorian'"),
    Case("compose --meter 5/4", "CLI", lambda f: compose("--meter", "5/4"), "--meter", "invalid choice: '5/4'"),
    Case("compose --temperature 0", "CLI", lambda f: compose("--temperature", "0"), "--temperature", "above 0"),
    Case("compose --top-p 2", "CLI", lambda f: compose("--top-p", "2"), "--top-p", "at most 1"),
    Case("compose --seed -1", "CLI", lambda f: compose("--seed", "-1"), "--seed", "outside 0..4294967295"),
    Case("example-midi --bars 0", "CLI", lambda f: ["example-midi", "x.mid", "--bars", "0"], "--bars", "outside 1..1024"),
    Case("play --output foo", "CLI", lambda f: ["play", str(DUNGEON), "--output", "foo"], "--output", "not an output"),
    Case("play wav without script", "CLI", lambda f: ["play", str(DUNGEON), "--output", "wav:x.wav"], "--script",
         "needs --script"),
    Case("play --script missing", "CLI", lambda f: ["play", str(DUNGEON), "--script", "none.txt"], "none.txt",
         "No such file"),
    Case("render-midi --sample-rate 5", "CLI", lambda f: render("x.mid", "--sample-rate", "5"), "--sample-rate",
         "outside 8000..192000"),
    Case("demo --seconds 0", "CLI", lambda f: ["demo", "--seconds", "0"], "--seconds", "above 0"),
    Case("eval without data/", "CLI", lambda f: ["eval"], "data/tokens-v3.npz", "run `moodscore corpus build`"),
    Case("unknown command", "CLI", lambda f: ["bogus"], "bogus", "invalid choice"),
    Case("unknown option", "CLI", lambda f: ["check", "x.yaml", "--bogus"], "--bogus", "unrecognized arguments"),
    Case("missing argument", "CLI", lambda f: ["replay"], "session", "required"),
]


def run_case(case: Case, folder: Path) -> tuple[int, list[str], float]:
    """Build ``case`` in the empty ``folder`` and run it there through ``engine.cli.main``:
    (exit status, the lines printed on stdout and stderr but ``check``'s summary, seconds)."""
    from engine.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(folder):
        argv = case.build(folder)
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        elapsed = time.perf_counter() - started
    lines = [line for line in (out.getvalue() + err.getvalue()).splitlines()
             if line.strip() and not CHECK_SUMMARY.match(line)]
    return code, lines, elapsed
