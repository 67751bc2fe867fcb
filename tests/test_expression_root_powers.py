"""A port to a constant power 1/2 or -1/2 is pow's, as a port to a port's 1/2 is (QA tester V): torch's pow of a
number computes them as sqrt and rsqrt, so #x^0.5 was NaN at x = -Infinity where #x^#y with y = 1/2 (and the ONNX
model) gave Infinity, and #x^(-1/2) NaN where the README gives (-Infinity)^(-1/2) = 0 for constants."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, interpret
from netgraph.export import export_onnx
from netgraph.layers.expression import parse
from tests.onnx_helpers import run_onnx

X = torch.tensor([[-math.inf, -0.0, 0.0, 4.0, -2.0, math.inf]])
VALUE = {"1/2": 0.5, "-1/2": -0.5}
EXPECTED = {"1/2": [math.inf, 0.0, 0.0, 2.0, math.nan, math.inf], "-1/2": [0.0, math.inf, math.inf, 0.5, math.nan, 0.0]}


def _same(value, expected):
    value = torch.as_tensor(value).flatten()
    assert torch.equal(value.isnan(), torch.tensor([math.isnan(e) for e in expected]))
    kept = ~value.isnan()
    assert value[kept].tolist() == [e for e in expected if not math.isnan(e)]
    assert not torch.signbit(value[kept]).any()  # pow's +0. at -0., not sqrt's -0.


@pytest.mark.parametrize("exponent", ["1/2", "-1/2"])
def test_a_constant_root_power_is_pow_called_compiled_and_interpreted(exponent):
    net = NetGraph([FunctionLayer(f"#x^({exponent})")], [], x=6)
    port = NetGraph([FunctionLayer("#x^#y")], [], x=6, y=6)
    module = net.compile()
    for value in (net(x=X), module(x=X), interpret(net, module, x=X),
                  port(x=X, y=torch.full((1, 6), VALUE[exponent]))):
        _same(value, EXPECTED[exponent])


@pytest.mark.parametrize("exponent", ["1/2", "-1/2"])
def test_a_constant_root_power_exports_to_onnx_with_the_same_values(tmp_path, exponent):
    net = NetGraph([FunctionLayer(f"#x^({exponent})")], [], x=6)
    _same(run_onnx(export_onnx(net, tmp_path / "root.onnx"), {"x": X})[0], EXPECTED[exponent])


def test_minus_infinity_to_minus_one_half_is_0_as_a_constant_too():
    assert parse("(-Infinity)^(-1/2)").tree == ("const", 0.0)


def test_the_gradient_of_a_root_power_is_exact():
    x = torch.tensor([[0.25, 4.0, 9.0]], requires_grad=True)
    module = NetGraph([FunctionLayer("#x^(1/2) + #x^(-1/2)")], [], x=3).compile()
    gradient, = torch.autograd.grad(module(x=x).sum(), x)
    torch.testing.assert_close(gradient, 0.5 * x.detach() ** -0.5 - 0.5 * x.detach() ** -1.5)
