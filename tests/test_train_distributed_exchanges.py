"""The exchanges between processes a distributed run makes per batch: TensorBoard logging (rank 0 writes, and its
error stops every process) adds none. It made one more all-reduce each batch only to pass on a write's error at once;
the error now travels with the loss sum each batch makes anyway."""

from __future__ import annotations

import collections
import dataclasses
import errno

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

from netgraph import LinearLayer, NetGraph, net_initialize
from netgraph.train import api, net_train
from netgraph.train.distributed import Context
from netgraph.train.tensorboard import TensorBoardLog


@dataclasses.dataclass
class CountingContext(Context):
    """A process of a distributed run on its own (rank 0 of 1, no process group): each exchange counted by name."""

    active: bool = True
    exchanges: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def wrap(self, module, unused=True):
        return module

    def sum(self, values):
        self.exchanges["sum"] += 1
        return list(values)

    def any(self, flag):
        self.exchanges["any"] += 1
        return flag

    def gather(self, values):
        self.exchanges["gather"] += 1
        return [values]

    def broadcast(self, value):
        self.exchanges["broadcast"] += 1
        return value

    def pick(self, value, score):
        self.exchanges["pick"] += 1
        return value

    def from_main(self, make, where):
        self.exchanges["from_main"] += 1
        return make()

    def close(self, together=True):
        pass


def _exchanges(monkeypatch, tmp_path, examples: int, **options) -> collections.Counter:
    """The exchanges of 2 rounds of batches of 4 from ``examples`` examples."""
    ctx = CountingContext()
    monkeypatch.setattr(api, "setup", lambda distributed, device, timeout: ctx)
    x = torch.linspace(-1, 1, 2 * examples).reshape(examples, 2)
    net_train(net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0),
              {"Input": x, "Target": x.sum(1, keepdim=True)}, max_training_rounds=2, batch_size=4, distributed=True,
              progress=False, **options)
    return ctx.exchanges


def test_tensorboard_logging_makes_no_exchange_per_batch(monkeypatch, tmp_path):
    """Twice the batches: the same exchanges more for the log (opening, the graph, each round, closing)."""
    logged = dict(progress_reporting="tensorboard", log_dir=tmp_path / "log")
    few, many = (_exchanges(monkeypatch, tmp_path, n) for n in (16, 32))
    few_logged, many_logged = (_exchanges(monkeypatch, tmp_path, n, **logged) for n in (16, 32))
    assert many["sum"] > few["sum"]  # the loss sum is an exchange per batch
    assert many_logged - many == few_logged - few, (few, many, few_logged, many_logged)


@pytest.mark.parametrize("failing", [3, 8])  # a batch inside a round; the run's last (no batch follows)
def test_a_failed_batch_write_stops_the_run_before_another_step_naming_its_batch(monkeypatch, tmp_path, failing):
    """Rank 0 raises its own error, and passes on to the others one naming the batch (``pick``'s data), at the next
    batch's loss sum (before its step), or for the last batch at the round's log; no later batch is written."""
    written, steps, picked = [], [], []
    batch = TensorBoardLog.batch

    def failing_batch(log, step, value):
        written.append(step)
        if step == failing:
            raise OSError(errno.ENOSPC, "No space left on device")
        return batch(log, step, value)
    monkeypatch.setattr(TensorBoardLog, "batch", failing_batch)
    monkeypatch.setattr(CountingContext, "pick", lambda self, value, score: picked.append(value) or value)
    hook = register_optimizer_step_post_hook(lambda *_: steps.append(1))
    try:
        with pytest.raises(OSError, match="No space left on device"):
            _exchanges(monkeypatch, tmp_path, 16, progress_reporting="tensorboard", log_dir=tmp_path / "log")
    finally:
        hook.remove()
    assert written == list(range(1, failing + 1)) and len(steps) == failing
    assert [data["message"] for data in picked] == [
        f"training stopped: process 0 failed writing the TensorBoard log at batch {failing} with "
        f"OSError(28, 'No space left on device'); see its own output"]
