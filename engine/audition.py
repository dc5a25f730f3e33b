"""Audition a score without a game: ``moodscore play SCORE.yaml``.

Commands, typed at the prompt or read from ``--script`` (one a line, ``#`` comments):

    event NAME          post a game event           param NAME VALUE   set a parameter
    state NAME [SYNC]   go to a state               stinger NAME       play a stinger
    wait SECONDS        let the music play          status             print where the music is
    help                print these commands        quit

Live outputs play in real time and print each transition and stinger on the beat it
sounds; ``--output wav:PATH --script FILE`` renders headless, as fast as it can.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time

POLL_S = 0.02
HELP = "\n\n".join(__doc__.split("\n\n")[1:3])  # the commands paragraph and table
MAX_WAIT_S = 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import SEED, bounded_float, existing_file, output_spec

    tail = bounded_float(0.0, MAX_WAIT_S)
    parser.add_argument("score", help="the score YAML file")
    parser.add_argument("--output", type=output_spec, default="pygame",
                        help="pygame, sounddevice[:DEVICE], null (no sound) or wav:PATH (with --script) (default pygame)")
    parser.add_argument("--script", type=existing_file("script"), help="read commands from this file instead of the terminal")
    parser.add_argument("--seed", type=SEED, default=0, help=f"random seed of the composer, {SEED.span} (default 0)")
    parser.add_argument("--soundfont", type=existing_file("SoundFont"), help="SoundFont file (default: discovered)")
    parser.add_argument("--tail", type=tail, default=2.0, help=f"seconds to play after the last command, {tail.span} (default 2)")
    parser.add_argument("--watch", action="store_true", help="reload the score when its file changes (at the next bar)")


def run(args: argparse.Namespace) -> int:
    from engine.api import MusicEngine
    from engine.cli_types import UsageError

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # the one line of an error stays one line
    offline = args.output.startswith("wav:")
    if offline and not args.script:
        raise UsageError("--output wav:PATH needs --script FILE (there is no one to type)")
    lines = _script_lines(args.script) if args.script else _terminal_lines()  # a bad script fails first
    engine = MusicEngine.load(args.score, soundfont=args.soundfont, seed=args.seed)
    engine.on_transition(lambda cue: print(f"  bar {cue.bar + 1}.{cue.beat + 1}  -> {cue.name}  ({cue.tempo_bpm:.0f} bpm)"))
    engine.on_stinger(lambda cue: print(f"  bar {cue.bar + 1}.{cue.beat + 1}  stinger {cue.name}"))
    watcher = _watcher(engine, args.score) if args.watch and not offline else None
    with engine:
        if watcher is not None:   # a reload swaps the score on the render side: it must run in this process
            from engine.osc.serve import start_here
            start_here(engine, args.output)
        else:
            engine.start(args.output)
        print(f"playing {engine.score.name!r} ({engine.score.summary()}); type 'help' for commands")
        for line in lines:
            if not _do(engine, line, offline, watcher):
                break
        _wait(engine, args.tail, offline, watcher)
        engine.stop(fade_s=1.0)
        _wait(engine, 1.5, offline)
    if offline:
        print(f"wrote {args.output[4:]}")
    return 0


def _watcher(engine, path: str):
    from engine.score.watch import ScoreWatcher

    return ScoreWatcher(path, engine.reload, report=lambda text: print(f"  {text}", file=sys.stderr))


def _do(engine, line: str, offline: bool, watcher=None) -> bool:
    """Carry out one command line; False on quit."""
    words = line.split("#", 1)[0].split()
    if not words:
        return True
    verb, rest = words[0], words[1:]
    try:
        if verb == "quit":
            return False
        if verb == "event" and len(rest) == 1:
            engine.post_event(rest[0])
        elif verb == "param" and len(rest) == 2:
            engine.set_parameter(rest[0], float(rest[1]))
        elif verb == "state" and len(rest) in (1, 2):
            engine.set_state(rest[0], *(rest[1:]))
        elif verb == "stinger" and len(rest) == 1:
            engine.trigger_stinger(rest[0])
        elif verb == "wait" and len(rest) == 1:
            _wait(engine, _seconds(rest[0]), offline, watcher)
        elif verb == "status":
            snap = engine.snapshot()
            print(f"  {snap.state} / {snap.mood}, intensity {snap.intensity:.2f}, bar {snap.bar + 1}.{snap.beat + 1}, "
                  f"{snap.tempo_bpm:.0f} bpm {snap.meter} in {snap.key}, parameters {snap.parameters}")
        else:
            print(HELP)
    except ValueError as exc:
        print(f"  {exc}")
    engine.poll()
    if watcher is not None:
        watcher.check()
    return True


def _seconds(text: str) -> float:
    seconds = float(text)
    if not 0.0 <= seconds <= MAX_WAIT_S:
        raise ValueError(f"wait: {text} is not a number of seconds in 0..{MAX_WAIT_S:g}")
    return seconds


def _wait(engine, seconds: float, offline: bool, watcher=None) -> None:
    if offline:
        engine.advance(seconds)
        engine.poll()
        return
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        engine.poll()
        if watcher is not None:
            watcher.check()
        time.sleep(POLL_S)


def _script_lines(path: str) -> list[str]:
    from engine.input_files import read_text

    return read_text(path, "script").splitlines()


def _terminal_lines():
    """Lines typed at the terminal; a reader thread keeps the prompt from blocking playback."""
    lines: queue.Queue[str | None] = queue.Queue()

    def reader() -> None:
        for line in sys.stdin:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=POLL_S)
        except queue.Empty:
            yield ""  # an empty command: lets the caller poll the engine
            continue
        if line is None:
            return
        yield line
