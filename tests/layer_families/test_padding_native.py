"""PaddingLayer's methods through F.pad's modes where F.pad takes them (real, 2-4 levels of fixed sizes, level 1 not
padded, paddings within what the mode allows), its gathers elsewhere: compiled == interpreted == numpy's pad
indices, gradients too."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import NetChain, PaddingLayer, PortType, export_onnx, net_initialize
from netgraph.backend.interpreter import interpret
from tests.onnx_helpers import assert_same_outputs

NUMPY_MODES = {"Reflected": "reflect", "Fixed": "edge", "Periodic": "wrap"}
# (method, input shape, padding_size, whether F.pad runs it, a variable length's size)
CASES = [(m, (3, 6, 7), [[0, 0], [2, 2], [1, 3]], True, None) for m in NUMPY_MODES] + [
    ("Reflected", (3, 8), [[0, 0], [7, 7]], True, None),     # the widest reflect takes
    ("Reflected", (3, 8), [[0, 0], [8, 1]], False, None),    # wider: reflected twice
    ("Periodic", (3, 8), [[0, 0], [8, 2]], True, None),
    ("Periodic", (3, 8), [[0, 0], [9, 0]], False, None),     # wraps more than once
    ("Fixed", (3, 2), [[0, 0], [10, 10]], True, None),
    ("Fixed", (2, 3, 4, 5), [[0, 0], [1, 1], [2, 0], [1, 2]], True, None),
    ("Reflected", (2, 3, 4, 5, 3), [[0, 0], [1, 1]], False, None),  # 5 levels
    ("Fixed", (5, 6), [[1, 1], [1, 1]], False, None),       # level 1 padded
    ("Fixed", (3, 1), [[0, 0], [2, 2]], True, None),
    ("Reflected", (3, "n"), [[0, 0], [1, 1]], False, 5)]     # a variable length


def _reference(x: torch.Tensor, method: str, pairs: list) -> torch.Tensor:
    """x gathered through numpy's pad of each level's positions."""
    for level, (a, b) in enumerate(pairs):
        index = np.pad(np.arange(x.shape[level + 1]), (a, b), mode=NUMPY_MODES[method])
        x = x.index_select(level + 1, torch.as_tensor(index))
    return x


@pytest.mark.parametrize("batch", [0, 1, 3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("method, shape, pairs, native, length", CASES)
def test_compiled_equals_interpreted_and_numpy_pad(method, shape, pairs, native, length, dtype, batch):
    module = net_initialize(NetChain([PaddingLayer(pairs, padding=method)], Input=shape), seed=0).compile()
    assert ("F.pad(Input, " in module.code) == native, module.code
    sizes = tuple(length if isinstance(n, str) else n for n in shape)
    x = torch.randn(batch, *sizes, dtype=dtype, requires_grad=True)
    compiled = module.to(dtype)(x)
    expected = _reference(x, method, pairs)
    torch.testing.assert_close(compiled, interpret(module.net, module, Input=x), rtol=0, atol=0)
    torch.testing.assert_close(compiled, expected, rtol=0, atol=0)
    weights = torch.randn(compiled.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
    got, = torch.autograd.grad((compiled * weights).sum(), x)
    want, = torch.autograd.grad((expected * weights).sum(), x)
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize("method", list(NUMPY_MODES))
def test_integer_input_is_gathered(method):
    net = net_initialize(NetChain([PaddingLayer([[0, 0], [2, 1]], padding=method)],
                                  input=PortType((2, 4), "Integer")), seed=0)
    x = torch.arange(16).reshape(2, 2, 4)
    assert "F.pad(Input, " not in net.compile().code
    assert torch.equal(net(x), _reference(x, method, [[0, 0], [2, 1]]))


@pytest.mark.parametrize("method, shape, pairs, native, length", [c for c in CASES if c[3]])
@pytest.mark.parametrize("batch", [0, 2])
def test_onnx_export_of_f_pad_matches(tmp_path, method, shape, pairs, native, length, batch):
    net = net_initialize(NetChain([PaddingLayer(pairs, padding=method)], Input=shape), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(batch, *shape, generator=torch.Generator().manual_seed(0))
    assert_same_outputs(tmp_path / "m.onnx", net, {"Input": x})
