"""Golden renders: prove a refactor changes no byte of output.

    python tools/golden.py record DIR     # render everything below into DIR, write DIR/hashes.json
    python tools/golden.py compare DIR    # render again into a temp folder, compare with DIR/hashes.json

What is rendered, through public entry points only (API and CLI):
- for every example score and two seeds, a pull-mode session driven by a fixed,
  seeded list of calls (every event, parameters, stingers, set_state over every sync
  point, a stop), recorded with ``record=``; its pulled audio, then ``moodscore replay``
  of the recorded session to WAV;
- both example cutscenes with ``moodscore score`` (WAV, MIDI, cue sheet);
- ``moodscore compose`` to MIDI.
Session files are compared after dropping absolute paths from the header.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYNCS = ("immediate", "next_beat", "next_bar", "next_phrase", "end_of_segment")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _session(score: Path, seed: int, out: Path) -> dict[str, str]:
    import numpy as np
    import yaml

    from engine import MusicEngine

    doc = yaml.safe_load(score.read_text())
    events = sorted(doc.get("events", {}))
    params = sorted(doc.get("parameters", {}))
    stingers = sorted(doc.get("stingers", {}))
    states = sorted(doc.get("states", {}))
    rng = random.Random(seed)
    record = out / f"{score.stem}-{seed}.jsonl"
    engine = MusicEngine.load(score, seed=seed, record=record)
    chunks = []
    for step in range(40):
        chunks.append(engine.render(int(48000 * rng.uniform(0.4, 2.0))))
        kind = rng.choice(("event", "event", "param", "stinger", "state"))
        if kind == "event" and events:
            engine.post_event(rng.choice(events))
        elif kind == "param" and params:
            engine.set_parameter(rng.choice(params), rng.random())
        elif kind == "stinger" and stingers:
            engine.trigger_stinger(rng.choice(stingers))
        elif kind == "state":
            engine.set_state(rng.choice(states), rng.choice(SYNCS))
    engine.stop(fade_s=1.0)
    chunks.append(engine.render(48000 * 2))
    engine.close()
    pulled = out / f"{score.stem}-{seed}.f32"
    pulled.write_bytes(np.concatenate(chunks).astype(np.float32).tobytes())
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    for key in ("score", "soundfont", "model"):
        lines[0].pop(key, None)
    record_clean = out / f"{score.stem}-{seed}.session.json"
    record_clean.write_text(json.dumps(lines, sort_keys=True))
    replayed = out / f"{score.stem}-{seed}.replay.wav"
    _cli("replay", str(record), "-o", str(replayed))
    return {p.name: _sha(p) for p in (pulled, record_clean, replayed)}


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def render_all(out: Path) -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    hashes: dict[str, str] = {}
    for score in sorted((ROOT / "demo/scores").glob("*.yaml")):
        for seed in (1, 7):
            hashes.update(_session(score, seed, out))
    for cut in sorted((ROOT / "demo/cutscenes").glob("*.yaml")):
        wav = out / f"{cut.stem}.wav"
        _cli("score", str(cut), "-o", str(wav))
        for produced in sorted(out.glob(f"{cut.stem}*")):
            if produced.suffix in (".wav", ".mid", ".csv"):
                hashes[produced.name] = _sha(produced)
    mid = out / "compose.mid"
    _cli("compose", "--valence", "0.3", "--arousal", "0.7", "--bars", "16", "--key", "D", "--mode", "minor",
         "--seed", "5", "-o", str(mid))
    hashes[mid.name] = _sha(mid)
    return hashes


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("record", "compare"):
        print(__doc__)
        return 2
    target = Path(argv[1])
    if argv[0] == "record":
        target.mkdir(parents=True, exist_ok=True)
        hashes = render_all(target)
        (target / "hashes.json").write_text(json.dumps(hashes, indent=1, sort_keys=True))
        print(f"recorded {len(hashes)} outputs in {target}")
        return 0
    expected = json.loads((target / "hashes.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        got = render_all(Path(tmp))
    bad = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
    for name in bad:
        print(f"DIFFERS: {name}")
    print(f"{len(expected) - len(bad)}/{len(expected)} identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
