"""``moodscore corpus build``: read the collections (and/or a user's MIDI folder) into data/, then tokenise."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import bounded_int

    processes = bounded_int(1, 64)
    parser.add_argument("action", choices=["build"], help="what to do with the corpus")
    parser.add_argument("--out", type=Path, default=Path("data/corpus-v2.npz"), help="the dataset file (default: %(default)s)")
    parser.add_argument("--midi", metavar="DIR", help="also parse every .mid/.midi file under DIR (with --no-bundled: only those)")
    parser.add_argument("--no-bundled", action="store_true", help="leave out the bundled collections: the corpus is the --midi folder alone")
    parser.add_argument("--include-noncommercial", action="store_true", help="also parse Essen (non-commercial licence; never for the shipped model)")
    parser.add_argument("--include-restricted", action="store_true",
                        help="also parse every collection the shipped model may not use (music21's Greentree-encoded chorales, Essen); "
                             "a model trained on them cannot be exported into models/")
    parser.add_argument("--processes", type=processes, default=2, help=f"parser processes, {processes.span} (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild (and re-parse) even when the caches are current")


def collections_of(args: argparse.Namespace) -> tuple[str, ...]:
    """The collections a build reads, from the flags; SystemExit for --no-bundled without --midi."""
    from engine.composer.provenance import DEFAULT_COLLECTIONS, NONCOMMERCIAL_COLLECTIONS, RESTRICTED_COLLECTIONS

    if args.no_bundled:
        if not args.midi:
            raise SystemExit("corpus build --no-bundled needs --midi DIR (the corpus would be empty)")
        return ()
    extra = RESTRICTED_COLLECTIONS if args.include_restricted else NONCOMMERCIAL_COLLECTIONS if args.include_noncommercial else ()
    return DEFAULT_COLLECTIONS + tuple(c for c in extra if c not in DEFAULT_COLLECTIONS)


def run(args: argparse.Namespace) -> int:
    from engine.composer.corpus import CORPUS_VERSION, build_corpus, load_corpus
    from engine.composer.dataset import TOKEN_DATASET_VERSION, build_token_dataset

    path = build_corpus(args.out, args.midi, collections_of(args), args.processes, args.force)
    _, meta = load_corpus(path)
    tokens_stem = path.stem.replace("corpus", "tokens").replace(f"-v{CORPUS_VERSION}", f"-v{TOKEN_DATASET_VERSION}")
    tokens_path = build_token_dataset(path, path.with_name(tokens_stem + ".npz"))
    print(f"{path}: {meta['tunes']} tunes ({meta['bars']} bars as played) from {', '.join(meta['sources'])}; {meta['skipped']} skipped; built in {meta['build_s']} s")
    for collection, report in meta["key_labels"].items():
        print(f"  {collection}: key labels {report['label_source']}; music21's analyze('key') disagrees on "
              f"{report['disagree_with_analysis']} of {report['tunes']} ({100 * report['disagree_rate']:.1f} %, {report['relative']} relative)")
    print(f"{tokens_path}: token dataset")
    return 0
