"""import_onnx of recurrences laid out as torch's dynamo exporter (torch.onnx.export(..., dynamo=True)) writes them:
after the time-major node, Transpose [0, 2, 1, 3] then a Reshape whose target is computed from the Shape of that
Transpose (the last two sizes multiplied), then Transpose [1, 0, 2]; also for a one-direction recurrence.
The glue is written into a TorchScript export (fast, and the variants pinned); tests/test_onnx_import_dynamo.py
exports with the dynamo exporter itself."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper
from torch import nn

from netgraph import import_onnx
from tests.onnx_helpers import torch_export


class Sequence(nn.Module):
    def __init__(self, rnn: nn.Module):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0]


def _dynamo_glue(module: nn.Module, path) -> None:
    """``module`` exported by TorchScript, the glue between its recurrence and the last Transpose replaced by the
    dynamo exporter's: Transpose [0, 2, 1, 3], Shape, four Slices, Mul of the last two, Concat, Reshape."""
    torch_export(module.eval(), torch.randn(2, 6, 3), path, "x", axes={"x": {0: "batch", 1: "time"}}, opset_version=17)
    model = onnx.load(str(path))
    nodes = list(model.graph.node)
    recurrence = next(i for i, n in enumerate(nodes) if n.op_type in ("LSTM", "GRU", "RNN"))
    last = nodes[-1]
    assert last.op_type == "Transpose"
    y = nodes[recurrence].output[0]
    node = helper.make_node
    glue = [node("Transpose", [y], ["yt"], perm=[0, 2, 1, 3]), node("Shape", ["yt"], ["s"])]
    glue += [node("Slice", ["s", f"at{k}", f"at{k + 1}"], [f"s{k}"]) for k in range(4)]
    glue += [node("Mul", ["s2", "s3"], ["merged"]), node("Concat", ["s0", "s1", "merged"], ["target"], axis=0),
             node("Reshape", ["yt", "target"], ["r"])]
    last.input[0] = "r"
    del model.graph.node[:]
    model.graph.node.extend(nodes[:recurrence + 1] + glue + [last])
    model.graph.initializer.extend(numpy_helper.from_array(np.array([k], np.int64), f"at{k}") for k in range(5))
    onnx.save(model, str(path))


@pytest.mark.parametrize("rnn", [nn.LSTM(3, 5, batch_first=True), nn.GRU(3, 5, batch_first=True),
                                 nn.GRU(3, 5, batch_first=True, bidirectional=True),
                                 nn.LSTM(3, 4, batch_first=True, bidirectional=True)], ids=str)
@torch.no_grad()
def test_a_recurrence_with_the_dynamo_exporters_glue_imports(rnn, tmp_path):
    # refused: "a time-major use of output Y by node ... (Transpose)", the Shape read of the glue counted as a
    # use and the Reshape's computed target (a Mul of sizes) unknown
    module = Sequence(rnn)
    _dynamo_glue(module, tmp_path / "dynamo.onnx")
    x = torch.randn(4, 9, 3, generator=torch.Generator().manual_seed(0))  # another batch size and length
    torch.testing.assert_close(import_onnx(tmp_path / "dynamo.onnx")(x), module(x), atol=1e-5, rtol=1e-4)
