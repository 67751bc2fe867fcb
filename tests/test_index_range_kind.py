"""An index out of its range in net(x) has the kind training data gives the same problem: "data-range"."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CrossEntropyLossLayer, DataError, EmbeddingLayer, ExtractLayer, NetChain, NetGraph, PortType,
                      net_initialize)
from netgraph.layers.index_checks import check_indices


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


@pytest.mark.parametrize("form, inputs, port, found", [
    ("Index", {"Input": [[-0.5, 1.5, 0.0]], "Target": [1]}, "Input", -0.5),
    ("Probabilities", {"Input": [[0.2, 0.3, 0.5]], "Target": [[1.5, -0.5, 0.0]]}, "Target", 1.5),
    ("Probabilities", {"Input": [[2.0, 0.3, 0.5]], "Target": [[1.0, 0.0, 0.0]]}, "Input", 2.0),
])
def test_index_and_probabilities_cross_entropy_refuse_what_is_no_probability(form, inputs, port, found):
    """Only the Binary form checked: scores fed to the Index form (a torch habit, without a SoftmaxLayer) gave
    -log 1.5 = -0.405, a negative cross-entropy that training drove to -inf, and a target (1.5, -0.5) a finite loss."""
    net = net_initialize(NetGraph({"loss": CrossEntropyLossLayer(form)}, [], Input=3))
    with pytest.raises(DataError, match=rf"^layer 'loss' \(CrossEntropyLossLayer\) port '{port}' takes probabilities "
                                        rf"in \[0, 1\], found {found}") as info:
        net(**{p: torch.tensor(v) for p, v in inputs.items()})
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.layer, problem.port, problem.expected, problem.found) == \
        ("data-range", ("loss",), port, (0, 1), found)
    scores = {**inputs, "Input": [[-0.5, 1.5, 0.0]]}  # with logits=True the Input is scores, the Target still checked
    logits = net_initialize(NetGraph({"loss": CrossEntropyLossLayer(form, logits=True)}, [], Input=3))
    if port == "Input":
        assert torch.isfinite(logits(**{p: torch.tensor(v) for p, v in scores.items()})).all()
    else:
        with pytest.raises(DataError, match="port 'Target' takes probabilities"):
            logits(**{p: torch.tensor(v) for p, v in scores.items()})
    nan = {**inputs, port: [[float("nan")] * 3] if port == "Input" or form != "Index" else inputs[port]}
    assert torch.isnan(net(**{p: torch.tensor(v) for p, v in nan.items()})).all()  # left to the finite checks
