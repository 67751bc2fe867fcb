"""Predicates mixed (comparisons, Boole, If, Unitize, Clip, Sign, UnitStep, Ramp, KroneckerDelta, Min/Max as And/Or,
Negative as -x where nothing reads it as true or false): compiled == interpreted == a handwritten torch twin written
from Wolfram's documented meaning, in float32 and float64, with gradients away from the kinks (session 50's hunt)."""

from __future__ import annotations

import pytest
import torch

import netgraph
from netgraph import ElementwiseLayer, NetGraph, net_initialize
from netgraph.layers.expression import ExpressionError

INF = float("inf")
#: values, with both zeros, a tiny value each side, the bounds the texts use and the infinities (no NaN: NaN stays NaN
#: through Sign, Unitize, UnitStep, ..., where torch's sign gives 0, README)
VALUES = [-INF, -2.0, -1.0, -0.5, -1e-12, -0.0, 0.0, 3e-11, 0.5, 1.0, 2.0, INF]
#: values at no kink of any text below (0, ±0.5, ±1): the gradients of the twin are Wolfram's derivative there
SMOOTH = [-3.5, -1.5, -0.75, -0.25, 0.25, 0.75, 1.5, 3.5]


def _b(c: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return c.to(x.dtype)


def _where(c: torch.Tensor, a, b, x: torch.Tensor) -> torch.Tensor:
    return torch.where(c, torch.as_tensor(a, dtype=x.dtype), torch.as_tensor(b, dtype=x.dtype))


TWINS = {
    "Boole[# > 0] + Boole[# < 0]": lambda x: _b(x > 0, x) + _b(x < 0, x),
    "If[# >= 0, 1, -1] * Abs[#]": lambda x: _where(x >= 0, 1.0, -1.0, x) * x.abs(),
    "UnitStep[#] - UnitStep[-#]": lambda x: _b(x >= 0, x) - _b(-x >= 0, x),
    "Sign[#] * Ramp[#]": lambda x: x.sign() * x.relu(),
    "Unitize[(# > 1) + (# < -1)]": lambda x: _b((x > 1) | (x < -1), x),
    "(# > -1) * (# < 1)": lambda x: _b((x > -1) & (x < 1), x),
    "1 - (# < 0)": lambda x: _b(x >= 0, x),
    "KroneckerDelta[#] + KroneckerDelta[# - 1]": lambda x: _b(x == 0, x) + _b(x == 1, x),
    "Clip[#, {-1, 1}] * UnitStep[#]": lambda x: x.clamp(-1, 1) * _b(x >= 0, x),
    "Boole[Sign[#] == -1]": lambda x: _b(x < 0, x),
    "Ramp[#] - Ramp[-#]": lambda x: x.relu() - (-x).relu(),
    "UnitStep[# - 1] * UnitStep[1 - #]": lambda x: _b(x == 1, x),
    "Boole[Clip[#, {0, 1}] == #]": lambda x: _b((x >= 0) & (x <= 1), x),
    "If[# > 0, 1, If[# < 0, -1, 0]]": lambda x: x.sign(),
    "Negative[#] * UnitStep[#]": lambda x: -x * _b(x >= 0, x),
    "Boole[Negative[#] > 0]": lambda x: _b(x < 0, x),
    "Boole[Unitize[#]]": lambda x: _b(x != 0, x),
    "KroneckerDelta[Sign[#], -1]": lambda x: _b(x < 0, x),
    "Boole[Ramp[#]]": lambda x: _b(x > 0, x),
    "If[UnitStep[#], #, -#]": lambda x: torch.where(x >= 0, x, -x),
    "Sign[Clip[#, {-0.5, 0.5}]]": lambda x: x.sign(),
    "(# >= 0) - (# <= 0)": lambda x: _b(x > 0, x) - _b(x < 0, x),
    "Max[# > 0, # < -1]": lambda x: _b((x > 0) | (x < -1), x),
    "Min[# > -1, # < 1]": lambda x: _b((x > -1) & (x < 1), x),
    "Boole[Abs[#] < 1] * #": lambda x: _b(x.abs() < 1, x) * x,
    "UnitStep[Negative[#]]": lambda x: _b(x <= 0, x),
    "Ramp[Negative[#]]": lambda x: (-x).relu(),
    "Clip[Negative[#], {0, 1}]": lambda x: (-x).clamp(0, 1),
    "If[Boole[# > 0] == 1, #^2, 0]": lambda x: torch.where(x > 0, x ** 2, torch.zeros_like(x)),
    "Unitize[Sign[#]]": lambda x: _b(x != 0, x),
    "Sign[#]^2": lambda x: _b(x != 0, x),
    "Boole[Round[#] == #]": lambda x: _b(x.round() == x, x),
    "If[Clip[#, {-1, 1}] > 0.5, 1, 0]": lambda x: _b(x > 0.5, x),
    "Boole[UnitStep[#] == 1]": lambda x: _b(x >= 0, x),
    "If[# > 1, Negative[#] + 1, Ramp[#]]": lambda x: torch.where(x > 1, 1 - x, x.relu()),
    "Boole[If[# > 0, #, Negative[#]] > 1]": lambda x: _b(x.abs() > 1, x),
    "UnitStep[#] * # + (1 - UnitStep[#]) * 2 #": lambda x: _b(x >= 0, x) * x + (1 - _b(x >= 0, x)) * 2 * x,
    "If[Unitize[(# < -1) + (# > 1)], Sign[#], #]": lambda x: torch.where((x < -1) | (x > 1), x.sign(), x),
    "(1 - KroneckerDelta[#]) * Sign[#] * Min[Abs[#], 1]": lambda x: x.sign() * x.abs().clamp(max=1),
    "Boole[Exp[Negative[#]] > 1]": lambda x: _b(torch.exp(-x) > 1, x),  # float32: not at x = -1e-12
}


def _module(text: str, dtype: torch.dtype):
    return net_initialize(NetGraph([ElementwiseLayer(text)], [], Input="Real")).compile().to(dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("text", list(TWINS))
def test_a_predicate_mix_is_wolframs_value_compiled_and_interpreted(text, dtype):
    module, x = _module(text, dtype), torch.tensor(VALUES, dtype=dtype)
    want = TWINS[text](x)
    for run in (module, lambda **ports: netgraph.interpret(module.net, module, **ports)):
        got = run(Input=x)  # 0 * Infinity is NaN, Wolfram's Indeterminate, as torch's
        assert got.dtype == dtype, got.dtype
        torch.testing.assert_close(got, want, rtol=0, atol=0, equal_nan=True, msg=lambda m: f"{text}: {m}")


@pytest.mark.parametrize("text", list(TWINS))
def test_a_predicate_mix_has_the_twins_gradient_away_from_kinks(text):
    module, x = _module(text, torch.float64), torch.tensor(SMOOTH, dtype=torch.float64, requires_grad=True)
    twin = TWINS[text](x)
    want = torch.autograd.grad(twin.sum(), x)[0] if twin.requires_grad else torch.zeros_like(x)
    for run in (module, lambda **ports: netgraph.interpret(module.net, module, **ports)):
        got = run(Input=x)
        gradient = torch.autograd.grad(got.sum(), x)[0] if got.requires_grad else torch.zeros_like(x)
        assert torch.equal(gradient, want), (text, gradient, want)


def test_a_long_nested_text_is_walked_once_per_part(monkeypatch):
    """The truth walk stays linear in the text (session 49's first try modelled every path: 83 s on 251 characters):
    counted in calls of ``readings``, not timed, for a refused text and an accepted one."""
    from netgraph.layers import expression_truth
    steps, readings = [], expression_truth.readings
    monkeypatch.setattr(expression_truth, "readings", lambda node, read: steps.append(node) or readings(node, read))
    refused = "Unitize[" + "If[# > 0, 1 + Abs[" * 40 + "Negative[#]" + "], 0]" * 40 + "]"
    with pytest.raises(ExpressionError, match="through the arithmetic"):
        ElementwiseLayer(refused)
    assert 0 < len(steps) <= len(refused), len(steps)
    steps.clear()
    accepted = "Unitize[" + "If[# > 0, 1 + Exp[" * 15 + "Negative[#]" + "], 0]" * 15 + "]"  # 60 levels at most
    ElementwiseLayer(accepted)
    assert 0 < len(steps) <= len(accepted), len(steps)
