"""netgraph's own DataLoader worker processes (``num_workers=``, a Dataset of images) stay from round to round of one
net_train call, seeded as each round starts as torch seeds workers it starts afresh, and end when net_train returns or
raises; a user's DataLoader's workers end with an error in the middle of a pass too."""

from __future__ import annotations

import multiprocessing
import os
import random

import numpy
import pytest
import torch

from netgraph import net_initialize, net_measurements, net_train
from netgraph.core.errors import DataError, OptionError
from tests.test_train_dataset_images import _Photos, _net
from tests.test_train_interrupted_round import data, dropout_net

_OPTIONS = {"batch_size": 2, "progress": False, "random_seed": 3, "num_workers": 2}


class _Watched(_Photos):
    """Each item read in a worker process records (its process id, its worker's seed and id, a draw from torch's,
    Python's and numpy's generators); the ``bad_read``-th read in the workers raises a DataError."""

    def __init__(self, folder, bad_read: int = 0):
        super().__init__(folder)
        self.bad_read, self.count = bad_read, multiprocessing.Value("i", 0)
        self.pids, self.seeds, self.ids = (multiprocessing.Array("q", 64) for _ in range(3))
        self.draws = [multiprocessing.Array("d", 64) for _ in ("torch", "random", "numpy")]

    def __getitem__(self, i):
        info = torch.utils.data.get_worker_info()
        if info is not None:
            with self.count.get_lock():
                n, self.count.value = self.count.value, self.count.value + 1
            if n + 1 == self.bad_read:
                raise DataError(f"item {i} is broken", kind="encoding")
            self.pids[n], self.seeds[n], self.ids[n] = os.getpid(), info.seed, info.id
            for drawn, draw in zip(self.draws, (float(torch.rand(())), random.random(), float(numpy.random.rand()))):
                drawn[n] = draw
        return super().__getitem__(i)

    def worker_reads(self) -> list[tuple[int, int, tuple[int, float, float, float]]]:
        """(process id, seed, (worker id, its draws from torch, random and numpy)) of each read in a worker."""
        n = self.count.value
        return list(zip(self.pids[:n], self.seeds[:n], zip(self.ids[:n], *(drawn[:n] for drawn in self.draws))))


def _fresh_workers_draws(folder, base: int, monkeypatch) -> dict[int, list[tuple[float, float, float]]]:
    """Each worker id's draws (torch, random, numpy) in 8 reads by a new worker of torch's own DataLoader started
    from the base seed ``base`` (set where torch draws it, as the loader starts its workers)."""
    start = torch.utils.data.dataloader._BaseDataLoaderIter.__init__

    def start_from_base(iterator, loader):
        start(iterator, loader)
        iterator._base_seed = base
    fresh = _Watched(folder)
    with monkeypatch.context() as patch:  # undone here, even if the loader raises; the test's own patches stay
        patch.setattr(torch.utils.data.dataloader._BaseDataLoaderIter, "__init__", start_from_base)
        for _ in torch.utils.data.DataLoader(fresh, batch_size=None, sampler=[i % 8 for i in range(16)],
                                             num_workers=2, collate_fn=lambda item: None):
            pass
    by_id: dict[int, list[tuple[float, float, float]]] = {}
    for _, seed, (worker, *draws) in fresh.worker_reads():
        assert seed == base + worker
        by_id.setdefault(worker, []).append(tuple(draws))
    return by_id


def test_the_workers_stay_from_round_to_round(tmp_path):
    """Found in review: netgraph's loader started its 2 workers afresh every round (3 rounds: 6 processes)."""
    photos = _Watched(tmp_path)
    net_train(_net(), photos, max_training_rounds=3, **_OPTIONS)
    assert len({pid for pid, _, _ in photos.worker_reads()}) == 2


def test_each_round_s_workers_are_seeded_as_torch_seeds_new_ones(tmp_path, monkeypatch):
    """Each pass's worker k (the held-out loader's too) draws from torch's, Python's and numpy's generators what a new
    worker k of torch's own loader draws, started from the pass's base seed (its seed - k): found in review, the test
    checked torch's draws alone."""
    photos = _Watched(tmp_path)
    net_train(_net(), photos, max_training_rounds=3, validation_set=0.25, **_OPTIONS)
    by_pass: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for _, seed, (worker, *draws) in photos.worker_reads():
        by_pass.setdefault((seed - worker, worker), []).append(tuple(draws))
    bases = {base for base, _ in by_pass}
    assert len(bases) == 6 and {worker for _, worker in by_pass} == {0, 1}  # 3 rounds, each validated
    for base in bases:
        fresh = _fresh_workers_draws(tmp_path, base, monkeypatch)
        for worker in (0, 1):
            drawn = by_pass.get((base, worker), [])
            assert drawn == fresh[worker][:len(drawn)]
            assert len({draw for draws in drawn for draw in draws}) == 3 * len(drawn)  # three generators, no repeats


def test_no_worker_is_left_when_net_train_returns(tmp_path, no_collection):
    net_train(_net(), _Watched(tmp_path), max_training_rounds=2, validation_set=0.25, **_OPTIONS)
    assert multiprocessing.active_children() == []


def test_no_worker_is_left_when_net_measurements_returns(tmp_path, no_collection):
    net_measurements(net_initialize(_net(), seed=0), _Watched(tmp_path), "Accuracy", num_workers=2, batch_size=2)
    assert multiprocessing.active_children() == []


def _stop_after_round_1(info):
    if info["round"] == 1:
        raise RuntimeError("stopped by the progress function")


@pytest.mark.parametrize("case", ["data", "progress"])
def test_no_worker_is_left_after_an_error_in_round_2(tmp_path, case, no_collection):
    """A DataError the Dataset raises in round 2 (its 12th read in the workers, 8 a round),
    or an error of the progress function after round 1, while the workers wait for round 2."""
    photos = _Watched(tmp_path, bad_read=12 if case == "data" else 0)
    options = {**_OPTIONS, "progress": _stop_after_round_1 if case == "progress" else False}
    with pytest.raises((DataError, OptionError)) as info:
        net_train(_net(), photos, max_training_rounds=3, **options)
    assert info.value.__traceback__ is not None and multiprocessing.active_children() == []
    seeds = {seed for _, seed, _ in photos.worker_reads() if seed}  # the failed read's left 0
    assert (len(seeds) > 2) == (case == "data")  # the workers' seeds of round 2 too, or of round 1 alone


class _BadInRound2(torch.utils.data.Dataset):
    """32 examples; item 5 read in a worker in round 2 (``round_done``: the progress function) holds NaN
    (``how="nan"``: the batch's check refuses it) or raises a DataError (``how="raise"``)."""

    def __init__(self, how: str):
        self.cols, self.how, self.rounds_done = data(32), how, multiprocessing.Value("i", 0)

    def round_done(self, progress):
        self.rounds_done.value = progress["round"]

    def __len__(self):
        return 32

    def __getitem__(self, i):
        bad = i == 5 and self.rounds_done.value == 1 and torch.utils.data.get_worker_info() is not None
        if bad and self.how == "raise":
            raise DataError(f"item {i} is broken", kind="encoding")
        x = self.cols["Input"][i]
        return {"Input": x * float("nan") if bad else x, "Target": self.cols["Target"][i]}


@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("how", ["nan", "raise"])
def test_a_user_s_loader_s_workers_end_with_an_error_in_the_middle_of_a_pass(how, persistent, no_collection):
    """Found in review: a user's DataLoader's workers outlived the DataError of a batch in round 2, kept by the
    error's traceback (a worker's error re-raised by the loader) or by the loader (persistent_workers=True)."""
    examples = _BadInRound2(how)
    loader = torch.utils.data.DataLoader(examples, batch_size=8, shuffle=True, num_workers=2,
                                         persistent_workers=persistent)
    with pytest.raises(DataError, match="NaN" if how == "nan" else "item 5 is broken") as info:
        net_train(dropout_net(), loader, max_training_rounds=3, random_seed=0, progress=examples.round_done)
    assert examples.rounds_done.value == 1
    assert info.value.__traceback__ is not None and multiprocessing.active_children() == []


@pytest.mark.parametrize("persistent", [False, True])
def test_a_user_s_loader_s_workers_end_when_a_training_step_raises(monkeypatch, persistent, no_collection):
    """Found in session 45: a step that raised in the middle of a pass (not the data) left a user's non-persistent
    DataLoader's workers alive until the error's traceback was collected."""
    from netgraph.train.loop import Trainer
    steps, train_batch = [], Trainer.train_batch

    def failing_second_step(self, *args):
        steps.append(len(steps) + 1)
        if len(steps) == 2:
            raise RuntimeError("the step failed")
        return train_batch(self, *args)
    monkeypatch.setattr(Trainer, "train_batch", failing_second_step)
    loader = torch.utils.data.DataLoader(_BadInRound2("none"), batch_size=8, num_workers=2,
                                         persistent_workers=persistent)
    with pytest.raises(RuntimeError, match="the step failed") as info:
        net_train(dropout_net(), loader, max_training_rounds=2, random_seed=0, progress=False)
    assert steps == [1, 2] and info.value.__traceback__ is not None and multiprocessing.active_children() == []


def test_a_user_s_loader_s_workers_end_when_a_measuring_pass_raises(monkeypatch, no_collection):
    """Found in session 45: a loss (or forward) that raised in the middle of net_measurements' pass left a user's
    DataLoader's workers alive until the error's traceback was collected, as a training step's did."""
    from netgraph.train.loss import Loss
    calls, loss_call = [], Loss.__call__

    def failing_second_call(self, *args):
        calls.append(len(calls) + 1)
        if len(calls) == 2:
            raise RuntimeError("the loss failed")
        return loss_call(self, *args)
    monkeypatch.setattr(Loss, "__call__", failing_second_call)
    loader = torch.utils.data.DataLoader(_BadInRound2("none"), batch_size=8, num_workers=2)
    with pytest.raises(RuntimeError, match="the loss failed") as info:
        net_measurements(net_initialize(dropout_net(), seed=0), loader, "Loss")
    assert calls == [1, 2] and info.value.__traceback__ is not None and multiprocessing.active_children() == []
