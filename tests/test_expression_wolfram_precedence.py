"""Precedence and associativity as Wolfram defines them (Power 590 right-associative over prefix Minus 480, Divide
470 and Times 400 left, Plus 310, comparisons), implicit products, and the named functions a Wolfram user writes
first: each expression compiled == interpreted == a handwritten torch twin of Wolfram's meaning, in float32 and
float64, values, dtypes and gradients (inputs away from every kink and pole). Session 51's sweep: no precedence
disagreement; its refusals are in test_expression_applied_functions.py, the float64 If of two constants it led to in
test_expression_if_compare.py."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, interpret, net_initialize

X = [0.3, -1.2, 0.7, 2.0, -0.4, 1.5]
Y = [0.5, 1.7, 2.5, 0.9, 3.0, 1.2]
Z = [1.1, 0.8, 2.2, 0.6, 1.4, 0.9]



PRECEDENCE = {
    "-#x^2": lambda x, y, z: -(x ** 2),
    "-#y^#z": lambda x, y, z: -(y ** z),
    "2^3^2 #y": lambda x, y, z: 512 * y,
    "#y^#z^#y": lambda x, y, z: y ** (z ** y),
    "#x/#y/#z": lambda x, y, z: (x / y) / z,
    "#x - #y - #z": lambda x, y, z: (x - y) - z,
    "#x - -#y": lambda x, y, z: x + y,
    "2 #x": lambda x, y, z: 2 * x,
    "#x #y": lambda x, y, z: x * y,
    "2(#x + 1)": lambda x, y, z: 2 * (x + 1),
    "2 (#x + 1) #y": lambda x, y, z: 2 * (x + 1) * y,
    "#y^-1": lambda x, y, z: 1 / y,
    "#y^-#z": lambda x, y, z: y ** -z,
    "2^-#x^2": lambda x, y, z: 2 ** -(x ** 2),
    "#x^2 #y": lambda x, y, z: x ** 2 * y,
    "#x/2 #y": lambda x, y, z: x / 2 * y,
    "#x/#y #z": lambda x, y, z: x / y * z,
    "-#x #y": lambda x, y, z: -(x * y),
    "1/2 #x": lambda x, y, z: 0.5 * x,
    "#x^1/2": lambda x, y, z: x / 2,
    "#y^(1/2)": lambda x, y, z: torch.sqrt(y),
    "#y^-1/2": lambda x, y, z: 1 / y / 2,
    "#y^-2^2": lambda x, y, z: y ** -4,
    "#y^2^-1": lambda x, y, z: torch.sqrt(y),
    "-2^2 + #x": lambda x, y, z: x - 4,
    "(-2)^2 + #x": lambda x, y, z: x + 4,
    "2 3 #x": lambda x, y, z: 6 * x,
    "#x - 2 #y": lambda x, y, z: x - 2 * y,
    "#x*-#y^2": lambda x, y, z: -(x * y ** 2),
    "#x / -2 #y": lambda x, y, z: x / -2 * y,
    "-#x/-#y": lambda x, y, z: x / y,
    "#x.2": lambda x, y, z: 0.2 * x,
    "2.#x": lambda x, y, z: 2 * x,
    "#x -1": lambda x, y, z: x - 1,
    "#x (-1)": lambda x, y, z: -x,
    "1 - #x^2/2 + #x^4/24": lambda x, y, z: 1 - x ** 2 / 2 + x ** 4 / 24,
    "2 Pi #x": lambda x, y, z: 2 * math.pi * x,
    "E^#x": lambda x, y, z: torch.exp(x),
    "Exp[#x]^2": lambda x, y, z: torch.exp(x) ** 2,
    "Exp[-#x^2]": lambda x, y, z: torch.exp(-(x ** 2)),
    "Sqrt[#y] #x + 1/#y": lambda x, y, z: torch.sqrt(y) * x + 1 / y,
    "Log[#y]": lambda x, y, z: torch.log(y),
    "Log[2, #y]": lambda x, y, z: torch.log(y) / math.log(2),
    "Log[#y, #z]": lambda x, y, z: torch.log(z) / torch.log(y),
    "Ramp[#x - 1] #y": lambda x, y, z: torch.relu(x - 1) * y,
    "LogisticSigmoid[2 #x]": lambda x, y, z: torch.sigmoid(2 * x),
    "Clip[#x, {-0.5, 0.5}]": lambda x, y, z: torch.clamp(x, -0.5, 0.5),
    "Clip[#x]": lambda x, y, z: torch.clamp(x, -1, 1),
    "If[#x > 0, #x^2, -#x]": lambda x, y, z: torch.where(x > 0, x ** 2, -x),
    "If[#x > 0, #y, #z] 2": lambda x, y, z: torch.where(x > 0, y, z) * 2,
    "(#x > 0) + (#y >= 1)": lambda x, y, z: (x > 0).to(x.dtype) + (y >= 1).to(x.dtype),
    "#x + 1 > #y": lambda x, y, z: (x + 1 > y).to(x.dtype),
    "Boole[#x < 0] #y": lambda x, y, z: (x < 0).to(x.dtype) * y,
    "Mod[#x, 3]": lambda x, y, z: torch.remainder(x, 3),
    "Mod[#x, -3]": lambda x, y, z: torch.remainder(x, -3),
    "Times[#x, #y, 2]": lambda x, y, z: 2 * x * y,
    "Plus[#x, #y, #z]": lambda x, y, z: x + y + z,
    "Surd[#x, 3]": lambda x, y, z: torch.sign(x) * x.abs() ** (1 / 3),
    "#x #y . #z": lambda x, y, z: x * (y * z).sum(-1, keepdim=True),
    "Max[#x, #y, #z]": lambda x, y, z: torch.stack([x.amax(-1), y.amax(-1), z.amax(-1)]).amax(0),
    "Min[#x, 0.5]": lambda x, y, z: x.amin(-1).clamp(max=0.5),
    "Max[#x, #y] #z": lambda x, y, z: torch.maximum(x.amax(-1), y.amax(-1))[:, None] * z,
}


def _inputs(ports, dtype):
    rows = {"x": X, "y": Y, "z": Z}
    return {p: torch.tensor([rows[p], rows[p][::-1]], dtype=dtype, requires_grad=True) for p in ports}


def _twin_values(hand, inputs):
    """The twin of Wolfram's meaning on ``inputs``, with the ports it does not use as constants."""
    given = {p: inputs.get(p, torch.tensor([row, row[::-1]], dtype=next(iter(inputs.values())).dtype))
             for p, row in (("x", X), ("y", Y), ("z", Z))}
    return hand(**given)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("text", list(PRECEDENCE))
def test_wolfram_precedence_compiled_interpreted_and_twin_agree(text, dtype):
    layer = FunctionLayer(text)
    module = net_initialize(NetGraph([layer], [], **{p: 6 for p in layer.input_ports}), seed=0).compile()
    inputs = _inputs(layer.input_ports, dtype)
    expected = _twin_values(PRECEDENCE[text], inputs)
    for got in (module(**inputs), interpret(module.net, module, **inputs)):
        assert got.dtype == dtype
        torch.testing.assert_close(got, expected.reshape(got.shape))
        if expected.requires_grad:
            ports = list(inputs.values())
            mine = torch.autograd.grad(got.sum(), ports, allow_unused=True, retain_graph=True)
            twin = torch.autograd.grad(expected.sum(), ports, allow_unused=True, retain_graph=True)
            for a, b, port in zip(mine, twin, ports):
                torch.testing.assert_close(torch.zeros_like(port) if a is None else a,
                                           torch.zeros_like(port) if b is None else b)


@pytest.mark.parametrize("text, hand", [("Max[#, 0]", torch.relu), ("-#^2", lambda x: -(x ** 2)),
                                        ("Min[#, 0.5, 2 #]", lambda x: torch.minimum(x.clamp(max=0.5), 2 * x))])
def test_an_elementwise_layers_max_and_min_are_of_numbers(text, hand):
    """ElementwiseLayer's f gets numbers, so Max[#, 0] there is elementwise (FunctionLayer's flattens)."""
    module = net_initialize(NetGraph([ElementwiseLayer(text)], [], Input=6)).compile()
    x = torch.tensor([X, Y], dtype=torch.float64)
    torch.testing.assert_close(module(Input=x), hand(x))
    torch.testing.assert_close(interpret(module.net, module, Input=x), hand(x))


@pytest.mark.parametrize("text, same", [("Power[#y, #z, 2]", "#y^#z^2"), ("Power[#x, 2, 3, 0.5]", "#x^2^3^0.5"),
                                        ("Power[2, 3, 2] #x", "512 #x"), ("Power[#x]", "#x")])
def test_power_of_several_arguments_is_right_associative(text, same):
    """Wolfram's Power[a, b, c] is a^(b^c), as a^b^c, and Power[a] is a: both were refused as taking 2 arguments."""
    from netgraph.layers.expression import parse
    assert parse(text).tree == parse(same).tree
