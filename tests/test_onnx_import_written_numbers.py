"""import_onnx writes a constant of a float32 model into a FunctionLayer's expression as the decimal it was written
from (Clip's bounds, a comparison's and a Where's constants): 0.1, not its float32 value 0.10000000149011612 (as
``written_float`` writes every other attribute); a float64 model's constants as they are. Either way the imported net
computes what onnxruntime computes."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import import_onnx
from netgraph.spec.dump import to_yaml
from tests.onnx_helpers import pinned_model, run_onnx

DTYPES = {torch.float32: (TensorProto.FLOAT, np.float32), torch.float64: (TensorProto.DOUBLE, np.float64)}


def _model(dtype: torch.dtype, opset: int, tmp_path):
    """x -> Where(x > 0.3, Clip(x, 0.1, 0.7), 0.2), its constants of ``dtype`` (Clip's as attributes before opset
    11), saved."""
    onnx_type, numpy_type = DTYPES[dtype]
    numbers = {"cut": 0.3, "other": 0.2, **({"lo": 0.1, "hi": 0.7} if opset >= 11 else {})}
    constants = [numpy_helper.from_array(np.array(v, numpy_type), name) for name, v in numbers.items()]
    clip = helper.make_node("Clip", ["x", "lo", "hi"], ["clipped"]) if opset >= 11 else \
        helper.make_node("Clip", ["x"], ["clipped"], min=0.1, max=0.7)
    nodes = [clip, helper.make_node("Greater", ["x", "cut"], ["test"]),
             helper.make_node("Where", ["test", "clipped", "other"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx_type, ["b", 3])],
                              [helper.make_tensor_value_info("y", onnx_type, ["b", 3])], initializer=constants)
    path = tmp_path / "m.onnx"
    path.write_bytes(pinned_model(graph, opset).SerializeToString())
    return path


@pytest.mark.parametrize("dtype, opset", [(torch.float32, 17), (torch.float32, 9), (torch.float64, 17)],
                         ids=["float32", "float32-clip-attributes", "float64"])  # attributes: float32 only
def test_constants_in_imported_expressions_are_written_as_their_decimals(dtype, opset, tmp_path):
    path = _model(dtype, opset, tmp_path)
    net = import_onnx(path)
    text = to_yaml(net)
    assert sorted(re.findall(r"\d+\.\d+", text)) == ["0.1", "0.2", "0.3", "0.7"]  # every decimal in the text
    x = torch.tensor([[0.05, 0.1, 0.25], [0.3, 0.31, 0.5], [0.7, 0.71, 2.0]], dtype=dtype)
    got = net(x, precision=str(dtype).removeprefix("torch."))
    torch.testing.assert_close(got, torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=0, rtol=0)
