"""Examples of different shapes in net_train's data: the one a port does not take is named by its index in the data.

One example of 3 features among examples of 2 (a list of tensors, or of example dicts) made a ragged column, checked
by length bucket: "bad training data (length bucket 2): ... expected shape (b, 2) ... found (1, 3)", naming no
example; with validation_set=0.5 the bucket was counted within whichever part held it."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import DataError, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer, net_train
from netgraph.core.types import format_shape

OPTIONS = dict(max_training_rounds=1, progress=False, random_seed=0)


def _refusal(net, data, **options) -> str:
    with pytest.raises(DataError) as caught:
        net_train(net, data, **OPTIONS, **options)
    return str(caught.value)


@pytest.mark.parametrize("options", [{}, {"validation_set": 0.5}, {"validation_set": 0.2, "batch_size": 2}])
def test_an_example_of_another_size_at_a_fixed_port_is_named_by_its_index(options):
    xs = [torch.ones(2)] * 5 + [torch.ones(3)] + [torch.ones(2)] * 4
    said = _refusal(NetChain([LinearLayer(1)], Input=2), {"Input": xs, "Target": torch.zeros(10, 1)}, **options)
    assert said == ("bad training data: input port 'Input' (key 'Input'): expected each example of shape (2), found "
                    "(3) at example 5")


def test_example_dicts_count_every_bad_example():
    examples = [{"Input": torch.ones(n), "Target": torch.zeros(1)} for n in (2, 2, 1, 2, 3)]
    said = _refusal(NetChain([LinearLayer(1)], Input=2), examples)
    assert said.endswith("expected each example of shape (2), found (1) at example 2 (2 of 5 examples)")


def test_a_sequence_of_another_feature_size_is_named_and_the_others_train():
    net = NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(1)], input=["n", 2])
    xs = [torch.ones(n, 2) for n in (3, 4, 2, 5)]
    bad = [*xs[:3], torch.ones(5, 4)]
    said = _refusal(net, {"Input": bad, "Target": torch.zeros(4, 1)})
    assert re.search(r"expected each example of shape \(n, 2\), found \(5, 4\) at example 3$", said)
    assert net_train(net, {"Input": xs, "Target": torch.zeros(4, 1)}, **OPTIONS) is not None


def test_example_dicts_whose_shapes_differ_beyond_the_first_dim_name_the_key_and_the_first_such_example():
    shapes = [(3, 2)] * 4 + [(2, 3)] + [(5, 2), (1, 3)]
    data = [{"Input": torch.ones(shape), "Target": torch.zeros(1)} for shape in shapes]
    with pytest.raises(DataError) as caught:
        net_train(NetChain([LinearLayer(1)], Input=2), data, **OPTIONS)
    assert isinstance(caught.value, ValueError)
    assert re.search(r"^training data: key 'Input': example 4 has shape \(2, 3\), where 5 of 7 examples have \(n, 2\)",
                     str(caught.value))
    found = caught.value.diagnostics[0]
    assert (found.port, found.example, found.expected, found.found) == ("Input", 4, ("n", 2), (2, 3))


@pytest.mark.parametrize("shapes, odd, shared", [
    ([(2, 3), (3, 2), (4, 2), (5, 2), (3, 2)], 0, ("n", 2)),
    ([(2, 3), (3, 2), (3, 2), (3, 2)], 0, (3, 2)),
    ([(), (), (2,), ()], 2, ()),
    ([(1, 2), (1, 3), (4, 3), (5, 2)], 1, ("n", 2)),  # a tie: example 0's shape is the one to keep
], ids=["first-odd", "first-odd-one-shape", "scalars", "tie"])
def test_shapes_beyond_the_first_dim_are_compared_with_the_shape_most_examples_share(shapes, odd, shared):
    """Example 1 was named where example 0 was the odd one out: each example was compared with example 0 (review r4
    of session 51)."""
    data = [{"Input": torch.ones(shape), "Target": torch.zeros(1)} for shape in shapes]
    with pytest.raises(DataError) as caught:
        net_train(NetChain([LinearLayer(1)], Input=2), data, **OPTIONS)
    found = caught.value.diagnostics[0]
    assert (found.example, found.expected) == (odd, shared), str(caught.value)
    assert f"example {odd} has shape {format_shape(shapes[odd])}, where " in str(caught.value)
    assert f"examples have {format_shape(shared)}: " in str(caught.value)


@pytest.mark.parametrize("bad", [2, 3], ids=["held-out", "kept"])
def test_a_shape_checked_before_validation_sets_split_names_the_data_given(bad):
    """An example dict of another shape beyond its first dim was called "training data: ... example 2" though
    validation_set=0.2 held example 2 out: this check runs on the data given, before the split (review r4, s. 51)."""
    data = [{"Input": torch.ones((2, 3) if i == bad else (2,)), "Target": torch.zeros(1)} for i in range(10)]
    with pytest.raises(DataError) as caught:
        net_train(NetChain([LinearLayer(1)], Input=2), data, validation_set=0.2, **OPTIONS)
    assert str(caught.value).startswith(f"the data given (before validation_set's split): key 'Input': example {bad} "
                                        f"has shape (2, 3)"), str(caught.value)
    assert caught.value.diagnostics[0].data.name == "training"  # the command line names its --data file
