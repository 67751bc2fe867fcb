"""Ragged input (a list of examples) at a port without a variable length, or Padded data whose first dim is fixed,
is a "data-shape" problem of that port, as a wrong input shape is: the Diagnostic had kind "error" and no port."""

from __future__ import annotations

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain
from netgraph.backend.masks import Padded
from netgraph.core.errors import DataError


def _diagnostic(net, data):
    with pytest.raises(DataError) as info:
        net(data)
    return info.value.diagnostics[0]


def test_nested_lists_of_different_lengths_at_a_fixed_port():
    d = _diagnostic(NetChain([LinearLayer(2)], input=3), [[1.0, 2.0, 3.0], [1.0, 2.0]])
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("data-shape", (), "Input", (3,), "rows of lengths [2, 3]")


def test_a_list_of_tensors_at_a_fixed_port():
    d = _diagnostic(NetChain([LinearLayer(2)], input=3), [torch.ones(3), torch.ones(2)])
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("data-shape", (), "Input", (3,), "a list of 2 tensors")


def test_padded_data_along_a_fixed_first_dim():
    net = NetChain([ElementwiseLayer("Tanh")], input=(4, "n"))
    d = _diagnostic(net, Padded(torch.ones(2, 4, 5), torch.tensor([5, 3])))
    assert (d.kind, d.layer, d.port, d.expected) == ("data-shape", (), "Input", (4, "n"))


def test_ragged_ports_with_different_numbers_of_examples():
    from netgraph import NetGraph, NetPort, ThreadingLayer

    net = NetGraph({"add": ThreadingLayer("Plus")}, [([NetPort("a"), NetPort("b")], "add")], a=("n", 2), b=("n", 2))
    d = _diagnostic(net, {"a": [torch.ones(3, 2), torch.ones(2, 2)], "b": [torch.ones(3, 2)]})
    assert (d.kind, d.layer, d.found) == ("data-shape", (), (("a", 2), ("b", 1)))


def _buckets_problem(data):
    from netgraph.train.buckets import LengthBuckets
    from netgraph.train.data_sets import TRAINING

    with pytest.raises(DataError) as info:
        LengthBuckets(data, 2, TRAINING)
    (d,) = info.value.diagnostics
    assert d.data == TRAINING
    return d


def _sequence_problem(data):
    """A scalar or empty example's problem, checked where each part of the data is checked (not in the buckets)."""
    from netgraph.train.data_checks import sequence_problems
    from netgraph.train.data_sets import TRAINING, raise_data

    with pytest.raises(DataError) as info:
        raise_data(sequence_problems(data), TRAINING)
    (d,) = info.value.diagnostics
    assert d.data == TRAINING
    return d


def test_ragged_training_data_of_length_0_expects_a_length_of_1_or_more():
    """Its Diagnostic had no ``expected``."""
    d = _sequence_problem({"Input": [torch.ones(2, 3), torch.ones(0, 3)], "Target": torch.tensor([0, 1])})
    assert (d.kind, d.port, d.example, d.expected, d.found) == ("data-shape", "Input", 1, "length >= 1", (0, 3))


def test_a_scalar_example_of_ragged_training_data_is_a_data_shape_problem():
    """It had the kind "error" and no port."""
    d = _sequence_problem({"Input": [torch.ones(2), torch.tensor(1.0)], "Target": torch.tensor([0, 1])})
    assert (d.kind, d.layer, d.port, d.example, d.expected, d.found) == ("data-shape", (), "Input", 1, "rank >= 1", ())


def test_ragged_training_keys_of_different_numbers_of_examples_are_a_data_shape_problem():
    """It had the kind "error"; ``found`` is each key's count, as net(x)'s for ragged ports."""
    d = _buckets_problem({"Input": [torch.ones(2), torch.ones(3)], "Target": torch.tensor([0, 1, 0])})
    assert (d.kind, d.layer, d.found) == ("data-shape", (), (("Input", 2), ("Target", 3)))
