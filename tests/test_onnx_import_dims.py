"""import_onnx and sizes: sizes onnx's inference lost are taken from our layers' inference (a Concat along such a
dim imports)."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from onnx import helper
from torch import nn

import onnx

from netgraph import import_onnx
from tests.onnx_helpers import run_onnx


class PaddedCat(nn.Module):
    """A reflect-padded convolution (onnx's inference loses its spatial sizes), a constant added, then a
    Concat along a spatial dim."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        y = self.conv(x) * torch.arange(8.0) + 1.0
        return torch.cat([y, y[:, :, :2]], 2)


@torch.no_grad()
def test_a_concat_along_a_size_onnx_lost_imports_with_our_inferred_size(tmp_path):
    # the Add and Mul of a constant kept onnx's ('unk__', ...) shape: "Concat along axis 2, whose size is dynamic"
    torch.manual_seed(0)
    module, path = PaddedCat().eval(), tmp_path / "cat.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(2, 3, 8, 8),), str(path), dynamo=False, input_names=["x"],
                          dynamic_axes={"x": {0: "b"}})
    x = torch.randn(3, 3, 8, 8)
    torch.testing.assert_close(import_onnx(path)(x), module(x), atol=1e-5, rtol=1e-4)


def test_an_identity_keeps_the_sizes_our_layers_found(tmp_path):
    # the Identity's output kept onnx's unknown size: the Concat of it was refused
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(nn.ReflectionPad1d(1), (torch.randn(2, 3, 8),), str(tmp_path / "p.onnx"), dynamo=False,
                          input_names=["x"], dynamic_axes={"x": {0: "b"}})
    model = onnx.load(str(tmp_path / "p.onnx"))
    pad = next(n for n in model.graph.node if n.op_type == "Pad")
    output, pad.output[0] = model.graph.output[0].name, "padded"
    model.graph.node.extend([helper.make_node("Identity", ["padded"], ["same"]),
                             helper.make_node("Concat", ["same", "padded"], [output], axis=2)])
    onnx.save(model, str(tmp_path / "cat.onnx"))
    x = torch.randn(3, 3, 8)
    want = torch.from_numpy(run_onnx(tmp_path / "cat.onnx", {"x": x})[0])
    torch.testing.assert_close(import_onnx(tmp_path / "cat.onnx")(x), want)
    assert want.shape == (3, 3, 20) and np.isfinite(want.numpy()).all()
