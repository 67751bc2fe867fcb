"""import_onnx of a recurrence feeding nn.MultiheadAttention(batch_first=True): torch's exporters drop the attention's
first Transpose [1, 0, 2] with the recurrence's own (they cancel), so the in_proj MatMul reads the time-major sequence;
the import matches the attention from there (it was refused as 'a time-major use of output Y'). The imported net
computes what the module computes, at another batch size and length."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from netgraph import AttentionLayer, GatedRecurrentLayer, LongShortTermMemoryLayer, SpecError, import_onnx
from netgraph.core.walk import nested_nodes
from tests.onnx_helpers import quiet_exporter, torch_export


class RecurrentAttention(nn.Module):
    """A GRU or LSTM (bidirectional or not) -> self-attention over its outputs (plus them, for a residual)."""

    def __init__(self, cell: str, bidirectional: bool, residual: bool):
        super().__init__()
        recurrence = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = recurrence(6, 4 if bidirectional else 8, batch_first=True, bidirectional=bidirectional)
        self.attention, self.residual = nn.MultiheadAttention(8, 2, batch_first=True), residual

    def forward(self, x):
        y = self.rnn(x)[0]
        z = self.attention(y, y, y, need_weights=False)[0]
        return z + y if self.residual else z


def _export(module: nn.Module, path, dynamo: bool) -> None:
    x = torch.randn(2, 5, 6)
    if not dynamo:
        torch_export(module, x, path, "x", axes={"x": {0: "b", 1: "n"}})
        return
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = torch.export.Dim.AUTO
        torch.onnx.export(module.eval(), (x,), str(path), dynamo=True, verbose=False, input_names=["x"],
                          dynamic_shapes={"x": {0: auto, 1: auto}})


CASES = [("gru", False, False, False), ("gru", False, True, False), ("gru", True, False, False),
         ("gru", True, True, False), ("lstm", False, True, False), ("gru", False, True, True),
         ("gru", True, False, True)]


@pytest.mark.parametrize("cell, bidirectional, residual, dynamo", CASES)
@torch.no_grad()
def test_a_recurrence_feeding_multihead_attention_imports_as_the_module(cell, bidirectional, residual, dynamo,
                                                                        tmp_path):
    torch.manual_seed(0)
    module = RecurrentAttention(cell, bidirectional, residual).eval()
    with torch.enable_grad():  # under no_grad, eval runs torch's fused fast path, which its ONNX exporter refuses
        _export(module, tmp_path / "model.onnx", dynamo)
    net = import_onnx(tmp_path / "model.onnx")
    kinds = {type(node.layer) for _, node in nested_nodes(net)}
    assert AttentionLayer in kinds and {GatedRecurrentLayer, LongShortTermMemoryLayer} & kinds
    x = torch.randn(3, 7, 6, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


class WeightsNeeded(RecurrentAttention):
    def forward(self, x):
        y = self.rnn(x)[0]
        return self.attention(y, y, y)[0]  # need_weights=True, torch's default


def test_attention_over_a_recurrence_that_does_not_import_is_refused_saying_why(tmp_path):
    torch.manual_seed(0)
    _export(WeightsNeeded("gru", False, False).eval(), tmp_path / "model.onnx", dynamo=False)
    with pytest.raises(SpecError, match=r"time-major use of output Y .*nn\.MultiheadAttention.*need_weights=False"):
        import_onnx(tmp_path / "model.onnx")
