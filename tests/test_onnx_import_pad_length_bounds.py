"""A variable-length padding's index computation is run at import (onnx_pad_lengths) only where it is small shape
arithmetic that agrees with a padding at every length that could tell them apart, at the file's opset: a Loop there
ran at import with no bound, a computation agreeing with a padding at the lengths tried alone imported as one, and
an opset-9 export was refused (onnx's newest opset read its Unsqueeze)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import NetChain, PaddingLayer, SpecError, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import assert_same_outputs, pinned_model


def _integer(name: str, value: int) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(value, dtype=np.int64)))


def _gathered(tmp_path, computation: list, index: str) -> str:
    """x (b, n) gathered along n at ``index``, computed from r = Range(-1, n + 1) by ``computation``."""
    nodes = [helper.make_node("Shape", ["x"], ["shape"]), _integer("one", 1), _integer("minus_one", -1),
             helper.make_node("Gather", ["shape", "one"], ["n"], axis=0),
             helper.make_node("Add", ["n", "one"], ["end"]),
             helper.make_node("Range", ["minus_one", "end", "one"], ["r"]), *computation,
             helper.make_node("Gather", ["x", index], ["y"], axis=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "n"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph), tmp_path / "m.onnx")
    return str(tmp_path / "m.onnx")


@pytest.mark.timeout(60)
def test_a_loop_in_the_index_computation_is_refused_without_running_it(tmp_path):
    """Loop(M = 10**9) of an identity body around the indices ran (seven times) at import: it never ended."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["condition"], ["next_condition"]), helper.make_node("Identity", ["v"], ["w"])],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("condition", TensorProto.BOOL, []),
                 helper.make_tensor_value_info("v", TensorProto.INT64, None)],
        [helper.make_tensor_value_info("next_condition", TensorProto.BOOL, []),
         helper.make_tensor_value_info("w", TensorProto.INT64, None)])
    loop = [_integer("trips", 10**9), helper.make_node("Cast", ["one"], ["go"], to=TensorProto.BOOL),
            helper.make_node("Loop", ["trips", "go", "r"], ["index"], body=body)]
    with pytest.raises(SpecError):
        import_onnx(_gathered(tmp_path, loop, "index"))


def test_indices_that_agree_with_a_padding_up_to_a_constant_length_are_no_padding(tmp_path):
    """Clip(Range(-1, n + 1), 0, Min(n - 1, 7)) is Fixed padding by (1, 1) up to n = 8 only: it imported as one."""
    clip = [_integer("zero", 0), _integer("seven", 7), helper.make_node("Sub", ["n", "one"], ["last"]),
            helper.make_node("Min", ["last", "seven"], ["top"]),
            helper.make_node("Clip", ["r", "zero", "top"], ["index"])]
    with pytest.raises(SpecError):
        import_onnx(_gathered(tmp_path, clip, "index"))


def test_a_variable_length_periodic_padding_exported_at_opset_9_round_trips(tmp_path):
    """(Reflected and Fixed paddings of a variable length cannot be exported at opset 9: an integer Clip.)"""
    padding = "Periodic"
    net = net_initialize(NetChain({"pad": PaddingLayer([[2, 1]], padding=padding)}, input=["n", 3]), seed=0)
    export_onnx(net, tmp_path / "m.onnx", opset=9)
    [layer] = import_onnx(tmp_path / "m.onnx").layers.values()
    assert (layer.type_name, layer.padding) == ("PaddingLayer", padding)
    for n in (1, 4, 9):
        x = torch.randn(2, n, 3, generator=torch.Generator().manual_seed(n))
        torch.testing.assert_close(import_onnx(tmp_path / "m.onnx")(x), net(x))
        assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})
