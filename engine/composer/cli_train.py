"""``moodscore train``: train the conditional GRU on the token dataset and export the model."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import bounded_float, bounded_int

    epochs, minutes, hidden = bounded_int(1, 10_000), bounded_float(0.0, 10_080.0, lo_open=True), bounded_int(8, 4096)
    layers, threads = bounded_int(1, 8), bounded_int(1, 256)
    parser.add_argument("--epochs", type=epochs, default=30, help=f"at most this many epochs, {epochs.span} (default: %(default)s)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where torch trains: cpu or cuda (default: %(default)s)")
    parser.add_argument("--resume", action="store_true", help="continue from the run directory's checkpoint")
    parser.add_argument("--tokens", type=Path, default=Path("data/tokens-v2.npz"), help="token dataset (default: %(default)s)")
    parser.add_argument("--run-dir", type=Path, default=Path("runs/moodscore-gru"), help="checkpoints and curves (default: %(default)s)")
    parser.add_argument("--export", type=Path, default=Path("models/moodscore-gru"), help="where the best model is written (default: %(default)s)")
    parser.add_argument("--max-minutes", type=minutes, default=30.0, help=f"wall-clock budget in minutes, {minutes.span} (default: %(default)s)")
    parser.add_argument("--hidden", type=hidden, default=384, help=f"GRU hidden size, {hidden.span} (default: %(default)s)")
    parser.add_argument("--layers", type=layers, default=1, help=f"GRU layers, {layers.span} (default: %(default)s)")
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus-v1.npz"), help="corpus for the originality guard's index of the training tunes (default: %(default)s)")
    parser.add_argument("--unconditional", action="store_true",
                        help="train the same network with the conditioning zeroed: the baseline `moodscore eval` compares "
                             "with (run and export default to runs/moodscore-gru-uncond, models/moodscore-gru-uncond)")
    parser.add_argument("--threads", type=threads, default=1, help=f"torch threads, {threads.span}; one is fastest on a shared 2-core CPU (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.composer import attributes, tokens
    from engine.composer.dataset import dataset_stats, load_token_dataset
    from engine.composer.guard import build_guard_index
    from engine.composer.model import ModelConfig
    from engine.composer.train import TrainConfig, record_test_nll, train

    data = load_token_dataset(args.tokens)
    if args.unconditional:
        data["bar_cond"] = np.zeros_like(data["bar_cond"])
        args.run_dir = args.run_dir.with_name(args.run_dir.name + "-uncond")
        args.export = args.export.with_name(args.export.name + "-uncond")
    check_licences(data, args.export)
    model_config = ModelConfig(tokens.VOCAB_SIZE, attributes.CONDITIONING_SIZE, hidden_size=args.hidden, num_layers=args.layers)
    config = TrainConfig(epochs=args.epochs, max_minutes=args.max_minutes, device=args.device, threads=args.threads)
    card = {"data": dataset_stats(data), **({"note": "unconditional baseline: conditioning zeroed in training"}
                                            if args.unconditional else {})}
    state = train(data, model_config, config, args.run_dir, args.export, args.resume, card)
    if not (args.export / "weights.npz").exists():
        print(f"trained {state['epoch']} epochs in {state['train_s']:.0f} s; nothing exported")
        return 1
    test_nll = record_test_nll(data, model_config, config, args.run_dir, args.export)
    if args.corpus.exists() and not args.unconditional:
        build_guard_index(args.corpus, args.export, args.tokens)
    print(f"trained {state['epoch']} epochs in {state['train_s']:.0f} s; best valid NLL/token {state['best_valid']:.4f}, test {test_nll:.4f} -> {args.export}")
    return 0


def check_licences(data, export_dir: Path) -> None:
    """Refuse to write a model trained on non-commercial data (Essen) into the shipped models/ folder."""
    import json

    from engine.composer.corpus import NONCOMMERCIAL_COLLECTIONS

    sources = json.loads(str(data["meta"])).get("corpus_sources", [])
    restricted = [s for s in sources if s in NONCOMMERCIAL_COLLECTIONS]
    if restricted and "models" in Path(export_dir).resolve().parts:
        raise SystemExit(f"the token dataset includes non-commercial collections {restricted}; export it outside models/ (--export runs/...)")
