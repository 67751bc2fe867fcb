"""Ragged and padded inputs that do not fit together are data-shape problems naming the port and the sizes."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AggregationLayer, DataError, GatedRecurrentLayer, NetChain, NetGraph, NetPort, Padded,
                      SequenceLastLayer, net_initialize)

from tests.diagnostic_helpers import sole_diagnostic


def _gru():
    return net_initialize(NetChain([GatedRecurrentLayer(3), SequenceLastLayer()], input=["n", 2]), seed=0)


def _two(b_shape=("m", 2)):
    return NetGraph({"a": AggregationLayer("Total", levels=[1]), "b": AggregationLayer("Mean", levels=[1])},
                    [(NetPort("A"), "a"), (NetPort("B"), "b")], A=("n", 2), B=b_shape)


def test_padded_data_of_another_shape_names_its_port_and_shapes():
    problem = sole_diagnostic(lambda: _gru()(Padded(torch.zeros(4, 6, 5), [1, 2, 3, 4])), DataError)
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-shape", "Input", "(b, n, 2)",
                                                                             (4, 6, 5))


def test_ragged_ports_of_different_numbers_of_examples_are_a_data_shape_problem():
    sequences = [torch.zeros(3, 2), torch.zeros(2, 2)]
    problem = sole_diagnostic(lambda: _two()({"A": sequences, "B": sequences[:1]}), DataError)
    assert (problem.kind, problem.found) == ("data-shape", (("A", 2), ("B", 1)))


def test_a_batched_port_beside_ragged_ones_of_another_count_names_the_port():
    sequences = [torch.zeros(3, 2), torch.zeros(2, 2)]
    problem = sole_diagnostic(lambda: _two((2,))({"A": sequences, "B": torch.zeros(3, 2)}), DataError)
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-shape", "B", 2, (3, 2))
    assert problem.message == ("input port 'B': beside ragged inputs of 2 examples, expected a batched tensor of 2 "
                               "examples along dim 0, found shape (3, 2)")


def test_ports_sharing_a_length_that_differs_are_a_data_shape_problem():
    plus = NetGraph({"p": "Plus"}, [(NetPort("a"), "p"), (NetPort("b"), "p")], a=("n", 3), b=("n", 3))
    problem = sole_diagnostic(lambda: plus(a=torch.randn(1, 2, 3), b=torch.randn(1, 3, 3)), DataError)
    assert problem.kind == "data-shape" and "share the length n" in problem.message


def test_each_ragged_example_of_another_shape_is_a_data_shape_problem_of_the_port():
    """Each was a bare message: kind "error", no port, no layer, no example."""
    with pytest.raises(DataError) as info:
        _gru()([torch.zeros(3, 2), torch.zeros(2, 5), torch.zeros(4)])
    fields = [(d.kind, d.layer, d.port, d.example, d.expected, d.found) for d in info.value.diagnostics]
    assert fields == [("data-shape", (), "Input", 1, ("n", 2), (2, 5)), ("data-shape", (), "Input", 2, ("n", 2), (4,))]


def test_a_length_too_short_for_a_layer_inside_names_the_graph_port_and_the_length():
    """It named the port but no layer (the port is the graph's: layer ()), nor the length found."""
    from netgraph import ConvolutionLayer, PoolingLayer
    net = net_initialize(NetChain([PoolingLayer(2, stride=2), ConvolutionLayer(1, 3)], input=[1, "n"]), seed=0)
    for data, example in ((torch.zeros(2, 1, 3), None), ([torch.zeros(1, 8), torch.zeros(1, 3)], 1)):
        problem = sole_diagnostic(lambda: net(data), DataError)
        assert (problem.kind, problem.layer, problem.port, problem.found, problem.example) == (
            "data-shape", (), "Input", 3, example)
