"""import_onnx of a Slice with a step (``x[:, ::2]``, ``x[:, 1:-1:3]``): a PartLayer span with Wolfram's step
(``"1;;-1;;2"``), over fixed sizes and over a variable length ``n`` (of length ``n_over_2``); each imported net
computes what onnxruntime and the torch module compute."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from netgraph import NetGraph, OptionError, PartLayer, import_onnx
from tests.onnx_helpers import Op, run_onnx, torch_export

#: name -> (x -> its strided part, x's shape after the batch, its dynamic axes, the PartLayer's part)
STEPS = {
    "every_second": (lambda x: x[:, ::2], (5, 3), {0: "b"}, ["1;;-1;;2"]),
    "inner_axis": (lambda x: x[:, :, 1:6:3], (2, 7), {0: "b"}, ["All", "2;;6;;3"]),
    "from_the_end": (lambda x: x[:, -5::2], (6,), {0: "b"}, ["-5;;-1;;2"]),
    "variable_length": (lambda x: x[:, ::2], (5, 3), {0: "b", 1: "n"}, ["1;;-1;;2"]),
    "variable_cut": (lambda x: x[:, 1:-1:3], (8, 2), {0: "b", 1: "n"}, ["2;;-2;;3"]),
}


def _parts(net) -> list:
    return [layer.part for layer in net.layers.values() if layer.type_name == "PartLayer"]


@pytest.mark.parametrize("name", sorted(STEPS))
@torch.no_grad()
def test_a_slice_with_a_step_imports_as_a_part_layer_span_with_that_step(name, tmp_path):
    pick, shape, axes, part = STEPS[name]
    path = torch_export(Op(pick), torch.randn(2, *shape), tmp_path / f"{name}.onnx", "x", axes={"x": axes})
    assert "Slice" in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert _parts(net) == [part]
    for length in (shape[0], shape[0] + 3) if 1 in axes else (shape[0],):
        x = torch.randn(3, length, *shape[1:], generator=torch.Generator().manual_seed(length))
        got = net(x)
        np.testing.assert_array_equal(got.numpy(), pick(x).numpy())
        np.testing.assert_array_equal(got.numpy(), run_onnx(path, {"x": x})[0])


def test_a_strided_variable_length_is_named_after_it(tmp_path):
    path = torch_export(Op(lambda x: x[:, 1:-1:3]), torch.randn(2, 8, 2), tmp_path / "cut.onnx", "x",
                        axes={"x": {0: "b", 1: "n"}})
    assert list(import_onnx(path).output_shapes.values()) == [("n_minus_2_over_3", 2)]


@pytest.mark.parametrize("part", ["1;;-1;;0", "1;;-1;;-2", "1;;;;x"])
def test_a_span_step_must_be_a_positive_integer(part):
    with pytest.raises(OptionError, match="positive step"):
        PartLayer(part)


@pytest.mark.parametrize("part, shape, out, hand", [
    ("1;;-1;;2", (5, 3), (3, 3), lambda x: x[:, ::2]),
    ("2;;5;;2", (6,), (2,), lambda x: x[:, 1:5:2]),
    (["All", "-4;;-1;;3"], (2, 4), (2, 2), lambda x: x[:, :, -4::3]),
    ("1;;-1;;2", ("n", 3), ("n_over_2", 3), lambda x: x[:, ::2]),
    ("2;;-1;;2", ("n",), ("n_minus_1_over_2",), lambda x: x[:, 1::2]),
    ("1;;4;;2", ("n",), (2,), lambda x: x[:, 0:4:2]),
])
def test_a_part_layer_span_with_a_step_takes_every_kth_element(part, shape, out, hand):
    net = NetGraph([PartLayer(part)], [], Input=shape)
    assert net.output_shapes == {"Output": out}
    for length in (5, 6, 7):
        x = torch.randn(2, *(length if d == "n" else d for d in shape))
        torch.testing.assert_close(net(x), hand(x), rtol=0, atol=0)
        torch.testing.assert_close(net.compile()(x), hand(x), rtol=0, atol=0)
