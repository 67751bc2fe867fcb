"""Ragged and padded inputs that do not fit together are data-shape problems naming the port and the sizes."""

from __future__ import annotations

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
