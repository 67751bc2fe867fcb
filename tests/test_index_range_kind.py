"""An index out of its range in net(x) has the kind training data gives the same problem: "data-range"."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CrossEntropyLossLayer, DataError, EmbeddingLayer, ExtractLayer, NetChain, NetGraph, PortType,
                      net_initialize)
from netgraph.layers._shapes import check_indices


def test_net_x_reports_an_index_past_an_embedding_as_data_range():
    net = net_initialize(NetChain([EmbeddingLayer(4, 10)], input=["n"]), seed=0)
    with pytest.raises(DataError) as info:
        net(torch.tensor([[0, 12]]))
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.expected, problem.found) == ("data-range", (0, 9), (0, 12))


def test_float_indices_are_a_data_dtype_problem_with_what_was_found():
    with pytest.raises(DataError) as info:
        check_indices(torch.tensor([0.5]), 3, "EmbeddingLayer port 'Input'", port="Input")
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-dtype", "Input", "Integer",
                                                                             torch.float32)


def test_a_position_past_an_extract_layers_level_is_data_range():
    net = NetGraph([ExtractLayer()], [], Input=3, Position=PortType((1,), "Integer"))
    with pytest.raises(DataError) as info:
        net(Input=torch.zeros(1, 3), Position=torch.tensor([[5]]))
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].port) == ("data-range", "Position")


@pytest.mark.parametrize("inputs, port, found", [
    ({"Input": [[1.5, 0.5, 0.1]], "Target": [[1.0, 0.0, 1.0]]}, "Input", 1.5),
    ({"Input": [[0.5, 0.5, 0.1]], "Target": [[2.0, 0.0, 1.0]]}, "Target", 2.0),
])
def test_probabilities_outside_0_1_are_data_range(inputs, port, found):
    net = net_initialize(NetGraph([CrossEntropyLossLayer("Binary")], [], Input=3))
    with pytest.raises(DataError) as info:
        net(**{p: torch.tensor(v) for p, v in inputs.items()})
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-range", port, (0, 1), found)
