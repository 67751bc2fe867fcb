"""Worker processes kept from pass to pass (``persistent_workers``) yet seeded as each pass starts, as torch seeds
workers it starts afresh: torch seeds a worker once, as it starts, and has no way to reseed a live one. Each batch of
example indices carries its pass's key (the pass's number, its workers' base seed: ``PassBatches``); a worker reading
a batch with a key new to it first seeds Python's ``random``, torch and numpy from that base seed and its id, as
torch's worker loop does (``PassSeeded``). So a pass draws what it drew with new workers, a resumed run's too."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy
import torch

from netgraph.train.torch_workers import numpy_worker_seed, show_worker_seed

__all__ = ["PassBatch", "PassBatches", "PassSeeded", "base_seed"]


def base_seed(seeds: torch.Generator) -> int:
    """The workers' base seed torch draws from a DataLoader's ``generator`` as the workers start."""
    return int(torch.empty((), dtype=torch.int64).random_(generator=seeds))


class PassBatch(list):
    """A batch's example indices with the key of its pass: (the pass's number, its workers' base seed)."""

    def __init__(self, indices: list[int], key: tuple[int, int] | None):
        super().__init__(indices)
        self.key = key


class PassBatches(torch.utils.data.Sampler):
    """The batches of indices of ``batches`` (a batch sampler), each with the current pass's ``key``."""

    def __init__(self, batches: Any):
        self.batches, self.key = batches, None

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[PassBatch]:
        key = self.key
        for indices in self.batches:
            yield PassBatch(indices, key)


class PassSeeded(torch.utils.data.Dataset):
    """``dataset`` read in a worker process that seeds itself at each pass's first batch (``PassBatch.key``)."""

    def __init__(self, dataset: Any):
        self.dataset, self.key = dataset, None  # the key of the pass this copy (a worker's) is seeded for

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[index]

    def __getitems__(self, batch: list[int]) -> list:
        info, key = torch.utils.data.get_worker_info(), getattr(batch, "key", None)
        if info is not None and key is not None and key != self.key:
            self.key = key
            _seed_worker(info, key[1])
        return [self.dataset[i] for i in batch]


def _seed_worker(info: Any, base: int) -> None:
    """Seed this worker process as torch's worker loop seeds a new one from ``base``; its WorkerInfo's seed too."""
    seed = base + info.id
    random.seed(seed)
    torch.manual_seed(seed)
    numpy.random.seed(numpy_worker_seed(base, info.id))
    show_worker_seed(info, seed)
