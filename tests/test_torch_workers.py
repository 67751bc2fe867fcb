"""torch's DataLoader worker machinery that netgraph relies on where torch has no public way (``torch_workers``),
checked against torch's own behaviour: a torch that changes one fails here, by name (found in session 46: the private
names were spread over three modules, and a change would have shown only as other draws deep in a training test)."""

from __future__ import annotations

import multiprocessing

import numpy
import pytest
import torch

from netgraph.train.pass_seeds import base_seed
from netgraph.train.torch_workers import (drop_kept_workers, numpy_worker_seed, raised_again_by_torch,
                                          show_worker_seed, shutdown_workers)


class _Seeds(torch.utils.data.Dataset):
    """Item i read in a worker: (its worker's id, its WorkerInfo's seed, a draw from numpy's global generator);
    with ``shown``, after show_worker_seed(info, shown + i)."""

    def __init__(self, shown: int | None = None):
        self.shown = shown

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> tuple[int, int, float]:
        info = torch.utils.data.get_worker_info()
        if self.shown is not None:
            show_worker_seed(info, self.shown + i)
        return info.id, torch.utils.data.get_worker_info().seed, float(numpy.random.rand())


def _read(dataset: torch.utils.data.Dataset, seed: int, workers: int = 2) -> list[tuple[int, int, float]]:
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=workers,
                                         generator=torch.Generator().manual_seed(seed))
    return list(loader)


def test_numpy_worker_seed_is_the_seed_torch_gives_a_new_worker_s_numpy():
    base = base_seed(torch.Generator().manual_seed(11))  # the base seed torch draws from the loader's generator
    first = {}
    for worker, seed, draw in _read(_Seeds(), 11):
        assert seed == base + worker  # base_seed draws what torch draws
        first.setdefault(worker, draw)
    assert first == {w: numpy.random.RandomState(numpy_worker_seed(base, w)).rand() for w in (0, 1)}


def test_show_worker_seed_is_what_get_worker_info_says():
    assert [seed for _, seed, _ in _read(_Seeds(shown=100), 3, workers=1)] == [100, 101, 102, 103]


def test_raised_again_by_torch_knows_a_worker_s_error_from_this_process_s():
    class Broken(_Seeds):
        def __getitem__(self, i):
            raise ValueError(f"item {i}")
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0") as worker:
        _read(Broken(), 0, workers=1)
    with pytest.raises(ValueError) as here:
        _read(Broken(), 0, workers=0)
    assert raised_again_by_torch(worker.value) and not raised_again_by_torch(here.value)


def test_kept_workers_are_dropped_and_shut_down(no_collection):
    before = set(multiprocessing.active_children())  # another test's, not yet collected
    loader = torch.utils.data.DataLoader(_Seeds(), batch_size=None, num_workers=1, persistent_workers=True)
    batches = iter(loader)
    assert next(batches) and len(started := set(multiprocessing.active_children()) - before) == 1
    assert drop_kept_workers(loader, only=iter([])) is None and iter(loader) is batches  # another's: kept
    kept = drop_kept_workers(loader)
    assert kept is batches and iter(loader) is not batches  # a new pass, new workers
    shutdown_workers(kept)  # ended now, while the iterator is still referenced
    assert started.isdisjoint(multiprocessing.active_children())
