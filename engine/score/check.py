"""``moodscore check SCORE.yaml [...]``: validate scores, print every problem, exit non-zero if any."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scores", nargs="+", metavar="SCORE.yaml", help="score files to check")


def check_one(path: str) -> list[str]:
    """The lines to print for one score: its problems, or its one-line summary."""
    from engine.score.load import load_score
    from engine.score.source import SourceError

    try:
        score = load_score(path)
    except SourceError as exc:
        return exc.lines()
    except OSError as exc:
        return [f"{path}: cannot read: {exc.strerror or exc}"]
    return [f"{path}: ok: {score.summary()}"]


def run(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.scores:
        lines = check_one(path)
        failed += not lines[0].startswith(f"{path}: ok:")
        print("\n".join(lines))
    if failed:
        print(f"{failed} of {len(args.scores)} score(s) have problems")
    return 1 if failed else 0
