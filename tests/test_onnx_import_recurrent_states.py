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

from netgraph import (BasicRecurrentLayer, GatedRecurrentLayer, LongShortTermMemoryLayer, NetGraph, NetMapOperator,
                      SpecError, export_onnx, import_onnx, net_initialize)
from tests.onnx_helpers import quiet_exporter, run_onnx, torch_export

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


class PerItem(nn.Module):
    """One LSTM read over each of the k sequences of an example (merged into the batch: torch's way to map it),
    its final cell state c_n read (alone, or beside h_n)."""

    def __init__(self, read: str):
        super().__init__()
        self.lstm, self.read = nn.LSTM(3, 4, batch_first=True), read

    def forward(self, x):
        b, k, n, d = x.shape
        _, (h, c) = self.lstm(x.reshape(b * k, n, d))
        return c[0].reshape(b, k, 4) if self.read == "c" else torch.cat([h[0], c[0]], -1).reshape(b, k, 8)


@pytest.mark.parametrize("read", ["c", "h and c"])
@torch.no_grad()
def test_an_lstm_per_item_reading_its_cell_state_imports_mapped(read, tmp_path):
    # its cell state was refused: Y_c was not known to be merged as Y ("reshaping (?, 4) mixes the batch dim")
    torch.manual_seed(0)
    module, path = PerItem(read).eval(), tmp_path / "per_item.onnx"
    torch_export(module, torch.randn(2, 3, 5, 3), path, "x", axes={"x": {0: "b", 1: "k", 2: "n"}}, output_names=["y"])
    net = import_onnx(path)
    assert net.output_shapes == {"y": ("k", 4 if read == "c" else 8)}
    _same_as_module_and_onnx(net, module, path)
    x = torch.randn(2, 2, 7, 3, generator=torch.Generator().manual_seed(2))  # other k and n
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("read", ["c", "h and c"])
@torch.no_grad()
def test_an_lstm_per_item_reading_its_cell_state_imports_from_the_dynamo_exporter(read, tmp_path):
    torch.manual_seed(0)
    module, path = PerItem(read).eval(), tmp_path / "per_item.onnx"
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 3, 5, 3),), str(path), dynamo=True, input_names=["x"],
                          output_names=["y"], dynamic_shapes=({0: torch.export.Dim.DYNAMIC},))
    net = import_onnx(path)
    assert net.output_shapes == {"y": (3, 4 if read == "c" else 8)}
    _same_as_module_and_onnx(net, module, path)


def _same_as_module_and_onnx(net, module, path) -> None:
    """``net`` (of x (batch, k, n, 3) -> y) computes what ``module`` and onnxruntime compute, mapped over k."""
    assert all(layer.type_name == "NetMapOperator" for layer in net.layers.values())
    x = torch.randn(4, 3, 5, 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_an_lstm_of_which_only_the_cell_state_is_read_has_that_one_output(tmp_path):
    # its unread output sequence was made a second graph output
    torch.manual_seed(0)
    module, path = PerItem("c").eval(), tmp_path / "cell.onnx"
    module.forward = lambda x: module.lstm(x)[1][1][0]
    torch_export(module, torch.randn(2, 5, 3), path, "x", axes={"x": {0: "b", 1: "n"}}, output_names=["c"])
    net = import_onnx(path)
    assert net.output_shapes == {"c": (4,)}
    x = torch.randn(3, 7, 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("state_input", [False, True])
def test_a_mapped_lstm_with_state_ports_exports_and_imports_back(state_input, tmp_path):
    layer = NetMapOperator(LongShortTermMemoryLayer(4, state_input=state_input, state_output=True))
    net = net_initialize(NetGraph({"m": layer}, [], Input=(3, "n", 3)), seed=0)
    export_onnx(net, tmp_path / "mapped.onnx")
    back = import_onnx(tmp_path / "mapped.onnx")
    assert back.output_shapes == net.output_shapes == {"Output": (3, "n", 4), "State": (3, 4), "CellState": (3, 4)}
    x = _inputs(net, 5, 6)
    for port, want in net(**x).items():
        torch.testing.assert_close(back(**x)[port], want, atol=1e-5, rtol=1e-4)


class ScriptedLoop(nn.Module):
    """An LSTM read over each of the k sequences of an example in a loop that torch.jit.script keeps: an ONNX Loop."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)

    def forward(self, x):
        outs = []
        for i in range(x.size(1)):
            outs.append(self.lstm(x[:, i])[1][1][0])
        return torch.stack(outs, 1)


def test_a_scripted_loop_is_refused_naming_the_loop_and_why(tmp_path):
    path = tmp_path / "loop.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(torch.jit.script(ScriptedLoop().eval()), (torch.randn(2, 3, 5, 3),), str(path),
                          dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "b", 1: "k", 2: "n"}})
    with pytest.raises(SpecError, match=r"node '/Loop' \(Loop\): no layer for this op: a loop in the graph "
                                        r".*export the traced module instead") as info:
        import_onnx(path)
    loop, = [d for d in info.value.diagnostics if d.found == "Loop"]
    assert loop.kind == "unsupported-op" and loop.layer == ("/Loop",)


class _SequenceOutToo(nn.Module):
    """A GRU (or LSTM) over x.transpose(0, 1) that also returns that time-major sequence."""

    def __init__(self, kind=nn.GRU):
        super().__init__()
        self.gru = kind(3, 4)

    def forward(self, x):
        sequence = x.transpose(0, 1)
        return self.gru(sequence)[0].transpose(0, 1), sequence


@pytest.mark.parametrize("kind", [nn.GRU, nn.LSTM, nn.RNN], ids=["GRU", "LSTM", "RNN"])
@pytest.mark.parametrize("axes", [None, {}], ids=["dynamic", "static"])
@torch.no_grad()
def test_a_time_major_sequence_that_is_also_a_graph_output_is_refused(axes, kind, tmp_path):
    """The Transpose ahead of the GRU was read as layout glue although the graph outputs it too: that output came out
    batch-first, (2, 5, 3) where onnxruntime gives (5, 2, 3). It is refused naming the node, and the recurrence (it
    said "as torch exports nn.MultiheadAttention")."""
    path = torch_export(_SequenceOutToo(kind), torch.randn(2, 5, 3), tmp_path / "m.onnx", axes=axes,
                        output_names=["y", "sequence"])
    with pytest.raises(SpecError, match=r"cannot import node '/Transpose' \(Transpose\)") as info:
        import_onnx(path)
    assert "MultiheadAttention" not in str(info.value)
    article = "a" if kind is nn.GRU else "an"  # it said "a LSTM"
    assert f"as torch exports the input of {article} {kind.__name__} (batch_first=False)" in str(info.value)
