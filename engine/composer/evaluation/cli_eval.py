"""``moodscore eval``: evaluate the composer on the test split; Markdown report, or one JSON line.

Writes ``report.md`` with its PNG plots into ``--out`` (default ``out/eval``);
``--json`` also prints every figure as one JSON line on stdout. A full run takes
about a minute or two on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


DEFAULT_UNCOND_MODEL = Path("models/moodscore-gru-uncond")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import bounded_int

    phrases, per_cell, bars, tunes = bounded_int(1, 10_000), bounded_int(1, 100), bounded_int(1, 64), bounded_int(0, 1_000_000)
    parser.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    parser.add_argument("--out", type=Path, default=Path("out/eval"), help="report folder (default: %(default)s)")
    parser.add_argument("--tokens", type=Path, default=None,
                        help="token dataset; use the one the model was trained on (default: the dataset module's current file)")
    parser.add_argument("--uncond-model", type=Path, default=DEFAULT_UNCOND_MODEL,
                        help="a same-size model trained with zeroed conditioning (`moodscore train --unconditional`), "
                             "for the unconditional NLL (default: %(default)s; when missing, the shipped weights "
                             "with conditioning zeroed, which overstates it)")
    parser.add_argument("--phrases", type=phrases, default=300, help=f"test-matched phrases to compose, {phrases.span} (default: %(default)s)")
    parser.add_argument("--seeds-per-cell", type=per_cell, default=5, help=f"phrases per cell of the control grid, {per_cell.span} (default: %(default)s)")
    parser.add_argument("--bars", type=bars, default=8, help=f"bars per phrase, {bars.span} (default: %(default)s)")
    parser.add_argument("--tune-limit", type=tunes, default=0, help=f"use only the first N tunes of each split, {tunes.span} (quick runs; 0: all)")
    pieces, themes = bounded_int(1, 10_000), bounded_int(0, 1_000)
    parser.add_argument("--pieces", type=pieces, default=60, help=f"32-bar pieces composed for the structure figures, {pieces.span} (default: %(default)s)")
    parser.add_argument("--themes", type=themes, default=20, help=f"test-tune openings used as themes for theme recall, {themes.span} (default: %(default)s)")


def _plain(value):
    """JSON-ready: numpy scalars to Python, NaN to null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _existing(path: Path | None) -> Path | None:
    return path if path is not None and path.exists() else None


def check_tokens(path: Path | None) -> None:
    """Raise MissingDataError, saying what to run, when the token dataset is not built yet."""
    from engine.cli_types import MissingDataError
    from engine.composer.dataset import DEFAULT_TOKENS_PATH

    if path is None and not DEFAULT_TOKENS_PATH.exists():
        raise MissingDataError(f"{DEFAULT_TOKENS_PATH} does not exist yet: run `moodscore corpus build` first "
                               "(about 5 minutes on 2 CPU cores), or give --tokens PATH")
    if path is not None and not path.is_file():
        raise MissingDataError(f"--tokens {path}: no such file (`moodscore corpus build` writes one)")


def run(args: argparse.Namespace) -> int:
    from engine.composer.evaluation.eval_report import write_report
    from engine.composer.evaluation.evaluate import EvalConfig, evaluate

    check_tokens(args.tokens)

    config = EvalConfig(model_dir=args.model, tokens_path=args.tokens, uncond_model_dir=_existing(args.uncond_model),
                        bars_per_phrase=args.bars, seeds_per_cell=args.seeds_per_cell,
                        matched_phrases=args.phrases, tune_limit=args.tune_limit,
                        form_pieces=args.pieces, form_themes=args.themes)
    results, artefacts = evaluate(config)
    path = write_report(results, artefacts, args.out)
    if args.json:
        print(json.dumps(_plain(results), ensure_ascii=False))
    else:
        print(f"wrote {path}")
    return 0
