"""A DataError that names an index in the data names the example of the batch the user gave, also where the net ran
that batch in parts: by length groups (ragged sequences) or in slices of ``batch_size`` examples (found by QA: the
index was counted within the part, so example 2 of a ragged batch was named 'index (1, ...)')."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CategoricalDistribution, DataError, GammaDistribution, NetGraph, NetMapOperator,
                      RandomArrayLayer, net_port_gradient)


def _gamma(shape):
    return NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 1.0))}, [], a=shape)


def test_a_bad_value_in_a_ragged_batch_run_by_length_groups_names_the_users_example():
    """Lengths 3, 2, 3: examples 0 and 2 run as one group, where example 2 is the group's example 1."""
    a = [torch.ones(2, 3), torch.ones(2, 2), torch.ones(2, 3)]
    a[2][1, 2] = -1.0
    with pytest.raises(DataError, match=r"found -1\.0 at index \(2, 1, 2\) of port 'a'") as err:
        _gamma((2, "n"))(a=a)
    assert err.value.diagnostics[0].example == 2 and err.value.diagnostics[0].port == "a"


def test_a_bad_value_run_in_slices_of_batch_size_names_the_users_example():
    a = torch.ones(5, 3)
    a[3, 1] = -1.0
    with pytest.raises(DataError, match=r"found -1\.0 at index \(3, 1\) of port 'a'") as err:
        _gamma(3)(a=a, batch_size=2)
    assert err.value.diagnostics[0].example == 3


def test_a_bad_vector_parameter_in_maps_in_a_shape_group_names_the_users_example_and_elements():
    """Not only scalar random parameters: Categorical's sum check (a vector one), renumbered by each map, then by the
    group of examples of one shape (examples 0 and 2 here)."""
    inner = NetGraph({"d": RandomArrayLayer(CategoricalDistribution("#s"))}, [], s=3)
    net = NetGraph({"m": NetMapOperator(NetGraph({"m": NetMapOperator(inner)}, [], s=("m", 3)))}, [],
                   s=("n", "m", 3))
    s = [torch.full((2, 2, 3), 1 / 3), torch.full((2, 3, 3), 1 / 3), torch.full((2, 2, 3), 1 / 3)]
    s[2][1, 0] = torch.tensor([0.5, 0.5, 0.5])
    with pytest.raises(DataError, match=r"found a sum of 1\.5 \(at example 2, sequence element \(1, 0\)\)") as err:
        net(s=s)
    assert err.value.diagnostics[0].example == 2


def test_net_port_gradient_of_a_ragged_batch_names_the_users_example():
    a = [torch.ones(2, 3), torch.ones(2, 2), torch.ones(2, 3)]
    a[2][0, 1] = -1.0
    with pytest.raises(DataError, match=r"found -1\.0 at index \(2, 0, 1\) of port 'a'") as err:
        net_port_gradient(_gamma((2, "n")), {"a": a})
    assert err.value.diagnostics[0].example == 2


def _gamma_trained(shape):
    """Gamma(#a) then a linear layer: a bad 'a' in the data raises in the training step that draws it."""
    from netgraph import LinearLayer, SequenceLastLayer
    layers = {"z": RandomArrayLayer(GammaDistribution("#a", 1.0))}
    chain = ["z"]
    if isinstance(shape, tuple):  # sequences: their last element
        layers["last"] = SequenceLastLayer()
        chain.append("last")
    layers["out"] = LinearLayer(1)
    return NetGraph(layers, [tuple(chain + ["out"])], a=shape)


def test_a_bad_value_in_a_shuffled_training_batch_names_the_users_example():
    """Batches of 4 drawn in a shuffled order: example 6 is never at place 6 of its batch."""
    from netgraph import TrainingError, net_train
    a = torch.ones(10, 3)
    a[6, 1] = -1.0
    with pytest.raises(TrainingError, match=r"found -1\.0 at index \(6, 1\) of port 'a'") as err:
        net_train(_gamma_trained(3), {"a": a, "Target": torch.ones(10, 1)}, batch_size=4, max_training_rounds=1,
                  random_seed=0, progress=False)
    assert err.value.diagnostics[0].example == 6 and err.value.diagnostics[0].port == "a"


def test_a_bad_value_in_ragged_training_data_names_the_users_example():
    """Sequences of two lengths, batched one length at a time in a shuffled order."""
    from netgraph import TrainingError, net_train
    a = [torch.ones(2 + i % 2, 3) for i in range(9)]
    a[7][1, 2] = -1.0
    with pytest.raises(TrainingError, match=r"found -1\.0 at index \(7, 1, 2\) of port 'a'") as err:
        net_train(_gamma_trained(("n", 3)), {"a": a, "Target": torch.ones(9, 1)}, batch_size=2,
                  max_training_rounds=1, random_seed=0, progress=False)
    assert err.value.diagnostics[0].example == 7


def _validation_error(examples: int, at: tuple[int, int]) -> Exception:
    """The TrainingError of one round of training ``_gamma_trained(3)`` whose validation set of ``examples`` has
    -1 (no Gamma shape) at index ``at``; its message places the value."""
    from netgraph import TrainingError, net_train
    bad = torch.ones(examples, 3)
    bad[at] = -1.0
    placed = rf"validation after round 1: .*found -1\.0 at index \({at[0]}, {at[1]}\)"
    with pytest.raises(TrainingError, match=placed) as err:
        net_train(_gamma_trained(3), {"a": torch.ones(8, 3), "Target": torch.ones(8, 1)}, batch_size=4,
                  validation_set={"a": bad, "Target": torch.ones(examples, 1)}, max_training_rounds=1, random_seed=0,
                  progress=False)
    return err.value


def test_a_bad_value_in_the_validation_set_names_its_example():
    assert _validation_error(10, (5, 0)).diagnostics[0].example == 5


def test_a_bad_value_in_the_data_after_training_steps_gives_no_learning_rate_advice():
    """The bad value is the user's, fed straight to the layer: a smaller learning rate would not help."""
    error = _validation_error(6, (2, 1))
    assert "learning_rate" not in str(error)
    assert error.diagnostics[0].layer == ("z",)


@pytest.mark.parametrize("part", [0, 1])  # the training part, the held-out part
@pytest.mark.parametrize("ragged", [False, True])
def test_a_bad_value_in_a_part_of_data_split_by_validation_set_names_the_users_example(part, ragged):
    """validation_set=0.3: each part of the data numbered as in the data given, not from 0 within the part."""
    from netgraph import TrainingError, net_train
    from netgraph.train.data_split import held_out
    bad = int(held_out(10, 0.3, 0)[part][-1])  # the last example that goes to that part (seed: the random_seed)
    a = [torch.ones(2 + i % 2, 3) for i in range(10)] if ragged else torch.ones(10, 3)
    a[bad][(0, 1) if ragged else 1] = -1.0
    when = "round 1, batch" if part == 0 else "validation after round 1"
    index = rf"\({bad}, 0, 1\)" if ragged else rf"\({bad}, 1\)"
    with pytest.raises(TrainingError, match=rf"{when}.*found -1\.0 at index {index} of port 'a'") as err:
        net_train(_gamma_trained(("n", 3) if ragged else 3), {"a": a, "Target": torch.ones(10, 1)}, batch_size=20,
                  validation_set=0.3, max_training_rounds=1, random_seed=0, progress=False)
    assert err.value.diagnostics[0].example == bad
