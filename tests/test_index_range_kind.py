"""An index out of its range in net(x) has the kind training data gives the same problem: "data-range"."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, EmbeddingLayer, NetChain, net_initialize
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
