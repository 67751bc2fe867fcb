"""Wolfram's meaning of functions of several arguments and nested forms, against a handwritten torch twin, on both
execution paths (compiled and interpreted), in float32 and float64 (session 52): Mod takes the divisor's sign,
Quotient floors, ArcTan[x, y] is atan2(y, x), Max and Min of arrays flatten, Sign and Abs of -0., a negative base
to an integer power; Sqrt and Log of a negative input are NaN (Wolfram's are complex), of a negative constant
refused."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, interpret, net_initialize
from netgraph.layers.expression import ExpressionError

NAN, INF = math.nan, math.inf
X = [-7.5, -7.0, -2.5, -2.0, -0.5, -0.0, 0.0, 0.5, 2.5, 3.0, 7.0, 1.0]
Y = [3.0, -3.0, 2.0, -2.0, 2.0, 1.0, -1.0, 0.5, -0.5, 2.0, 4.0, 1.0]


def _where(c: torch.Tensor, a: float | torch.Tensor, b: float | torch.Tensor) -> torch.Tensor:
    return torch.where(c, torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64))


TWINS = [  # (expression, twin of float64 x and y, element by element as Wolfram computes it)
    ("Mod[#x, 3]", lambda x, y: x - 3 * torch.floor(x / 3)),  # Mod[-7.5, 3] is 1.5: the divisor's sign
    ("Mod[#x, -3]", lambda x, y: x + 3 * torch.floor(x / -3)),  # Mod[7, -3] is -2
    ("Mod[#x, #y]", lambda x, y: x - y * torch.floor(x / y)),
    ("Quotient[#x, #y]", lambda x, y: torch.floor(x / y)),  # Quotient[-7, 2] is -4, not -3
    ("Mod[#x, 3, 1]", lambda x, y: x - 3 * torch.floor((x - 1) / 3)),  # Mod[m, n, d]: in d to d + n (session 52)
    ("Quotient[#x, #y, -0.5]", lambda x, y: torch.floor((x + 0.5) / y)),  # Quotient[m - d, n] (session 52)
    ("Quotient[#x, -2] + Mod[#x, -2] / 10", lambda x, y: torch.floor(x / -2) + (x + 2 * torch.floor(x / -2)) / 10),
    ("Sign[#x] + Abs[#x]", lambda x, y: torch.sign(x) + x.abs()),  # Sign[-0.] is 0
    ("1 / (1 + Abs[#x])", lambda x, y: 1 / (1 + x.abs())),
    ("Floor[#x] - Ceiling[#x]", lambda x, y: torch.floor(x) - torch.ceil(x)),
    ("Round[#x]", lambda x, y: torch.round(x)),  # halves to even: Round[-2.5] is -2, Round[0.5] 0
    ("Round[#x, #y]", lambda x, y: y * torch.round(x / y)),
    ("Floor[#x, 2] + Ceiling[#x, -0.5]", lambda x, y: 2 * torch.floor(x / 2) - 0.5 * torch.ceil(x / -0.5)),
    ("FractionalPart[#x] + 10 IntegerPart[#x]", lambda x, y: x - torch.trunc(x) + 10 * torch.trunc(x)),
    ("#y^3 + Power[#x, 2]", lambda x, y: y ** 3 + x * x),  # a negative base to an integer power is real
    ("Power[#x, -1]", lambda x, y: 1 / x),  # -Infinity at -0.
    ("#y^#y", lambda x, y: y ** y),  # (-3)^(-3), (-0.5)^(-0.5): NaN (complex)
    ("Power[2, 3, #y]", lambda x, y: 2 ** (3 ** y)),  # right-associative
    ("Sqrt[#x]", lambda x, y: x.sqrt()),  # NaN below 0 (Wolfram's is complex)
    ("Log[2, #y] + Log[#y]", lambda x, y: y.log() / math.log(2) + y.log()),
    ("ArcTan[#x, #y]", lambda x, y: _where((x == 0) & (y == 0), NAN, torch.atan2(y, x + 0))),  # atan2(y, x)
    ("ArcTan[#y, #x]", lambda x, y: _where((x == 0) & (y == 0), NAN, torch.atan2(x, y + 0))),
    ("ArcTan[#x / #y]", lambda x, y: torch.atan(x / y)),
    ("Boole[#x > 0] + Boole[#y]", lambda x, y: (x > 0).double() + (y != 0).double()),
    ("If[#x > 0, 1, #y]", lambda x, y: _where(x > 0, 1.0, y)),  # a number and a port
    ("If[#x >= #y, #x, Pi]", lambda x, y: _where(x >= y, x, math.pi)),
    ("If[Mod[#x, 2] == 1, -#y, #y^2]", lambda x, y: _where(x - 2 * torch.floor(x / 2) == 1, -y, y * y)),
    ("UnitStep[#x] + Unitize[#y - 2]", lambda x, y: (x >= 0).double() + (y != 2).double()),
    ("KroneckerDelta[#x, #y] + KroneckerDelta[#x]", lambda x, y: (x == y).double() + (x == 0).double()),
    ("Max[#x, #y, 0]", lambda x, y: torch.cat([x, y, x.new_zeros(1)]).amax()),  # flattened: one number
    ("Min[#x, -Infinity] + Max[#x]", lambda x, y: torch.tensor(-INF, dtype=torch.float64)),
    ("Max[Abs[#x - #y]] - Min[#y]", lambda x, y: (x - y).abs().amax() - y.amin()),
    ("Min[#x[[1]], #y[[2]], #x[[3]]]", lambda x, y: torch.minimum(torch.minimum(x[0], y[1]), x[2])),
    ("Clip[#x, {-1, 2}] + Clip[#y]", lambda x, y: x.clamp(-1, 2) + y.clamp(-1, 1)),
    ("Clip[#x - #y, {-1, 1}, {-10, 10}]", lambda x, y: _where(x - y < -1, -10.0, _where(x - y > 1, 10.0,
                                                                                           (x - y).clamp(-1, 1)))),
    ("Surd[#x, 3] + Surd[#y, 2]", lambda x, y: torch.sign(x) * x.abs() ** (1 / 3) + y.sqrt()),
    ("Erf[#x, #y] + Erf[#x]", lambda x, y: torch.erf(y) - torch.erf(x) + torch.erf(x)),
    ("-#x^2 + (-#y)^2", lambda x, y: -(x * x) + y * y),
    ("2^-#y * #x", lambda x, y: 2 ** -y * x),  # (2^-#y #x is refused: Wolfram reads 2^(-y x))
    ("#x/#y/2", lambda x, y: x / y / 2),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("text, twin", TWINS, ids=[t for t, _ in TWINS])
def test_compiled_and_interpreted_are_wolframs_meaning(text, twin, dtype):
    ports = FunctionLayer(text).input_ports
    values = {"x": torch.tensor(X, dtype=torch.float64), "y": torch.tensor(Y, dtype=torch.float64)}
    module = net_initialize(NetGraph([FunctionLayer(text)], [], **{p: len(X) for p in ports})).compile()
    inputs = {p: values[p][None].to(dtype) for p in ports}
    expected = twin(values["x"].to(dtype).double(), values["y"].to(dtype).double()).to(dtype)[None]
    for found in (module(**inputs), interpret(module.net, module, **inputs)):
        assert found.dtype == dtype
        torch.testing.assert_close(found, expected.expand_as(found), equal_nan=True)


@pytest.mark.parametrize("text", ["Sqrt[-4] + #x", "(-8)^(1/3) + #x", "Log[-2, #x]", "Power[-2, 0.5] #x"])
def test_a_constant_with_no_real_value_is_refused(text):
    with pytest.raises(ExpressionError, match="a constant is not a real number"):
        FunctionLayer(text)
