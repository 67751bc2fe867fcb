"""A user's DataLoader with worker processes kept between rounds (persistent_workers=True) whose Dataset draws from
torch's generator (an augmentation): the workers' seeds follow the run's seed and round, as a loader that starts its
workers afresh every round does, so the same seed gives the same run under any global seed, and a resumed run (fresh
workers, as in a new process) takes the uninterrupted run's steps."""

from __future__ import annotations

import multiprocessing

import pytest
import torch

from netgraph import net_initialize, net_measurements
from netgraph.train import net_train
from netgraph.train.checkpoint import checkpoints
from tests.test_train_interrupted_round import assert_same_run, data, dropout_net, interrupting_loss

KW = dict(random_seed=3, progress=False, all=True)


class Augmented(torch.utils.data.Dataset):
    """Examples with noise drawn from torch's generator: in a worker process, from the worker's seed."""

    def __init__(self):
        self.cols = data(48)

    def __len__(self) -> int:
        return 48

    def __getitem__(self, i: int) -> dict:
        return {"Input": self.cols["Input"][i] + 0.1 * torch.randn(2), "Target": self.cols["Target"][i]}


def _loader(persistent: bool = True) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(Augmented(), batch_size=16, shuffle=True, num_workers=2,
                                       persistent_workers=persistent)


def test_persistent_workers_draw_as_the_run_s_seed_says_whatever_the_global_seed():
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)  # the caller's generator, which random_seed= must leave out of the run
        runs.append(net_train(dropout_net(), _loader(), max_training_rounds=2, **KW))
    assert_same_run(runs[0], runs[1])
    assert_same_run(runs[0], net_train(dropout_net(), _loader(persistent=False), max_training_rounds=2, **KW))


def test_a_run_resumed_with_persistent_workers_takes_the_uninterrupted_run_s_steps(tmp_path):
    whole = net_train(dropout_net(), _loader(), max_training_rounds=3, **KW)
    net_train(dropout_net(), _loader(), max_training_rounds=2, checkpoint=tmp_path, **KW)
    resumed = net_train(dropout_net(), _loader(), max_training_rounds=3, checkpoint=tmp_path, resume=True, **KW)
    assert_same_run(resumed, whole)


def test_a_run_resumed_mid_round_with_persistent_workers_takes_the_uninterrupted_run_s_steps(tmp_path):
    options = dict(max_training_rounds=3, **KW)
    whole = net_train(dropout_net(), _loader(), loss_function=interrupting_loss(set()), **options)
    net_train(dropout_net(), _loader(), loss_function=interrupting_loss({5}), checkpoint=tmp_path, **options)
    assert checkpoints(tmp_path)[-1].name == "round-000002-batch-000002.pt"
    resumed = net_train(dropout_net(), _loader(), loss_function=interrupting_loss(set()), checkpoint=tmp_path,
                        resume=True, **options)
    assert_same_run(resumed, whole)


def _batches(loader: torch.utils.data.DataLoader, seed: int) -> list[torch.Tensor]:
    torch.manual_seed(seed)
    return [batch["Input"] for batch in loader]


@pytest.mark.parametrize("call", ["net_train", "net_measurements"])
def test_the_run_leaves_a_persistent_loader_as_one_never_iterated(call, no_collection):
    """Found in session 46: the workers of the run's last pass (seeded from the run's generator) stayed in the user's
    loader after net_train returned, running processes that then served the user's next pass with the run's seeds."""
    loader, validation = _loader(), _loader()
    if call == "net_train":
        net_train(dropout_net(), loader, validation_set=validation, max_training_rounds=2, **KW)
    else:
        net_measurements(net_initialize(dropout_net(), seed=0), loader, "Loss")
    assert multiprocessing.active_children() == []
    assert all(map(torch.equal, _batches(loader, 7), _batches(_loader(), 7)))
