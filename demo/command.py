"""``moodscore demo``: the pygame dungeon game, scored live by the engine (named in the CLI table).

With a display it opens a window and plays through pygame's audio. With
``--seconds N`` (or when there is no display) it runs headless: SDL's dummy video
and audio drivers, the engine in pull mode rendered in lockstep with a fixed 60 fps
game clock, the music written to ``--record`` and the last frame to ``--screenshot``.
pygame and the game are imported only in ``run``, after the SDL drivers are chosen.
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_HEADLESS_S = 20.0
MAX_HEADLESS_S = 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import SEED, bounded_float

    seconds = bounded_float(0.0, MAX_HEADLESS_S, lo_open=True)
    parser.add_argument("--autoplay", action="store_true", help="let a bot play: it collects gems and runs from enemies when hurt")
    parser.add_argument("--seconds", type=seconds, metavar="N",
                        help=f"run headless for N seconds of game time, {seconds.span} (pull mode, deterministic)")
    parser.add_argument("--record", metavar="OUT.wav", help="headless: write the music to this WAV file")
    parser.add_argument("--screenshot", metavar="OUT.png", help="save the last frame to this PNG file (F12 saves one while playing)")
    parser.add_argument("--seed", type=SEED, default=1, help=f"seed for the dungeon and the music, {SEED.span} (default 1)")


def has_display() -> bool:
    """True when a window can open: always on Windows and macOS, on Linux only under X11 or Wayland."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def use_headless_drivers() -> None:
    """Choose SDL's dummy drivers; must happen before pygame is imported."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"


def run(args: argparse.Namespace) -> int:
    seconds = args.seconds
    if seconds is not None and seconds <= 0:
        raise SystemExit(f"moodscore demo: --seconds must be positive, got {seconds}")
    if seconds is None and not has_display():
        seconds = DEFAULT_HEADLESS_S
        print(f"no display: running headless for {seconds:.0f} s (give --seconds to choose)")
    if seconds is not None:
        use_headless_drivers()
    elif args.record:
        print("--record applies to headless runs (--seconds N); playing without recording")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from demo.game.main import GameOptions, main

    options = GameOptions(seconds=seconds, autoplay=args.autoplay, seed=args.seed, screenshot_path=args.screenshot,
                          record_path=args.record if seconds is not None else None)
    report = main(options)
    print_report(report)
    return 0


def print_report(report) -> None:
    states = " -> ".join(f"{state}@{at_s:.1f}s" for at_s, state in report.states)
    events = ", ".join(f"{name} x{count}" for name, count in sorted(report.events_posted.items()))
    print(f"played {report.game_s:.1f} s ({report.frames} frames): {report.levels_won} levels won, {report.deaths} deaths")
    print(f"events posted: {events or 'none'}")
    print(f"music states: {states or 'none'}")
    print(f"frame time p50 {report.frame_time_ms_p50:.2f} ms, p99 {report.frame_time_ms_p99:.2f} ms; "
          f"render p99 {report.render_ms_p99:.2f} ms; underruns {report.underruns}")
    if report.wav_path:
        print(f"wrote {report.wav_path} (peak {report.audio_peak:.3f}, rms {report.audio_rms_dbfs:.1f} dBFS)")
    if report.png_path:
        print(f"wrote {report.png_path}")
