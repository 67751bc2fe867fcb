"""ElementwiseLayer and FunctionLayer "ArcCsch" and "ArcSech": the gradient at exactly 0 (and -0.) is the limit
-Infinity, not NaN (as torch's own functions give Infinity at their poles); values everywhere, and gradients
away from 0, are the same to the bit as the definitions they replace."""

from __future__ import annotations

import math

import pytest
import torch
from torch.func import jacfwd, jacrev

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, ThreadingLayer, interpret
from netgraph.layers.function_table import NAMED_FUNCTIONS, NamedFunction

OLD = {  # the definitions before the gradient at 0 was fixed
    "ArcCsch": "Min[Floor[Abs[#] * 10^18], 1] * ArcSinh[1 / (# + (1 - Min[Floor[Abs[#] * 10^18], 1]))]"
               " + (1 - Min[Floor[Abs[#] * 10^18], 1]) * SignOrZero[1 / (# * 10^30)] * (Log[2] - Log[Min[Abs[#], 1]])",
    "ArcSech": "Min[Floor[Abs[#] * 10^18], 1] * ArcCosh[1 / (Abs[#] * (SignOrZero[#] + 1 - Abs[SignOrZero[#]])"
               " + (1 - Min[Floor[Abs[#] * 10^18], 1]) / 2)] + (1 - Min[Floor[Abs[#] * 10^18], 1])"
               " * (Log[2] - Log[Min[Abs[#] * (SignOrZero[#] + 1 - Abs[SignOrZero[#]]), 1]])",
}


def _points(dtype: torch.dtype) -> torch.Tensor:
    mag = torch.logspace(-45, 38, 4001, dtype=torch.float64).to(dtype)
    g = torch.Generator().manual_seed(0)
    special = torch.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 1e-18, -1e-18], dtype=dtype)
    return torch.cat([mag, -mag, special, torch.randn(4000, generator=g, dtype=dtype) * 3,
                      torch.rand(4000, generator=g, dtype=dtype) * 2 - 1])


def _values_and_grads(layer, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    module = NetGraph([layer], [], Input=x.numel()).compile()
    if x.dtype == torch.float64:
        module = module.double()
    xi = x[None].clone().requires_grad_(True)
    y = module(xi)
    y.sum().backward()
    return y.detach()[0], xi.grad[0]


def _same_bits(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    kind = torch.int32 if a.dtype == torch.float32 else torch.int64
    return (a.view(kind) == b.view(kind)) | (a.isnan() & b.isnan())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", ["ArcCsch", "ArcSech"])
def test_gradient_at_zero_is_the_limit_and_the_same_bits_elsewhere(name, dtype, monkeypatch):
    monkeypatch.setitem(NAMED_FUNCTIONS, "Old" + name, NamedFunction("Old" + name, 1, definition=OLD[name]))
    x = _points(dtype)
    old_value, old_grad = _values_and_grads(FunctionLayer(f"Old{name}[#]"), x)
    zero = x == 0
    assert old_grad[zero].isnan().all()  # what it was: NaN at 0 and -0.
    for layer in (ElementwiseLayer(name), FunctionLayer(f"{name}[#]")):
        value, grad = _values_and_grads(layer, x)
        assert _same_bits(value, old_value)[x != -math.inf].all()  # ArcCsch[-Infinity] is -0. now, as torch's
        assert math.copysign(1, value[x == -math.inf].item()) == (-1 if name == "ArcCsch" else 1)  # asinh(1/-inf)
        nan_below_0 = (x < 0) & (name == "ArcSech")  # ArcSech's value is NaN there: its gradient now too
        assert _same_bits(grad[~zero & ~nan_below_0], old_grad[~zero & ~nan_below_0]).all()
        assert grad[nan_below_0].isnan().all()
        assert grad[zero].tolist() == [-math.inf, -math.inf]
    expected = [math.inf, -math.inf] if name == "ArcCsch" else [math.inf, math.inf]
    assert value[zero].tolist() == expected


@pytest.mark.parametrize("name", ["ArcCsch", "ArcSech"])
def test_gradient_next_to_zero_tends_to_the_limit(name):
    x = torch.tensor([1e-30, 1e-40, 0.0], dtype=torch.float64)
    grad = _values_and_grads(ElementwiseLayer(name), x)[1]
    assert grad[0] == pytest.approx(-1e30) and grad[1] == pytest.approx(-1e40) and grad[2] == -math.inf


@pytest.mark.parametrize("expression, k", [("Surd[#x, 3]", 3.0), ("Surd[#x, 2]", 2.0), ("Surd[#x, -3]", -3.0)])
def test_surds_gradient_at_0_is_infinity_as_cuberoots_and_exact_elsewhere(expression, k):
    """Surd[x, n]'s gradient (1/n) |x|^(1/n - 1) is +Infinity at 0, as CubeRoot's and x^(1/n)'s: it was NaN (0 times
    Infinity through Abs); a negative n's is -Infinity, as x^(-1/3)'s."""
    module = NetGraph([FunctionLayer(expression)], [], x=5).compile().double()
    x = torch.tensor([[0.0, -0.0, 8.0, -27.0, 0.5]], dtype=torch.float64, requires_grad=True)
    y = module(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert grad[0, 0] == grad[0, 1] == (math.inf if k > 0 else -math.inf)
    assert math.isnan(y[0, 3].item()) == (k == 2)  # of a negative x for an even n, Wolfram's Indeterminate
    for i in (2, 3, 4) if k != 2 else (2, 4):  # (1/n) |x|^(1/n - 1), where the root is real
        want = abs(x[0, i].item()) ** (1 / k - 1) / k
        assert grad[0, i].item() == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("k", [3.0, 5.0, -3.0, 2.0, 4.0])
def test_surd_of_an_input_n_has_exact_gradients_either_side_of_0_and_infinity_at_it(k):
    """With n an input, If computes both roots: the even one's (x + 0)^(1/n) had a NaN gradient at every x < 0 that
    reached an odd n's result (Surd[-8, 3] gave NaN for d/dx, not 1/12), and the root not taken gave 0 * Infinity at
    x = 0. n, a count, gets no gradient (Surd is a step in n)."""
    module = NetGraph([ThreadingLayer("Surd")], [], Input1=5, Input2=5).compile().double()
    x = torch.tensor([[-8.0, -0.5, 0.5, 27.0, 0.0]], dtype=torch.float64, requires_grad=True)
    n = torch.full((1, 5), k, dtype=torch.float64, requires_grad=True)
    y = module(Input1=x, Input2=n)
    dx, dn = torch.autograd.grad(y.sum(), (x, n), allow_unused=True)
    assert dn is None  # n reaches Surd only through steps (a count), detached as Floor[#n] #x's
    odd = k % 2 == 1
    for i in range(4):
        root = math.copysign(abs(x[0, i].item()) ** (1 / k), x[0, i].item())
        if x[0, i] < 0 and not odd:  # Indeterminate, as Wolfram's; its derivative by x too, by n (a count) 0
            assert math.isnan(y[0, i].item()) and math.isnan(dx[0, i].item())
            continue
        assert y[0, i].item() == pytest.approx(root, rel=1e-12)
        assert dx[0, i].item() == pytest.approx(abs(x[0, i].item()) ** (1 / k - 1) / k, rel=1e-12)
    assert dx[0, 4] == (math.inf if k > 0 else -math.inf)
    real = slice(0, 4) if odd else slice(2, 4)  # n's gradient only where x > 0: of an x < 0 Surd is real at odd n only
    fixed_n = n[:, real].detach()
    assert torch.autograd.gradcheck(lambda a: module(Input1=a, Input2=fixed_n), x[:, real].detach().requires_grad_())


@pytest.mark.parametrize("expression, k", [("Surd[#x, 3]", 3.0), ("Surd[#x, 2]", 2.0), ("Surd[#x, 4]", 4.0),
                                           ("Surd[#x, #n]", 3.0), ("Surd[#x, #n]", 2.0)])
def test_surd_at_0_is_0_with_gradient_infinity_compiled_and_interpreted(expression, k):
    """Wolfram's Surd[0, n] is 0 for every n, its derivative (1/n) x^(1/n - 1) +Infinity there, odd or even n, n a
    constant or an input (whose own gradient, -Surd Log[x] / n^2, tends to 0 there)."""
    module = NetGraph([FunctionLayer(expression)], [], **{p: 2 for p in FunctionLayer(expression).input_ports})
    module = module.compile().double()
    for run in (module, lambda **ports: interpret(module.net, module, **ports)):
        x = torch.tensor([[0.0, -0.0]], dtype=torch.float64, requires_grad=True)
        n = torch.full((1, 2), k, dtype=torch.float64, requires_grad=True)
        y = run(**{"x": x, "n": n} if "#n" in expression else {"x": x})
        dx, dn = torch.autograd.grad(y.sum(), (x, n), allow_unused=True)
        assert y.tolist() == [[0.0, 0.0]] and dx.tolist() == [[math.inf, math.inf]]
        assert dn is None or dn.tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("name", ["ArcCsch", "ArcSech"])
def test_forward_mode_derivative_at_zero_is_the_limit_as_reverse_modes(name):
    """jacfwd gave NaN at 0: the step gate's forward derivative 0 times the Log term's Infinity; now forward and
    reverse mode agree wherever the value is real (-Infinity at 0 and -0.), compiled and interpreted."""
    x = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 1e-18, 0.5, -0.5, 3.0], dtype=torch.float64)
    module = NetGraph([FunctionLayer(f"{name}[#x]")], [], x=x.numel()).compile().double()
    for run in (lambda t: module(t[None])[0], lambda t: interpret(module.net, module, x=t[None])[0]):
        forward, reverse = jacfwd(run)(x).diagonal(), jacrev(run)(x).diagonal()
        assert forward[:2].tolist() == [-math.inf, -math.inf]
        real = ~run(x).isnan()  # ArcSech of x < 0 or x > 1 is complex: NaN
        torch.testing.assert_close(forward[real], reverse[real], rtol=1e-15, atol=0)


@pytest.mark.parametrize("expression", ["Surd[#x, 2]", "Surd[#x, -4]", "Surd[#x, #n]"])
def test_surd_of_a_negative_x_and_an_even_n_has_a_nan_derivative_and_n_derivative_0(expression):
    """Surd of x < 0 at an even n is NaN (Wolfram's Indeterminate), but its derivative by x was 0 (If's constant NaN
    branch passes no gradient): now NaN in both modes, as the value. n is an integer (Wolfram's Surd[x, n] has no
    other), a count: Surd is a step in n, its derivative by n 0 (it was x^(1/n)'s, -Surd Log[x] / n^2), where n is no
    integer too (the value NaN, as Quotient's by 0); by x the closed form (1/n) |x|^(1/n - 1) where the root is real,
    else NaN."""
    ports = FunctionLayer(expression).input_ports
    module = NetGraph([FunctionLayer(expression)], [], **{p: () for p in ports}).compile().double()
    x = torch.tensor([-8.0, -0.5, 8.0, -27.0, 0.5, 16.0, 16.0], dtype=torch.float64)
    k = {"Surd[#x, 2]": 2.0, "Surd[#x, -4]": -4.0}.get(expression)
    n = torch.tensor([k or 2.0] * 3 + ([k] * 4 if k else [3.0, 3.0, 4.0, 2.5]), dtype=torch.float64)
    args = (x, n) if "#n" in expression else (x,)
    real = (n % 2 == 1) | ((n % 2 == 0) & (x >= 0))
    closed = torch.where(real, x.abs() ** (1 / n - 1) / n, math.nan)
    for run in (module, lambda *a: interpret(module.net, module, **dict(zip(ports, a)))):
        assert run(*args).isnan().tolist() == (~real).tolist()
        for jac in (jacfwd, jacrev):
            torch.testing.assert_close(jac(run)(*args).diagonal(), closed, rtol=1e-14, atol=0, equal_nan=True)
            if "#n" in expression:
                dn = jac(run, argnums=1)(*args).diagonal()
                assert dn.tolist() == [0.0] * 7
