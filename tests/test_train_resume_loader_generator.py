"""A DataLoader with its own seeded generator (generator=): a checkpoint holds the generator's state, so a run resumed
from a round's or a mid-round checkpoint draws the uninterrupted run's order and ends with its arrays and losses."""

from __future__ import annotations

import pytest
import torch

from netgraph.train import net_train
from netgraph.train.checkpoint import checkpoints, read_checkpoint, save_checkpoint
from tests.test_train_interrupted_round import assert_same_run, data, dropout_net, interrupting_loss

KW = dict(random_seed=5, progress=False, all=True)


def _loader() -> torch.utils.data.DataLoader:
    cols = data()
    items = [{k: v[i] for k, v in cols.items()} for i in range(96)]
    return torch.utils.data.DataLoader(items, batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(3))


def test_a_run_resumed_from_a_round_s_checkpoint_draws_the_loader_s_order_as_the_uninterrupted_run(tmp_path):
    whole = net_train(dropout_net(), _loader(), max_training_rounds=3, **KW)
    net_train(dropout_net(), _loader(), max_training_rounds=2, checkpoint=tmp_path, **KW)
    assert_same_run(net_train(dropout_net(), _loader(), max_training_rounds=3, checkpoint=tmp_path, resume=True, **KW),
                    whole)


def test_a_run_resumed_mid_round_draws_the_round_s_order_again(tmp_path):
    options = dict(max_training_rounds=3, **KW)
    whole = net_train(dropout_net(), _loader(), loss_function=interrupting_loss(set()), **options)
    net_train(dropout_net(), _loader(), loss_function=interrupting_loss({17}), checkpoint=tmp_path, **options)
    assert checkpoints(tmp_path)[-1].name == "round-000002-batch-000005.pt"
    resumed = net_train(dropout_net(), _loader(), loss_function=interrupting_loss(set()), checkpoint=tmp_path,
                        resume=True, **options)
    assert_same_run(resumed, whole)


def test_a_checkpoint_without_the_loader_s_generator_state_warns_that_the_order_differs(tmp_path):
    net_train(dropout_net(), _loader(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    older = {k: v for k, v in read_checkpoint(checkpoints(tmp_path)[-1]).items()
             if k not in ("format", "version", "round", "sha256", "loader_rng")}
    save_checkpoint(tmp_path, older, 1)  # as a file written before the state was saved
    with pytest.warns(UserWarning, match="DataLoader draws from its own generator .* another order"):
        net_train(dropout_net(), _loader(), max_training_rounds=2, checkpoint=tmp_path, resume=True, **KW)
