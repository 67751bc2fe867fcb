"""Every one-argument function of a constant in (-2, 2) folds to the value the same function gives a port there
(QA tester V: ArcCsch of any constant in (0, 1) was refused as dividing by 0, its definition's sign of -0. read
through -1 / Ceiling[-#], which is 1 / -0. there, multiplied away at run time). A constant is refused only where the
run gives no finite number (not real: NaN; a pole: an infinity)."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import FunctionLayer, NetGraph
from netgraph.layers.expression import ExpressionError, evaluate, parse
from netgraph.layers.function_table import NAMED_FUNCTIONS

ONE_ARGUMENT = sorted(name for name, entry in NAMED_FUNCTIONS.items() if entry.arity == 1)
CONSTANTS = [-1.999, -1.5, -1.0, -0.999, -0.5, -0.25, -1e-5, -1e-20, -0.0, 0.0, 1e-20, 1e-5, 0.25, 0.5, 0.999, 1.0,
             1.5, 1.999]


def _run_values(name: str) -> list[float]:
    port = torch.tensor(CONSTANTS, dtype=torch.float64)
    return evaluate(parse(f"{name}[#x]").tree, {"x": port}).tolist()


def _folded(name: str, value: float) -> float | None:
    """The constant ``name[value]`` folds to; None where it is refused."""
    text = "-0." if math.copysign(1.0, value) < 0 and value == 0 else repr(value).replace("e", "*^")
    try:
        tree = parse(f"{name}[{text}]").tree
    except ExpressionError:
        return None
    assert tree[0] == "const", (name, value, tree)
    return tree[1]


@pytest.mark.parametrize("name", ONE_ARGUMENT)
def test_a_folded_constant_is_the_value_a_port_gets(name):
    for value, run in zip(CONSTANTS, _run_values(name)):
        constant = _folded(name, value)
        if constant is None:
            assert not math.isfinite(run), f"{name}[{value}] refused, a port gets {run}"
        elif math.isnan(run):
            assert math.isnan(constant), f"{name}[{value}] folds to {constant}, a port gets NaN"
        else:
            assert constant == pytest.approx(run, rel=1e-12, abs=1e-300), f"{name}[{value}]: {constant} != {run}"


@pytest.mark.parametrize("value, expected", [(0.5, 1.4436354751788103), (0.25, 2.0947125472611012),
                                             (1e-20, 46.74484904044086), (-0.5, -1.4436354751788103)])
def test_arccsch_of_a_constant_below_1(value, expected):
    assert _folded("ArcCsch", value) == pytest.approx(expected, rel=1e-15)
    layer = NetGraph([FunctionLayer(f"ArcCsch[{value!r}] * #x".replace("e-", "*^-"))], [], x=())
    torch.testing.assert_close(layer(x=torch.tensor([2.0])), torch.tensor([2 * expected], dtype=torch.float32))


def test_arccsch_gradient_near_0_is_its_limit():
    x = torch.tensor([-1.0, -1e-19, -0.0, 0.0, 1e-19, 0.5, 1e-10], dtype=torch.float64, requires_grad=True)
    y = evaluate(parse("ArcCsch[#x]").tree, {"x": x})
    gradient, = torch.autograd.grad(y.sum(), x)
    exact = -1 / (x.detach().abs() * torch.sqrt(1 + x.detach() ** 2))  # d/dx asinh(1/x), -Infinity at 0
    torch.testing.assert_close(gradient, exact, rtol=1e-12, atol=0)
