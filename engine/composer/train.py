"""Training: a plain loop over the token streams, with checkpoints, early stopping and export.

Read top to bottom: load the token dataset; lay the training tunes end to end and cut
the stream into ``batch_size`` lanes; walk the lanes in windows of ``seq_len`` tokens
carrying the hidden state (truncated BPTT); validate once an epoch; keep the best
weights; stop early when validation stops improving or the time budget is spent.
Every epoch writes a resumable torch checkpoint in ``run_dir`` and exports the best
model (numpy weights + JSON config, no pickle) to ``export_dir`` with a loss curve.
Started by ``torchrun`` the same loop trains with DistributedDataParallel
(``distributed.World``): each process walks its share of the stream, and only rank 0
writes files.
"""

from __future__ import annotations

import io
import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.composer import attributes
from engine.composer.distributed import World
from engine.composer.model import ComposerNet, ModelConfig, export_arrays
from engine.progress import Progress
from engine.composer.shipped import save_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; ``max_minutes`` bounds the wall-clock of one run."""

    epochs: int = 30
    batch_size: int = 64
    seq_len: int = 160
    learning_rate: float = 3e-3
    grad_clip: float = 1.0
    patience: int = 3
    threads: int = 2
    seed: int = 0
    max_minutes: float = 30.0
    device: str = "cpu"
    max_train_tokens: int = 0  # 0 = all; tests train on a small slice
    linear_decay: bool = False  # True: the rate falls linearly to 5 % over ``epochs`` (a run sized to its budget), else halves on a plateau


def lanes(stream: np.ndarray, batch_size: int) -> np.ndarray:
    """(batch_size, K) contiguous lanes of a 1-D stream (the tail that does not fit is dropped)."""
    usable = (len(stream) // batch_size) * batch_size
    return stream[:usable].reshape(batch_size, -1)


def split_stream(data: dict[str, np.ndarray], split: int, rng: np.random.Generator | None) -> np.ndarray:
    """Token indices of all tunes of a split laid end to end (shuffled tune order when rng is given)."""
    tunes = np.flatnonzero(data["tune_split"] == split)
    if rng is not None:
        tunes = rng.permutation(tunes)
    parts = [np.arange(data["tune_first_token"][t], data["tune_first_token"][t] + data["tune_token_count"][t]) for t in tunes]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def batches(data: dict[str, np.ndarray], index_lanes: np.ndarray, seq_len: int, device: str):
    """Yield (inputs, conditioning, targets) windows walking the lanes left to right."""
    all_tokens = torch.from_numpy(data["tokens"].astype(np.int64))
    bar_cond = torch.from_numpy(data["bar_cond"])
    token_bar = torch.from_numpy(data["token_bar"].astype(np.int64))
    for start in range(0, index_lanes.shape[1] - 1, seq_len):
        window = torch.from_numpy(index_lanes[:, start : start + seq_len + 1])
        if window.shape[1] < 2:
            break
        x_index, y_index = window[:, :-1], window[:, 1:]
        yield all_tokens[x_index].to(device), bar_cond[token_bar[x_index]].to(device), all_tokens[y_index].to(device)


def run_epoch(net, optimiser, data, index_lanes, config: TrainConfig, label: str, world: World = World()) -> float:
    """One pass over the lanes; returns the mean NLL per token (nats; over all processes of ``world``). Trains when optimiser is given."""
    training = optimiser is not None
    net.train(training)
    hidden, total_nll, total_tokens = None, 0.0, 0
    steps = math.ceil((index_lanes.shape[1] - 1) / config.seq_len)
    progress = Progress(steps, label, unit="batch", stream=None if world.is_main else io.StringIO())
    with torch.set_grad_enabled(training):
        for x, cond, y in batches(data, index_lanes, config.seq_len, config.device):
            logits, hidden = net(x, cond, hidden)
            hidden = hidden.detach()
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            if training:
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
                optimiser.step()
            total_nll += float(loss.detach()) * y.numel()
            total_tokens += y.numel()
            progress.update(1, f"nll {total_nll / total_tokens:.3f}")
    progress.close()
    total_nll, total_tokens = world.sum(total_nll, total_tokens)
    return total_nll / max(1, total_tokens)


def held_out_nll(net, data: dict[str, np.ndarray], split: int, config: TrainConfig) -> float:
    """Mean NLL per token of a held-out split, read as validation reads it (8 lanes, hidden state carried)."""
    index_lanes = lanes(split_stream(data, split, None), min(config.batch_size, 8))
    return run_epoch(net, None, data, index_lanes, config, ("train", "valid", "test")[split])


def record_test_nll(data: dict[str, np.ndarray], model_config: ModelConfig, config: TrainConfig, run_dir: Path, export_dir: Path) -> float:
    """Score the best weights of ``run_dir`` on the test split and write the figure into the exported card."""
    torch.set_num_threads(config.threads)
    net = ComposerNet(model_config).to(config.device)
    net.load_state_dict(torch.load(run_dir / "best.pt", map_location=config.device, weights_only=True))
    test_nll = held_out_nll(net, data, 2, config)
    path = Path(export_dir) / "config.json"
    exported = json.loads(path.read_text())
    exported["card"]["test_nll_per_token"] = test_nll
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(exported, indent=1))
    tmp.replace(path)
    return test_nll


def conditioning_spec(data: dict[str, np.ndarray]) -> dict:
    """How an Intent becomes a conditioning vector: names, meters, form-position fields (when the dataset has them)
    and the training label quantiles."""
    train_bars = np.unique(data["token_bar"][split_stream(data, 0, None)])
    cond = data["bar_cond"][train_bars]
    quantiles = [0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98]
    position = cond.shape[1] == attributes.CONDITIONING_SIZE + attributes.POSITION_SIZE
    return {"size": int(cond.shape[1]), "fields": ["valence", "arousal", "register", "minor"],
            "meters": list(attributes.CONDITIONING_METERS), "quantile_levels": quantiles,
            "position_fields": list(attributes.POSITION_FIELDS) if position else [],
            "arousal_quantiles": np.quantile(cond[:, 1], quantiles).round(4).tolist(),
            "register_quantiles": np.quantile(cond[:, 2], quantiles).round(4).tolist()}


def save_checkpoint(path: Path, net, optimiser, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": net.state_dict(), "optimiser": optimiser.state_dict(), "state": state}, tmp)
    tmp.replace(path)


def plot_losses(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h["train_nll"] for h in history], label="train")
    ax.plot(epochs, [h["valid_nll"] for h in history], label="valid")
    ax.set_xlabel("epoch")
    ax.set_ylabel("NLL per token (nats)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _start(model_config: ModelConfig, config: TrainConfig, run_dir: Path, resume: bool, device: str):
    """(network, optimiser, state), fresh or from ``run_dir``'s checkpoint."""
    net = ComposerNet(model_config).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    state = {"epoch": 0, "history": [], "best_valid": float("inf"), "bad_epochs": 0, "train_s": 0.0, "lr": config.learning_rate}
    checkpoint = run_dir / "checkpoint.pt"
    if resume and checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device, weights_only=True)
        net.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        state = saved["state"]
        if config.linear_decay:  # a resumed run with more --epochs stretches the schedule from where it stands
            state["lr"] = linear_rate(config, state["epoch"])
            for group in optimiser.param_groups:
                group["lr"] = state["lr"]
        log.info("resumed from %s at epoch %d, learning rate %.2g", checkpoint, state["epoch"], state["lr"])
    return net, optimiser, state


def linear_rate(config: TrainConfig, epochs_done: int) -> float:
    """The linear schedule's rate for the epoch after ``epochs_done``: from ``learning_rate`` down to 5 % at ``epochs``."""
    return config.learning_rate * max(0.05, 1.0 - epochs_done / config.epochs)


def _epoch_stream(data: dict[str, np.ndarray], config: TrainConfig, epoch: int, world: World) -> np.ndarray:
    """This process's share of the epoch's shuffled training stream (the same shuffle on every process)."""
    stream = split_stream(data, 0, np.random.default_rng(config.seed + epoch))
    if config.max_train_tokens:
        stream = stream[: config.max_train_tokens]
    return world.shard(stream)


def _keep_or_decay(state: dict, valid_nll: float, optimiser, config: TrainConfig) -> bool:
    """Record the epoch's validation: True when it is the best so far. Then set the next epoch's rate: linear decay
    by epoch, or halved after an epoch without improvement."""
    best = valid_nll < state["best_valid"] - 1e-4
    if best:
        state["best_valid"], state["bad_epochs"] = valid_nll, 0
    else:
        state["bad_epochs"] += 1
    if config.linear_decay:
        state["lr"] = linear_rate(config, state["epoch"])
    elif not best:
        state["lr"] *= 0.5
    for group in optimiser.param_groups:
        group["lr"] = state["lr"]
    return best


def train(data: dict[str, np.ndarray], model_config: ModelConfig, config: TrainConfig, run_dir: Path, export_dir: Path | None,
          resume: bool = False, extra_card: dict | None = None) -> dict:
    """Train (or resume) and return the final state: history, best valid NLL, time. Under torchrun, every process
    calls this; they train together and rank 0 writes the files."""
    world = World.from_env(config.device)
    device = world.device(config.device)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    net, optimiser, state = _start(model_config, config, run_dir, resume, device)
    model = world.wrap(net)
    config = TrainConfig(**{**asdict(config), "device": device})
    spec = conditioning_spec(data)
    log.info("model: %d parameters; config %s; %d process(es)", net.num_parameters(), model_config, world.size)
    while state["epoch"] < config.epochs and state["bad_epochs"] < config.patience and state["train_s"] < config.max_minutes * 60:
        start_s = time.monotonic()
        index_lanes = lanes(_epoch_stream(data, config, state["epoch"], world), config.batch_size)
        train_nll = run_epoch(model, optimiser, data, index_lanes, config, f"epoch {state['epoch'] + 1} train", world)
        valid_nll = held_out_nll(net, data, 1, config)
        state["epoch"] += 1
        state["train_s"] = world.max(state["train_s"] + time.monotonic() - start_s)
        state["history"].append({"epoch": state["epoch"], "train_nll": train_nll, "valid_nll": valid_nll, "lr": state["lr"], "elapsed_s": round(state["train_s"], 1)})
        best = _keep_or_decay(state, valid_nll, optimiser, config)
        if world.is_main:  # the others hold the same figures; one voice in the log
            log.info("epoch %d: train %.4f valid %.4f (%.0f s total)", state["epoch"], train_nll, valid_nll, state["train_s"])
            _write_epoch(net, optimiser, state, run_dir, export_dir, model_config, spec,
                         {"train_config": asdict(config), "processes": world.size, **(extra_card or {})}, best)
    world.close()
    return state


def _write_epoch(net, optimiser, state: dict, run_dir: Path, export_dir: Path | None, model_config: ModelConfig, spec: dict, card: dict, best: bool) -> None:
    """Rank 0's files after an epoch: best weights and export (when best), checkpoint, history, loss curves."""
    if best:
        torch.save(net.state_dict(), run_dir / "best.pt")
        if export_dir is not None:  # the exported model is always the best so far
            card = {"valid_nll_per_token": state["best_valid"], "epochs": state["epoch"], "train_s": round(state["train_s"], 1),
                    "history": state["history"], **card}
            save_model(export_dir, export_arrays(net), model_config, spec, card)
    save_checkpoint(run_dir / "checkpoint.pt", net, optimiser, state)
    (run_dir / "history.json").write_text(json.dumps(state["history"], indent=1))
    plot_losses(state["history"], run_dir / "loss.png")
    if export_dir is not None and (export_dir / "weights.npz").exists():
        plot_losses(state["history"], export_dir / "loss.png")
