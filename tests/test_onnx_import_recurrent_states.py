"""import_onnx of recurrent layers' state ports as ``export_onnx`` writes them (``state_input``: an Unsqueeze of the
(batch, n) InitialState as the node's initial_h, InitialCellState as initial_c; ``state_output``: a Gather of Y_h
and of an LSTM's Y_c), and as torch exports ``rnn(x, h0.unsqueeze(0))``: they import back as the layer with those
ports (they were refused: an initial state given as data, a use of Y_c), computing what the source computes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from netgraph import (BasicRecurrentLayer, GatedRecurrentLayer, LongShortTermMemoryLayer, NetGraph, export_onnx,
                      import_onnx, net_initialize)
from tests.onnx_helpers import run_onnx

LAYERS = {"lstm": LongShortTermMemoryLayer, "gru": GatedRecurrentLayer, "rnn": BasicRecurrentLayer}


def _inputs(net, seed: int, length: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {port: torch.randn(3, *(length if d == "n" else d for d in shape), generator=generator)
            for port, shape in net.input_shapes.items()}


def _results(result) -> list[torch.Tensor]:
    return list(result.values()) if isinstance(result, dict) else [result]


@pytest.mark.parametrize("state_input, state_output", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_recurrent_state_ports_export_and_import_back(kind, state_input, state_output, tmp_path):
    layer = LAYERS[kind](4, state_input=state_input, state_output=state_output)
    net = net_initialize(NetGraph({"rnn": layer}, [], Input=("n", 3)), seed=0)
    path = tmp_path / f"{kind}.onnx"
    export_onnx(net, path)
    back = import_onnx(path)
    assert back.input_shapes == net.input_shapes and back.output_shapes == net.output_shapes
    for length in (5, 2):
        x = _inputs(net, length, length)
        for got, want in zip(_results(back.compile()(**x)), _results(net.compile()(**x)), strict=True):
            torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    x = _inputs(net, 9, 5)
    for got, want in zip(_results(back(**x)), run_onnx(path, x), strict=True):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5, rtol=1e-4)


class GivenStates(nn.Module):
    """torch's recurrence started from states given per example, (batch, n), its final states read too."""

    def __init__(self, kind: str):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[kind](3, 4, batch_first=True)

    def forward(self, x, h0, c0):
        if isinstance(self.rnn, nn.LSTM):
            y, (h, c) = self.rnn(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
            return y, h[0], c[0]
        y, h = self.rnn(x, h0.unsqueeze(0))
        return y, h[0], h0 * 0 + c0  # the same ports for both kinds


@pytest.mark.parametrize("dynamo", [False, True])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
@torch.no_grad()
def test_a_torch_recurrence_given_its_states_per_example_imports(kind, dynamo, tmp_path):
    torch.manual_seed(0)
    module, path = GivenStates(kind).eval(), tmp_path / "states.onnx"
    example = (torch.randn(2, 5, 3), torch.randn(2, 4), torch.randn(2, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(module, example, str(path), dynamo=True, verbose=False, input_names=["x", "h0", "c0"],
                              dynamic_shapes=({0: auto, 1: auto}, {0: auto}, {0: auto}))
        else:
            torch.onnx.export(module, example, str(path), dynamo=False, input_names=["x", "h0", "c0"],
                              dynamic_axes={"x": {0: "b", 1: "n"}, "h0": {0: "b"}, "c0": {0: "b"}})
    net = import_onnx(path)
    x, h0, c0 = torch.randn(3, 7, 3), torch.randn(3, 4), torch.randn(3, 4)
    for got, want in zip(_results(net(x=x, h0=h0, c0=c0)), module(x, h0, c0), strict=True):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
