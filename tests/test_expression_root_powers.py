"""A port to a constant power 1/2 or -1/2 is torch's fast sqrt or rsqrt, compiled and interpreted (review R5: as a
tensor exponent it was pow's, about 5x slower on CPU, for other values only at -Infinity and -0.); a port's exponent
and the ONNX model's Pow are pow's. (-Infinity)^(-1/2) of constants is 0, as Wolfram's."""

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
POW = {"1/2": [math.inf, 0.0, 0.0, 2.0, math.nan, math.inf], "-1/2": [0.0, math.inf, math.inf, 0.5, math.nan, 0.0]}
ROOT = {"1/2": [math.nan, -0.0, 0.0, 2.0, math.nan, math.inf],
        "-1/2": [math.nan, -math.inf, math.inf, 0.5, math.nan, 0.0]}  # sqrt's and rsqrt's


def _same(value, expected):
    value = torch.as_tensor(value).flatten()
    assert torch.equal(value.isnan(), torch.tensor([math.isnan(e) for e in expected]))
    kept = ~value.isnan()
    assert value[kept].tolist() == [e for e in expected if not math.isnan(e)]
    assert torch.signbit(value[kept]).tolist() == [math.copysign(1, e) < 0 for e in expected if not math.isnan(e)]


@pytest.mark.parametrize("exponent", ["1/2", "-1/2"])
def test_a_constant_root_power_is_sqrt_or_rsqrt_compiled_and_interpreted_a_ports_is_pow(exponent):
    net = NetGraph([FunctionLayer(f"#x^({exponent})")], [], x=6)
    module = net.compile()
    for value in (net(x=X), module(x=X), interpret(net, module, x=X)):
        _same(value, ROOT[exponent])
    _same(NetGraph([FunctionLayer("#x^#y")], [], x=6, y=6)(x=X, y=torch.full((1, 6), VALUE[exponent])), POW[exponent])


@pytest.mark.parametrize("exponent", ["1/2", "-1/2"])
def test_a_constant_root_power_exports_to_onnx_as_pow(tmp_path, exponent):
    net = NetGraph([FunctionLayer(f"#x^({exponent})")], [], x=6)
    _same(run_onnx(export_onnx(net, tmp_path / "root.onnx"), {"x": X})[0], POW[exponent])


def test_minus_infinity_to_minus_one_half_is_0_as_a_constant_too():
    assert parse("(-Infinity)^(-1/2)").tree == ("const", 0.0)


def test_the_gradient_of_a_root_power_is_exact():
    x = torch.tensor([[0.25, 4.0, 9.0]], requires_grad=True)
    module = NetGraph([FunctionLayer("#x^(1/2) + #x^(-1/2)")], [], x=3).compile()
    gradient, = torch.autograd.grad(module(x=x).sum(), x)
    torch.testing.assert_close(gradient, 0.5 * x.detach() ** -0.5 - 0.5 * x.detach() ** -1.5)
