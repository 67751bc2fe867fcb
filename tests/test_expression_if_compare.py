"""``If[a op b, x, y]`` runs as ``torch.where`` on the comparison itself (it cast the comparison to 1 or 0 and tested
that for != 0: three ops, exported as GreaterOrEqual, Cast, Equal, Not before the Where), with the same values and
gradients, a comparison repeated elsewhere in the expression included."""

from __future__ import annotations

import math

import onnx
import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, export_onnx, interpret, net_initialize

X = torch.tensor([[-1.5, 0.0, 2.0, float("nan")], [0.5, -0.0, -3.0, 1.0]])
Y = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.5, 1.0, -4.0, float("nan")]])

#: expression -> the same in plain torch, of x and y
CASES = {
    "If[#x >= 0, #x, 0.1 #x]": lambda x, y: torch.where(x >= 0, x, 0.1 * x),
    "If[#x >= #y, #x - #y, 2 #y] * If[#x >= #y, 3, 4]":
        lambda x, y: torch.where(x >= y, x - y, 2 * y) * torch.where(x >= y, 3.0, 4.0),
    "If[#x > 0, #x, 0] + If[#x > 0, 1, 0] * Sin[If[#x > 0, #x, 0]] + (#x > 0)":
        lambda x, y: torch.where(x > 0, x, 0.0) * 1 + (x > 0) * torch.sin(torch.where(x > 0, x, 0.0)) + (x > 0),
    "If[#x != #y, #y, -#x]": lambda x, y: torch.where(x != y, y, -x),
}


def _values_and_gradients(function, *inputs):
    inputs = [t.clone().requires_grad_() for t in inputs]
    out = function(*inputs)
    gradients = torch.autograd.grad(out.sum(), inputs, allow_unused=True)
    return out.detach(), [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, gradients)]


@pytest.mark.parametrize("text", CASES)
def test_an_if_of_a_comparison_computes_and_differentiates_as_torch_where(text):
    layer = FunctionLayer(text)
    net = NetGraph({"f": layer}, [], x=4, **({"y": 4} if "y" in layer.input_ports else {})).compile()
    got = _values_and_gradients(lambda x, y: net(x, y) if "y" in layer.input_ports else net(x), X, Y)
    want = _values_and_gradients(CASES[text], X, Y)
    torch.testing.assert_close(got, want, equal_nan=True)


def test_an_if_of_a_comparison_exports_a_where_on_the_comparison(tmp_path):
    net = NetGraph({"ramp": ElementwiseLayer("If[# >= 0, #, 0.1 #]")}, [], Input=3)
    ops = [node.op_type for node in onnx.load(export_onnx(net, tmp_path / "m.onnx")).graph.node]
    assert ops.count("Where") == 1 and not {"Cast", "Equal", "Not"} & set(ops), ops


@pytest.mark.parametrize("text, hand", [
    ("If[#x > 0, Pi, E]", lambda x: torch.where(x > 0, torch.tensor(math.pi, dtype=x.dtype), math.e)),
    ("If[#x > 0, 0.1, 1/3]", lambda x: torch.where(x > 0, torch.tensor(0.1, dtype=x.dtype), 1 / 3)),
    ("If[Sin[#x], 1, 0.1]", lambda x: torch.where(torch.sin(x) != 0, torch.tensor(1.0, dtype=x.dtype), 0.1)),
    ("If[#x > 0, 1, 0]", lambda x: (x > 0).to(x.dtype))])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16])
def test_an_if_of_two_constants_is_of_the_inputs_dtype_to_its_precision(text, hand, dtype):
    """If[#x > 0, Pi, E] of float64 gave Pi and E rounded to float32 (torch.where of two numbers is of the default
    dtype), cast to float64 after: 3.1415927410125732."""
    x = torch.tensor([[-1.5, 0.0, 2.0, 0.5]], dtype=dtype)
    module = net_initialize(NetGraph({"f": FunctionLayer(text)}, [], x=4)).compile()
    for got in (module(x), interpret(module.net, module, x=x)):
        assert got.dtype == dtype
        torch.testing.assert_close(got, hand(x), rtol=0, atol=0)


def test_an_if_of_two_constants_compiles_without_a_host_tensor_per_call():
    """If[#x > 0, Pi, E]'s first branch was written x.new_tensor(Pi): a tensor made from a Python number (on CUDA a
    host-to-device copy) at every forward; a fill of the input's dtype and device needs no copy."""
    module = net_initialize(NetGraph({"f": FunctionLayer("If[#x > 0, Pi, E]")}, [], x=4)).compile()
    assert "new_tensor" not in module.code and f"new_full((), {math.pi!r})" in module.code, module.code
