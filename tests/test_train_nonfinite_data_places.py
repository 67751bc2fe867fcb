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


@pytest.mark.parametrize("part", ["held out", "kept"])
def test_nan_in_the_held_out_part_is_named_as_validation_data(part):
    """Data checked whole before validation_set=0.25 splits it called a NaN in the held-out part "bad training data"."""
    from netgraph.core.errors import DataError
    from netgraph.train.data_split import held_out
    x, y = known_function(16, 0)
    held = held_out(16, 0.25, 0)[1].tolist()
    bad = held[0] if part == "held out" else next(i for i in range(16) if i not in held)
    x[bad, 1] = float("nan")
    with pytest.raises(DataError) as info:
        net_train(mlp(), {"Input": x, "Target": y}, validation_set=0.25, random_seed=0, progress=False)
    data = "validation data held out by validation_set" if part == "held out" else "training data"
    assert str(info.value).startswith(f"bad {data}: input port 'Input' (key 'Input'): example {bad} holds NaN")


@pytest.mark.parametrize("parts", [("kept", "held out"), ("held out", "held out"), ("kept", "kept")],
                         ids=["both parts", "held out only", "kept only"])
def test_nan_in_both_parts_names_each_part_and_counts_its_examples(parts):
    """With NaN in both parts, the held-out example was called training data and counted among all 16 examples
    ("2 examples of 16"): the training part holds 12."""
    from netgraph.core.errors import DataError
    from netgraph.train.data_split import held_out
    kept, held = (part.tolist() for part in held_out(16, 0.25, 0))
    bad = [(kept if part == "kept" else held)[i] for i, part in enumerate(parts)]
    x, y = known_function(16, 0)
    x[bad, 1] = float("nan")
    with pytest.raises(DataError) as info:
        net_train(mlp(), {"Input": x, "Target": y}, validation_set=0.25, random_seed=0, progress=False)
    if "kept" in parts:  # the training part is checked first; only its examples are named and counted
        in_training = sorted(set(bad) & set(kept))
        also = f" (also example {in_training[1]})" if len(in_training) == 2 else ""
        expected = f"bad training data: input port 'Input' (key 'Input'): example {in_training[0]} holds NaN{also},"
    else:
        expected = (f"bad validation data held out by validation_set: input port 'Input' (key 'Input'): example "
                    f"{held[0]} holds NaN (also example {held[1]}),")
    assert str(info.value).startswith(expected)
