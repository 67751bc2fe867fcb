"""ParametricRampLayer through F.prelu where its slope fits prelu's (one, or one per element of level 1), its
torch.where elsewhere: compiled == interpreted == x if x > 0 else slope * x, gradients too (at 0: the slope), and
the ONNX export (PRelu or Where) matches and imports back as the layer."""

from __future__ import annotations

import pytest
import torch

from netgraph import NetChain, ParametricRampLayer, export_onnx, import_onnx, net_initialize
from netgraph.backend.interpreter import interpret
from tests.onnx_helpers import assert_same_outputs

# (levels, input shape, the slope's dims among the input's levels, whether F.prelu runs it)
CASES = [(1, (3, 4, 5), (0,), True), (1, (6,), (0,), True), ([], (3, 4), (), True), ([], (), (), True),
         (2, (3, 4), (1,), False), ([1, 2], (3, 4), (0, 1), False), (2, (4, 1), (1,), True),
         ([1, 2], (3, 1), (0, 1), False)]


def _formula(x: torch.Tensor, slope: torch.Tensor, dims: tuple) -> torch.Tensor:
    view = [1] + [x.shape[d + 1] if d in dims else 1 for d in range(x.dim() - 1)]
    return torch.where(x > 0, x, slope.reshape(view) * x)


def _input(batch: int, shape: tuple, dtype: torch.dtype) -> torch.Tensor:
    x = torch.randn(batch, *shape, dtype=dtype, generator=torch.Generator().manual_seed(0))
    return x.masked_fill(x.abs() < 0.3, 0.0).requires_grad_()  # zeros: the gradient at 0


@pytest.mark.parametrize("batch", [0, 1, 3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("levels, shape, dims, prelu", CASES)
def test_compiled_equals_interpreted_and_the_formula(levels, shape, dims, prelu, dtype, batch):
    net = net_initialize(NetChain([ParametricRampLayer(levels)], Input=shape), seed=0)
    module = net.compile().to(dtype)
    assert ("F.prelu(" in module.code) == prelu, module.code
    slope = module.get_submodule("1").Slope
    with torch.no_grad():
        slope.copy_(torch.linspace(-0.5, 2.0, slope.numel(), dtype=dtype).reshape(slope.shape))
    x = _input(batch, shape, dtype)
    compiled = module(x)
    expected = _formula(x, slope, dims)
    torch.testing.assert_close(compiled, interpret(module.net, module, Input=x), rtol=0, atol=0)
    torch.testing.assert_close(compiled, expected, rtol=0, atol=0)
    weights = torch.randn(compiled.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
    got = torch.autograd.grad((compiled * weights).sum(), (x, slope))
    want = torch.autograd.grad((expected * weights).sum(), (x, slope))
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


def test_integer_input_is_ramped_as_real():
    net = net_initialize(NetChain([ParametricRampLayer()], Input=(2, 3)), seed=0)
    x = torch.arange(-6, 6).reshape(2, 2, 3)
    torch.testing.assert_close(net(x), net(x.float()))


@pytest.mark.parametrize("levels, shape, dims, prelu", CASES)
@pytest.mark.parametrize("batch", [0, 2])
def test_onnx_export_matches_and_imports_as_the_layer(tmp_path, levels, shape, dims, prelu, batch):
    net = net_initialize(NetChain([ParametricRampLayer(levels)], Input=shape), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    x = _input(batch, shape, torch.float32).detach()
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})
    back = import_onnx(tmp_path / "m.onnx")
    assert [type(layer).__name__ for layer in back.layers.values()] == ["ParametricRampLayer"]
    torch.testing.assert_close(net_initialize(back, seed=0)(x), net(x))
