"""PaddingLayer's "Reflected", "Periodic" and "Fixed" padding of a variable length ("n"): its source indices are made
from the length each call finds, as torch's F.pad (modes reflect, circular, replicate) pads any length at run time.
It was refused at construction ("PaddingLayer pads only with a constant padding="). As at a fixed length, a
padding longer than the sequence reflects (or wraps) again, so every length from 1 is taken: the layer on a length
equals the layer declared with that fixed length, and F.pad where F.pad takes the length."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import NetChain, PaddingLayer, export_onnx, import_onnx, interpret, net_initialize
from netgraph.export.exporter import example_inputs
from tests.onnx_helpers import assert_same_outputs, torch_export

PAD = [2, 3]
TORCH_MODE = {"Reflected": "reflect", "Periodic": "circular", "Fixed": "replicate"}
TORCH_TAKES = {"Reflected": lambda n: max(PAD) < n, "Periodic": lambda n: max(PAD) <= n, "Fixed": lambda n: True}


def _net(method, length="n"):
    return NetChain([PaddingLayer([PAD], padding=method)], input=(length, 3))


def _by_hand(x, method):
    """F.pad of the length dim (dim 1 of (batch, n, 3)), which torch pads as the last."""
    return F.pad(x.transpose(1, 2), PAD, mode=TORCH_MODE[method]).transpose(1, 2)


@pytest.mark.parametrize("method", ["Reflected", "Periodic", "Fixed"])
def test_a_variable_length_is_padded_as_each_fixed_length_and_as_torchs_f_pad(method):
    net = _net(method)
    assert net.output_shapes == {"Output": ("n_plus_5", 3)}
    module = net.compile()
    for n in (1, 2, 3, 4, 7):
        x = torch.randn(2, n, 3, generator=torch.Generator().manual_seed(n))
        out = module(x)
        assert out.shape == (2, n + 5, 3)
        torch.testing.assert_close(out, _net(method, n).compile()(x), rtol=0, atol=0)
        torch.testing.assert_close(interpret(net, module, Input=x), out, rtol=0, atol=0)
        if TORCH_TAKES[method](n):
            torch.testing.assert_close(out, _by_hand(x, method), rtol=0, atol=0)


def test_sequences_of_different_lengths_are_each_padded_to_their_own_length():
    net = _net("Reflected")
    seqs = [torch.randn(n, 3, generator=torch.Generator().manual_seed(n)) for n in (4, 6, 4, 9)]
    outs = net(seqs)
    for x, out in zip(seqs, outs):
        torch.testing.assert_close(out, _by_hand(x[None], "Reflected")[0], rtol=0, atol=0)


def test_gradients_reach_the_input_through_the_run_time_indices():
    x = torch.randn(1, 5, 3, requires_grad=True)
    _net("Periodic").compile()(x).sum().backward()
    counts = torch.tensor([2, 2, 2, 2, 2], dtype=x.dtype)  # each element once, plus once more for the 5 padded ones
    torch.testing.assert_close(x.grad, counts[None, :, None].expand(1, 5, 3))


@pytest.mark.parametrize("method", ["Reflected", "Periodic", "Fixed"])
def test_a_variable_length_padding_exports_to_onnx_with_a_dynamic_length(method, tmp_path):
    net = net_initialize(_net(method), seed=0)
    path = export_onnx(net, tmp_path / f"{method}.onnx")
    for length in (4, 9):  # neither the traced length, and below and beyond the padding
        assert_same_outputs(path, net.compile().eval(), example_inputs(net, batch=2, length=length, seed=1))


@pytest.mark.parametrize("method", ["Reflected", "Periodic", "Fixed"])
def test_fx_and_torch_export_trace_the_length_and_pad_every_length_alike(method):
    module = _net(method).compile()
    traced = torch.fx.symbolic_trace(module)
    example = torch.randn(2, 6, 3)
    exported = torch.export.export(module, (), {"Input": example},
                                   dynamic_shapes={"Input": {0: torch.export.Dim("batch"),
                                                             1: torch.export.Dim("n", min=2)}}).module()
    for n in (1, 2, 3, 8):  # below and beyond the padding; 1: a period of 1 in the traced indices (export: from 2)
        x = torch.randn(2, n, 3, generator=torch.Generator().manual_seed(n))
        torch.testing.assert_close(traced(x), module(x), rtol=0, atol=0)
        if n > 1:
            torch.testing.assert_close(exported(Input=x), module(x), rtol=0, atol=0)


@pytest.mark.parametrize("pad", [torch.nn.ReflectionPad1d((2, 1)), torch.nn.ReplicationPad1d((1, 3))],
                         ids=["reflect", "edge"])
@torch.no_grad()
def test_an_onnx_pad_of_a_method_over_a_dynamic_dim_imports_as_a_padding_layer(pad, tmp_path):
    """It was refused ('not of known size'; PaddingLayer padded a variable length only with a constant)."""
    module = torch.nn.Sequential(pad, torch.nn.Conv1d(3, 4, 3)).eval()
    path = torch_export(module, torch.randn(2, 3, 7), tmp_path / "m.onnx", "x", axes={"x": {0: "b", 2: "n"}})
    net = import_onnx(path)
    assert "PaddingLayer" in [type(layer).__name__ for layer in net.layers.values()]
    for n in (4, 7, 12):
        x = torch.randn(3, 3, n)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
