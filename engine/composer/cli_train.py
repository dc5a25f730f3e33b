"""``moodscore train``: train the conditional GRU on the token dataset and export the model.

The same command runs on one process or under ``torchrun --nproc_per_node N`` (DDP,
see ``distributed.py``); then only rank 0 scores the test split, writes the guard
index and prints.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import bounded_float, bounded_int

    epochs, minutes, hidden = bounded_int(1, 10_000), bounded_float(0.0, 10_080.0, lo_open=True), bounded_int(8, 4096)
    layers, threads, embed = bounded_int(1, 8), bounded_int(1, 256), bounded_int(4, 4096)
    batch, seq_len, rate, tokens = bounded_int(1, 4096), bounded_int(2, 4096), bounded_float(0.0, 1.0, lo_open=True), bounded_int(0, 10**10)
    parser.add_argument("--epochs", type=epochs, default=30, help=f"at most this many epochs, {epochs.span} (default: %(default)s)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where torch trains: cpu, or cuda (one GPU per process under torchrun) (default: %(default)s)")
    parser.add_argument("--resume", action="store_true", help="continue from the run directory's checkpoint")
    parser.add_argument("--tokens", type=Path, default=Path("data/tokens-v3.npz"), help="token dataset (default: %(default)s)")
    parser.add_argument("--run-dir", type=Path, default=Path("runs/moodscore-gru"), help="checkpoints and curves (default: %(default)s)")
    parser.add_argument("--export", type=Path, default=Path("models/moodscore-gru"), help="where the best model is written (default: %(default)s)")
    parser.add_argument("--max-minutes", type=minutes, default=30.0, help=f"wall-clock budget in minutes, {minutes.span} (default: %(default)s)")
    parser.add_argument("--hidden", type=hidden, default=384, help=f"GRU hidden size, {hidden.span} (default: %(default)s)")
    parser.add_argument("--layers", type=layers, default=1, help=f"GRU layers, {layers.span} (default: %(default)s)")
    parser.add_argument("--embed", type=embed, default=96, help=f"token embedding size, {embed.span} (default: %(default)s)")
    parser.add_argument("--batch-size", type=batch, default=64, help=f"lanes per process and step, {batch.span} (default: %(default)s)")
    parser.add_argument("--seq-len", type=seq_len, default=160, help=f"tokens per truncated-BPTT window, {seq_len.span} (default: %(default)s)")
    parser.add_argument("--learning-rate", type=rate, default=3e-3, help=f"Adam's initial learning rate, {rate.span} (default: %(default)s)")
    parser.add_argument("--linear-decay", action="store_true", help="lower the learning rate linearly to 5%% over --epochs (size --epochs to the budget) instead of halving it on a plateau")
    parser.add_argument("--max-train-tokens", type=tokens, default=0, help=f"train on only the first N tokens of each epoch's stream, {tokens.span}: a quick check (default: 0, all)")
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus-v2.npz"), help="corpus for the originality guard's index of the training tunes (default: %(default)s)")
    parser.add_argument("--unconditional", action="store_true",
                        help="train the same network with the conditioning zeroed: the baseline `moodscore eval` compares "
                             "with (run and export default to runs/moodscore-gru-uncond, models/moodscore-gru-uncond)")
    parser.add_argument("--threads", type=threads, default=1, help=f"torch threads per process, {threads.span}; one is fastest on a shared 2-core CPU (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    import json

    import numpy as np

    from engine.composer.codecs import codec_named
    from engine.composer.dataset import dataset_stats, load_token_dataset
    from engine.composer.model import ModelConfig
    from engine.composer.train import TrainConfig, train

    data = load_token_dataset(args.tokens)
    if args.unconditional:
        data["bar_cond"] = np.zeros_like(data["bar_cond"])
        args.run_dir = args.run_dir.with_name(args.run_dir.name + "-uncond")
        args.export = args.export.with_name(args.export.name + "-uncond")
    check_licences(data, args.export)
    meta = json.loads(str(data["meta"]))
    codec = codec_named(meta.get("codec", "melody_harmony"))
    model_config = ModelConfig(codec.vocab_size, int(data["bar_cond"].shape[1]), embed_dim=args.embed, hidden_size=args.hidden,
                               num_layers=args.layers, codec=codec.name)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, seq_len=args.seq_len, learning_rate=args.learning_rate,
                         max_minutes=args.max_minutes, device=args.device, threads=args.threads, max_train_tokens=args.max_train_tokens,
                         linear_decay=args.linear_decay)
    card = {"data": dataset_stats(data), "provenance": meta.get("provenance", {}), "key_labels": meta.get("key_labels", {}),
            **({"note": "unconditional baseline: conditioning zeroed in training"} if args.unconditional else {})}
    state = train(data, model_config, config, args.run_dir, args.export, args.resume, card)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    return finish(args, data, model_config, config, state)


def finish(args: argparse.Namespace, data, model_config, config, state: dict) -> int:
    """Rank 0 after training: the test figure into the card, the guard index, one line of output."""
    from engine.composer.guard import build_guard_index
    from engine.composer.train import record_test_nll

    if not (args.export / "weights.npz").exists():
        print(f"trained {state['epoch']} epochs in {state['train_s']:.0f} s; nothing exported")
        return 1
    test_nll = record_test_nll(data, model_config, config, args.run_dir, args.export)
    if args.corpus.exists() and not args.unconditional:
        build_guard_index(args.corpus, args.export, args.tokens)
    print(f"trained {state['epoch']} epochs in {state['train_s']:.0f} s; best valid NLL/token {state['best_valid']:.4f}, test {test_nll:.4f} -> {args.export}")
    return 0


def check_licences(data, export_dir: Path) -> None:
    """Refuse to write a model trained on data the default model may not use (Essen, the Greentree chorales) into models/."""
    import json

    from engine.composer.provenance import RESTRICTED_COLLECTIONS

    sources = json.loads(str(data["meta"])).get("corpus_sources", [])
    restricted = [s for s in sources if s in RESTRICTED_COLLECTIONS]
    if restricted and "models" in Path(export_dir).resolve().parts:
        raise SystemExit(f"the token dataset includes {restricted}, which the shipped model may not be trained on "
                         f"(models/README.md, Data and licences); export it outside models/ (--export runs/...)")
