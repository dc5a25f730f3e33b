"""Training on several processes or machines: DistributedDataParallel when torchrun started us, nothing otherwise.

``moodscore train`` runs unchanged under ``torchrun --nproc_per_node N`` (or
``--nnodes M --rdzv-endpoint host:port`` on a cluster): torchrun sets ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous address, and ``World.from_env``
joins the process group (gloo on CPU, nccl on GPU, one GPU per process). Each
process trains on its own contiguous 1/N of the epoch's shuffled stream (the same
shuffle everywhere, from the seed), gradients are averaged by DDP, and figures
are summed across processes, so every process takes the same decisions (best
epoch, learning-rate halving, early stop, time budget) without asking the others.
Only rank 0 writes checkpoints, exports and plots. A single process is a world of
one, and every method is then a no-op.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import torch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class World:
    """This process's place among the training processes."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    @classmethod
    def from_env(cls, device: str) -> "World":
        """Join the process group torchrun announced in the environment (a world of one without it)."""
        size = int(os.environ.get("WORLD_SIZE", "1"))
        if size <= 1:
            return cls()
        world = cls(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))
        if not torch.distributed.is_initialized():
            backend = "nccl" if device.startswith("cuda") else "gloo"
            if backend == "nccl":
                torch.cuda.set_device(world.local_rank)
            torch.distributed.init_process_group(backend=backend)
            log.info("rank %d of %d joined the %s process group", world.rank, size, backend)
        return world

    def device(self, device: str) -> str:
        """The device this process trains on: its own GPU under nccl, else ``device``."""
        return f"cuda:{self.local_rank}" if device == "cuda" and self.distributed else device

    def wrap(self, net: torch.nn.Module) -> torch.nn.Module:
        """The network as the optimiser should see it: DDP-wrapped when distributed."""
        if not self.distributed:
            return net
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [self.local_rank] if next(net.parameters()).is_cuda else None
        return DistributedDataParallel(net, device_ids=device_ids)

    def shard(self, stream: np.ndarray) -> np.ndarray:
        """This process's contiguous share of a stream; every share has the same length (equal steps per epoch)."""
        if not self.distributed:
            return stream
        share = len(stream) // self.size
        return stream[self.rank * share : (self.rank + 1) * share]

    def sum(self, *values: float) -> tuple[float, ...]:
        """Each value summed over all processes (float64)."""
        if not self.distributed:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=self._reduce_device())
        torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.SUM)
        return tuple(tensor.tolist())

    def max(self, value: float) -> float:
        """The largest ``value`` over all processes (e.g. the elapsed time, so all stop at the same epoch)."""
        if not self.distributed:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self._reduce_device())
        torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.MAX)
        return float(tensor.item())

    def _reduce_device(self) -> str:
        return f"cuda:{self.local_rank}" if torch.distributed.get_backend() == "nccl" else "cpu"

    def close(self) -> None:
        """Every process waits for the others, then the group is torn down: a rank that
        destroyed its group while another was still in a collective aborted at exit
        ("terminate called without an active exception", 1 run in 4 on CPU)."""
        if self.distributed and torch.distributed.is_initialized():
            torch.distributed.barrier()
            torch.distributed.destroy_process_group()

