"""A non-finite loss names the bad examples of the data (a key only the loss function reads, an infinite input) by
their index in the data given, as the up-front checks and a random layer's bad parameter do, not by their row in the
shuffled batch."""

from __future__ import annotations

import pytest
import torch

from netgraph.train import TrainingError, net_train
from tests.test_train import known_function, mlp


@pytest.mark.parametrize("held_out", [None, 0.25])
def test_a_loss_functions_own_key_holding_nan_is_named_at_its_index_in_the_data_given(held_out):
    # it was named by its row in the shuffled batch ("example 1 of the batch"), not where it is in the data, as a
    # random layer's bad parameter and the up-front checks name it
    x, y = known_function(16, 0)
    w = torch.ones(16)
    w[13] = float("nan")
    with pytest.raises(TrainingError) as info:
        net_train(mlp(), {"Input": x, "Target": y, "w": w}, validation_set=held_out, batch_size=4, random_seed=0,
                  loss_function=lambda out, batch: (out["Output"] - batch["Target"]).square().sum(-1) * batch["w"],
                  progress=False)
    assert "the batch's data is not (key 'w': example 13 holds NaN)" in str(info.value)
