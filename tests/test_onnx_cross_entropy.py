"""CrossEntropyLossLayer through ONNX: export -> onnxruntime -> import_onnx, every form with equal outputs."""

from __future__ import annotations

import pytest
import torch

from netgraph import CrossEntropyLossLayer, NetGraph, export_onnx, import_onnx
from tests.onnx_helpers import run_onnx


def _round_trip(net: NetGraph, inputs: dict, tmp_path) -> None:
    want = net(**inputs)
    export_onnx(net, tmp_path / "m.onnx")
    got = run_onnx(tmp_path / "m.onnx", inputs)[0]
    torch.testing.assert_close(torch.from_numpy(got), want, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(import_onnx(tmp_path / "m.onnx")(**inputs), want, rtol=1e-6, atol=1e-6)


def test_binary_cross_entropy_on_probabilities_exports_and_imports_back(tmp_path):
    """export_onnx traced every real input port on random normal values, which the Binary form refuses (it takes
    probabilities in [0, 1]): the export failed whatever the net. Probabilities of exactly 0 and 1 (the 1e-12 floor,
    27.63 a term) come out equal."""
    net = NetGraph([CrossEntropyLossLayer("Binary")], [], Input=4)
    x = torch.tensor([[0.0, 1.0, 0.25, 0.5], [1e-13, 0.999, 0.0, 1.0]])
    t = torch.tensor([[1.0, 0.0, 1.0, 0.3], [1.0, 1.0, 0.0, 1.0]])
    _round_trip(net, {"Input": x, "Target": t}, tmp_path)
    assert net(Input=x[:1], Target=t[:1]).item() == pytest.approx((2 * 27.631021 - torch.tensor(0.25).log().item()
                                                                   - 0.3 * torch.tensor(0.5).log().item()
                                                                   - 0.7 * torch.tensor(0.5).log().item()) / 4,
                                                                  rel=1e-5)
