"""netgraph's own DataLoader worker processes (``num_workers=``, a Dataset of images) stay from round to round of one
net_train call, seeded as each round starts as torch seeds workers it starts afresh, and end when net_train returns or
raises; a user's DataLoader's workers end with an error in the middle of a pass too."""

from __future__ import annotations

import gc
import multiprocessing
import os

import pytest
import torch

from netgraph import net_initialize, net_measurements, net_train
from netgraph.core.errors import DataError
from tests.test_train_dataset_images import _Photos, _net
from tests.test_train_interrupted_round import data, dropout_net

_OPTIONS = {"batch_size": 2, "progress": False, "random_seed": 3, "num_workers": 2}


class _Watched(_Photos):
    """Each item read in a worker process records (its process id, its worker's seed, a draw from torch's generator);
    the ``bad_read``-th read in the workers raises a DataError."""

    def __init__(self, folder, bad_read: int = 0):
        super().__init__(folder)
        self.bad_read, self.count = bad_read, multiprocessing.Value("i", 0)
        self.pids, self.seeds, self.draws = (multiprocessing.Array(kind, 64) for kind in ("q", "q", "d"))

    def __getitem__(self, i):
        info = torch.utils.data.get_worker_info()
        if info is not None:
            with self.count.get_lock():
                n, self.count.value = self.count.value, self.count.value + 1
            if n + 1 == self.bad_read:
                raise DataError(f"item {i} is broken", kind="encoding")
            self.pids[n], self.seeds[n], self.draws[n] = os.getpid(), info.seed, float(torch.rand(()))
        return super().__getitem__(i)

    def worker_reads(self) -> list[tuple[int, int, float]]:
        n = self.count.value
        return list(zip(self.pids[:n], self.seeds[:n], self.draws[:n]))


def test_the_workers_stay_from_round_to_round(tmp_path):
    """Found in review: netgraph's loader started its 2 workers afresh every round (3 rounds: 6 processes)."""
    photos = _Watched(tmp_path)
    net_train(_net(), photos, max_training_rounds=3, **_OPTIONS)
    assert len({pid for pid, _, _ in photos.worker_reads()}) == 2


def test_each_round_s_workers_are_seeded_as_torch_seeds_new_ones(tmp_path):
    """Each round's worker k draws from torch's generator seeded with the round's base seed + k, as a new worker."""
    photos = _Watched(tmp_path)
    net_train(_net(), photos, max_training_rounds=3, **_OPTIONS)
    by_seed: dict[int, list[float]] = {}
    for _, seed, draw in photos.worker_reads():
        by_seed.setdefault(seed, []).append(draw)
    seeds = sorted(by_seed)  # 3 rounds of 2 workers: a base seed and the base + 1 each
    assert len(seeds) == 6 and all(second == first + 1 for first, second in zip(seeds[::2], seeds[1::2]))
    for seed, draws in by_seed.items():
        generator = torch.Generator().manual_seed(seed)
        assert draws == [float(torch.rand((), generator=generator)) for _ in draws]


@pytest.fixture
def no_collection():
    """The workers must end when net_train returns or raises, not when a garbage collection happens to run."""
    gc.disable()
    yield
    gc.enable()


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
    with pytest.raises((DataError, RuntimeError)) as info:
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
