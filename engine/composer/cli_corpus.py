"""``moodscore corpus build``: parse the bundled collections (and user MIDI) into data/."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import bounded_int

    processes = bounded_int(1, 64)
    parser.add_argument("action", choices=["build"], help="what to do with the corpus")
    parser.add_argument("--out", type=Path, default=Path("data/corpus-v1.npz"), help="the dataset file (default: %(default)s)")
    parser.add_argument("--midi", metavar="DIR", help="also parse every .mid/.midi file under DIR")
    parser.add_argument("--include-noncommercial", action="store_true", help="also parse Essen (non-commercial licence; never for the shipped model)")
    parser.add_argument("--processes", type=processes, default=2, help=f"parser processes, {processes.span} (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the cache is current")


def run(args: argparse.Namespace) -> int:
    from engine.composer.corpus import CORPUS_VERSION, build_corpus, load_corpus
    from engine.composer.dataset import TOKEN_DATASET_VERSION, build_token_dataset

    path = build_corpus(args.out, args.midi, args.include_noncommercial, args.processes, args.force)
    _, meta = load_corpus(path)
    tokens_stem = path.stem.replace("corpus", "tokens").replace(f"-v{CORPUS_VERSION}", f"-v{TOKEN_DATASET_VERSION}")
    tokens_path = build_token_dataset(path, path.with_name(tokens_stem + ".npz"))
    print(f"{path}: {meta['tunes']} tunes from {', '.join(meta['sources'])}; {meta['skipped']} skipped; built in {meta['build_s']} s")
    print(f"{tokens_path}: token dataset")
    return 0
