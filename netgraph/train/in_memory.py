"""Training data held as tensors: batches in a per-round order, each process its slice when distributed.

>>> data = InMemory({"x": torch.arange(5.0)[:, None]})
>>> [(batch["x"].flatten().tolist(), own, indices) for batch, own, _, indices in data.batches(2, None)]
[([0.0, 1.0], 2, [0, 1]), ([2.0, 3.0], 2, [2, 3]), ([4.0], 1, [4])]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch

from netgraph.train.buckets import process_share

__all__ = ["InMemory", "PASSED_OVER"]

#: What ``batches`` gives for each of the ``passed_over`` batches a resumed run trained before (read, not sliced or
#: checked): a batch of nothing.
PASSED_OVER: tuple = ({}, 0, 0, None)


class InMemory:
    """Data held as tensors; batches follow a per-round permutation, sliced per process when distributed.
    ``numbers``: each example's index in the data the user gave, where these are a part of it (None: the same)."""

    def __init__(self, cols: dict[str, torch.Tensor], numbers: Sequence[int] | None = None):
        self.cols, self.size, self.numbers = cols, next(iter(cols.values())).shape[0], numbers

    def to(self, device: torch.device) -> InMemory:
        return InMemory({k: v.to(device) for k, v in self.cols.items()}, self.numbers)

    @property
    def holds_nothing(self) -> bool:
        """Whether the examples hold no values (a net without inputs trained on a number of examples): their order
        does not matter, so they need no shuffling."""
        return all(column.numel() == 0 for column in self.cols.values())

    def batches_per_round(self, batch_size: int) -> int:
        return math.ceil(self.size / batch_size)

    def batches(self, batch_size: int, order: torch.Tensor | None, rank: int = 0, world: int = 1,
                passed_over: int = 0) -> Iterator[tuple[dict[str, torch.Tensor], int, int, list[int]]]:
        """(this process's part of the batch, how many of its examples count, the whole batch's size, the part's
        examples' indices in the data) for each batch of one round; a process left without examples (a last batch
        smaller than world) gets a stand-in, counting 0. ``order`` None: the data's order (no index tensor of
        every example: a net without inputs may be given many); the first ``passed_over`` are ``PASSED_OVER``."""
        device = next(iter(self.cols.values())).device
        for start in range(0, self.size, batch_size):
            if start < passed_over * batch_size:
                yield PASSED_OVER
                continue
            end = min(start + batch_size, self.size)
            idx = torch.arange(start, end) if order is None else order[start:end]
            whole = own = len(idx)
            if world > 1:
                share, own = process_share(whole, rank, world)
                idx = idx[share]
            examples = idx.tolist() if self.numbers is None else [self.numbers[i] for i in idx.tolist()]
            yield {k: v[idx.to(device)] for k, v in self.cols.items()}, own, whole, examples
