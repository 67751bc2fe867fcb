"""ArcCsch and ArcSech near 0: float32 values and gradients as float64's (1/x once overflowed in them)."""

from __future__ import annotations

import math

import onnxruntime as ort  # the test extra installs it: a broken install must fail
import pytest
import torch

from netgraph import ElementwiseLayer, NetGraph, interpret

TRUE = {"ArcCsch": (lambda v: math.asinh(1 / v), lambda v: -1 / (abs(v) * math.sqrt(1 + v * v))),
        "ArcSech": (lambda v: math.acosh(1 / v), lambda v: -1 / (v * math.sqrt(1 - v * v)))}


def _values_and_grad(name: str, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x = x.clone().requires_grad_(True)
    module = NetGraph([ElementwiseLayer(name)], [], Input=x.shape[1]).compile()
    y = module(x)
    y.sum().backward()
    return y.detach(), x.grad, interpret(module.net, module, Input=x.detach())


@pytest.mark.parametrize("name", ["ArcCsch", "ArcSech"])
def test_tiny_and_subnormal_float32_inputs_give_float64s_values_and_gradients(name):
    tiny = [1e-19, 1e-25, 1e-30, 1e-37, 1e-40, 1e-44] + ([-1e-30, -1e-40] if name == "ArcCsch" else [])
    x = torch.tensor([tiny])
    value, grad, interpreted = _values_and_grad(name, x)
    f, df = TRUE[name]
    exact = [f(v) for v in x[0].double().tolist()]
    slope = torch.tensor([[df(v) for v in x[0].double().tolist()]]).float()  # -inf where past float32's range
    torch.testing.assert_close(value, torch.tensor([exact]), rtol=2e-7, atol=0)
    torch.testing.assert_close(interpreted, value, rtol=0, atol=0)
    assert torch.isfinite(grad[slope.isfinite()]).all(), grad
    torch.testing.assert_close(grad, slope, rtol=2e-6, atol=0)
    value64, grad64, _ = _values_and_grad(name, x.double())
    torch.testing.assert_close(value64, torch.tensor([exact], dtype=torch.float64))
    torch.testing.assert_close(grad64, torch.tensor([[df(v) for v in x[0].double().tolist()]], dtype=torch.float64))


@pytest.mark.parametrize("name", ["ArcCsch", "ArcSech"])
def test_ordinary_float32_values_are_unchanged(name):
    x = torch.tensor([[1e-18, 3e-9, 1e-3, 0.1, 0.5, 0.999, 1.0] + ([-0.3, 2.0, 7e5, 1e30] if name == "ArcCsch" else [])])
    value, grad, _ = _values_and_grad(name, x)
    expected = torch.asinh(1 / x) if name == "ArcCsch" else torch.acosh(1 / x)
    assert torch.equal(value, expected)
    df = TRUE[name][1]
    finite = x[0] < 1 if name == "ArcSech" else torch.ones(x.shape[1], dtype=torch.bool)
    torch.testing.assert_close(grad[0][finite], torch.tensor([df(v) for v in x[0][finite].double().tolist()]).float(),
                               rtol=1e-5, atol=0)


def test_zeros_keep_their_infinities():
    x = torch.tensor([[0.0, -0.0]])
    assert torch.equal(_values_and_grad("ArcCsch", x)[0], torch.tensor([[math.inf, -math.inf]]))
    assert torch.equal(_values_and_grad("ArcSech", x)[0], torch.tensor([[math.inf, math.inf]]))


@pytest.mark.parametrize("opset", [9, 17])
def test_tiny_inputs_export_to_onnx_and_import_back(tmp_path, opset):
    from netgraph import NetChain, export_onnx, import_onnx
    x = torch.tensor([[1e-30, 1e-40, 0.5, 0.0, -0.0, 1e30]])
    for name in TRUE:
        net = NetChain([ElementwiseLayer(name)], input=6)
        path = export_onnx(net, tmp_path / f"{name}.onnx", opset=opset)
        ran = torch.from_numpy(ort.InferenceSession(str(path)).run(None, {"Input": x.numpy()})[0])
        expected = net(x)
        assert torch.isfinite(expected[:, :3]).all()
        for values in (ran, import_onnx(path)(x)):
            torch.testing.assert_close(values, expected, equal_nan=True)
