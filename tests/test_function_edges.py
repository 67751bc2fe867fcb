"""Named functions at the edges of their domains (±0, ±inf, NaN, poles): the same on both paths, as Wolfram's."""

from __future__ import annotations

import math
import re

import onnx
import onnxruntime as ort
import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, export_onnx, import_onnx, interpret
from netgraph.core.errors import OptionError
from netgraph.layers.expression_indeterminate import IndeterminateWarning


def _both(layer, x: torch.Tensor, port: str = "Input") -> tuple[torch.Tensor, torch.Tensor]:
    module = NetGraph([layer], [], **{port: x.shape[1]}).compile()
    return module(**{port: x}), interpret(module.net, module, **{port: x})


def test_log_gamma_is_nan_below_zero_where_wolframs_is_complex():
    """torch.lgamma gives log|Gamma| there: LogGamma[-0.5] was 1.27, not NaN; LogGamma[-1.5] likewise."""
    x = torch.tensor([[-0.5, -1.5, -2.5, -3.25, -math.inf]], dtype=torch.float64)
    for values in _both(ElementwiseLayer("LogGamma"), x) + _both(FunctionLayer("LogGamma[#x]"), x, "x"):
        assert torch.isnan(values).all(), values


def test_log_gamma_keeps_its_values_poles_and_gradient_where_real():
    x = torch.tensor([[0.5, 1.0, 3.0, 40.0, 1e-30, math.inf]], dtype=torch.float64)
    for values in _both(ElementwiseLayer("LogGamma"), x):
        torch.testing.assert_close(values, torch.lgamma(x))
    poles = torch.tensor([[0.0, -0.0, -1.0, -4.0]], dtype=torch.float64)
    for values in _both(ElementwiseLayer("LogGamma"), poles):  # Wolfram: LogGamma[0] = LogGamma[-1] = Infinity
        assert torch.equal(values, torch.full_like(poles, math.inf))
    module = NetGraph([ElementwiseLayer("LogGamma")], [], Input=3).compile()
    y = torch.tensor([[0.3, 2.0, 7.5]], dtype=torch.float64, requires_grad=True)
    module(y).sum().backward()
    torch.testing.assert_close(y.grad, torch.digamma(y.detach()))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gamma_keeps_its_sign_below_zero_and_its_gradient(dtype):
    """Gamma is built from log|Gamma| (an internal entry), not from LogGamma, which is now NaN below 0."""
    x = torch.tensor([[-2.5, -1.5, -0.5, 0.5, 4.0]], dtype=dtype, requires_grad=True)
    expected = torch.tensor([[math.gamma(v) for v in x[0].tolist()]], dtype=dtype)
    for values in _both(ElementwiseLayer("Gamma"), x):
        torch.testing.assert_close(values, expected)
    NetGraph([ElementwiseLayer("Gamma")], [], Input=5).compile()(x).sum().backward()
    torch.testing.assert_close(x.grad, expected * torch.digamma(x.detach()))


def test_the_internal_entry_cannot_be_named():
    for make in (lambda: FunctionLayer("LogAbsGamma[#x]"), lambda: ElementwiseLayer("LogAbsGamma")):
        with pytest.raises(OptionError, match="unknown function 'LogAbsGamma'"):
            make()


def test_arc_cot_and_arc_sech_of_minus_zero_are_their_values_at_zero():
    """1 / -0.0 is -inf, so ArcCot[-0.0] was -Pi/2 and ArcSech[-0.0] NaN; Wolfram's ArcCot[0] is Pi/2, ArcSech[0] Infinity."""
    x = torch.tensor([[-0.0, 0.0, -2.0, 2.0]], dtype=torch.float64)
    for values in _both(ElementwiseLayer("ArcCot"), x) + _both(FunctionLayer("ArcCot[#x]"), x, "x"):
        torch.testing.assert_close(values, torch.tensor([[math.pi / 2, math.pi / 2, -math.atan(0.5), math.atan(0.5)]],
                                                        dtype=torch.float64))
    for values in _both(ElementwiseLayer("ArcSech"), x[:, :2]):
        assert torch.equal(values, torch.full((1, 2), math.inf, dtype=torch.float64))


def test_sign_and_the_functions_built_on_it_keep_nan():
    """torch.sign(NaN) is 0, so Sign, Unitize and KroneckerDelta of NaN were 0, 0 and 1; Wolfram's are Indeterminate."""
    x = torch.tensor([[math.nan, -0.0, -3.0, math.inf]], dtype=torch.float64)
    expected = {"Sign": [0.0, -1.0, 1.0], "Unitize": [0.0, 1.0, 1.0], "KroneckerDelta": [1.0, 0.0, 0.0]}
    for name, rest in expected.items():
        for values in _both(ElementwiseLayer(name), x) + _both(FunctionLayer(f"{name}[#x]"), x, "x"):
            assert math.isnan(values[0, 0]) and values[0, 1:].tolist() == rest, (name, values)


def test_sech_and_csch_have_finite_gradients_where_cosh_and_sinh_overflow():
    """1 / Cosh[90.] in float32 is 0, but its gradient was NaN (Cosh overflows to inf); 1 / Sinh[90.] likewise."""
    x = torch.tensor([[-90.0, -30.0, -0.5, 1e-30, 0.5, 30.0, 90.0, 1e4]], requires_grad=True)
    d = x.detach().double()
    derivatives = {"Sech": -torch.tanh(d) / torch.cosh(d), "Csch": -1 / (torch.tanh(d) * torch.sinh(d))}
    for name, derivative in derivatives.items():
        module = NetGraph([ElementwiseLayer(name)], [], Input=8).compile()
        for run in (module, lambda v: interpret(module.net, module, Input=v)):
            grad, = torch.autograd.grad(run(x).sum(), x)
            keep = torch.isfinite(derivative.float())  # all but Csch at 1e-30 (-1e60)
            torch.testing.assert_close(grad[keep], derivative.float()[keep], rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_arc_cot_has_the_gradient_minus_one_over_one_plus_x_squared_everywhere(dtype):
    """ArcTan[1/x]'s gradient was NaN at 0 (and below 1e-19 in float32): the chain rule met 0 * inf."""
    values = [0.0, -0.0, 1e-30, -1e-30, 0.3, -0.999, 1.0, -1.0, 1.001, -7.0, 1e30]
    x = torch.tensor([values], dtype=dtype, requires_grad=True)
    module = NetGraph([ElementwiseLayer("ArcCot")], [], Input=len(values)).compile()
    out = module(x)
    out.sum().backward()
    exact = [math.pi / 2 if v == 0 else math.atan(1 / v) for v in values]  # Wolfram's branch, ArcCot[0] = Pi/2
    torch.testing.assert_close(out, torch.tensor([exact], dtype=dtype))
    torch.testing.assert_close(x.grad, torch.tensor([[-1 / (1 + v * v) for v in values]], dtype=dtype))
    assert torch.equal(interpret(module.net, module, Input=x.detach()), out.detach())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cube_root_has_the_gradient_one_third_abs_x_to_the_minus_two_thirds_infinity_at_zero(dtype):
    """Sign[#] Abs[#]^(1/3)'s gradient at 0 was NaN (0 * Infinity through Sign and Abs); the true one is +Infinity,
    torch.pow(x, 1/3)'s at 0 too."""
    values = [0.0, -0.0, 1e-30, -1e-30, 0.125, -0.125, 8.0, -27.0, 1e30]
    x = torch.tensor([values], dtype=dtype, requires_grad=True)
    exact = [math.copysign(abs(v) ** (1 / 3), v) for v in values]
    slope = [math.inf if v == 0 else abs(v) ** (-2 / 3) / 3 for v in values]
    for layer, port in ((ElementwiseLayer("CubeRoot"), "Input"), (FunctionLayer("CubeRoot[#x]"), "x")):
        module = NetGraph([layer], [], **{port: len(values)}).compile()
        for run in (module, lambda v, m=module, p=port: interpret(m.net, m, **{p: v})):
            out = run(x)
            grad, = torch.autograd.grad(out.sum(), x)
            torch.testing.assert_close(out, torch.tensor([exact], dtype=dtype))
            torch.testing.assert_close(grad, torch.tensor([slope], dtype=dtype))
    assert torch.autograd.grad(torch.pow(x[0, 0], 1 / 3), x)[0][0, 0] == math.inf  # torch's convention at 0


def test_a_repeated_subexpression_is_computed_once_in_the_compiled_forward():
    """ArcCot's expansion wrote Min[Floor[Abs[x]], 1] three times in the forward (and its argument six times): each
    one ran. Equal subtrees are now computed once, ``(t := ...)`` then ``t``; -0.0 and 0.0 stay apart."""
    module = NetGraph([ElementwiseLayer("ArcCot")], [], Input=3).compile()
    assert module.code.count("torch.floor") == 1 and module.code.count("torch.abs(Input)") == 1
    text = "Sin[#x] * Sin[#x] + ArcCot[ArcCot[#x + 1]] + (#x + -0.0) * (#x + 0.0) + Exp[Cos[#x]] / Exp[Cos[#x]]"
    module = NetGraph([FunctionLayer(text)], [], x=5).compile()
    assert module.code.count("torch.sin") == 1 and module.code.count("torch.exp") == 1
    assert module.code.count("(x + 1.0)") == 1 and module.code.count("torch.floor") == 2  # one per ArcCot
    x = torch.tensor([[-0.0, 0.0, 0.5, -3.0, 1e30]], dtype=torch.float64, requires_grad=True)
    out = module(x=x)
    ref = interpret(module.net, module, x=x)
    assert torch.equal(out, ref) and torch.equal(torch.signbit(out), torch.signbit(ref))
    grads = [torch.autograd.grad(y.sum(), x)[0] for y in (out, ref)]
    torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=0)


@pytest.mark.parametrize("opset", [9, 17])
def test_arc_sech_of_minus_zero_is_infinity_in_onnxruntime_too(tmp_path, opset):
    """ArcSech was ArcCosh[1 / (# + 0)]: onnxruntime's optimiser drops the + 0 (after another node, here Negative,
    the -0.0 source), so ArcSech[-0.0] gave NaN there."""
    x = torch.tensor([[0.0, -0.0, -0.5, -1.0, -1e-30, 0.5, math.nan]])
    net = NetChain([ElementwiseLayer("Negative"), ElementwiseLayer("ArcSech")], input=7)
    path = export_onnx(net, tmp_path / "s.onnx", opset=opset)
    expected = torch.tensor([[math.inf, math.inf, math.acosh(2.0), 0.0, math.acosh(1e30), math.nan, math.nan]])
    ran = torch.from_numpy(ort.InferenceSession(str(path)).run(None, {"Input": x.numpy()})[0])
    for values in (ran, import_onnx(path)(x), net(x), interpret(net, net.compile(), Input=x)):
        torch.testing.assert_close(values, expected, equal_nan=True)
    y = torch.tensor([[0.2, 0.5, 0.9]], dtype=torch.float64, requires_grad=True)
    NetGraph([ElementwiseLayer("ArcSech")], [], Input=3).compile()(y).sum().backward()
    torch.testing.assert_close(y.grad, -1 / (y.detach() * torch.sqrt(1 - y.detach() ** 2)))


def test_csch_is_one_over_sinh_to_the_last_bits_in_float32_and_exports_as_few_nodes_as_sech_over_tanh(tmp_path):
    """Csch in float32 was 32 units in the last place off near 63 (its Sech / Tanh branch took # + 1 - 1, which
    rounds), and exported twice the ONNX nodes of Sech[#] / Tanh[#] (and ran twice as long); now both as that form's
    or better, the gradient -Coth / Sinh to a few units where Sinh's square overflows float32 (|x| from 45) too."""
    x = torch.linspace(-100, 100, 20001)
    exact = 1 / torch.sinh(x.double())
    normal = exact.abs() >= torch.finfo(torch.float32).tiny
    module = NetGraph([ElementwiseLayer("Csch")], [], Input=()).compile()
    for run in (module, lambda v: interpret(module.net, module, Input=v)):
        xi = x.clone().requires_grad_(True)
        value = run(xi)
        grad, = torch.autograd.grad(value.sum(), xi)
        torch.testing.assert_close(value[normal].double(), exact[normal], rtol=2 * 2.0 ** -23, atol=0)
        torch.testing.assert_close(grad[normal].double(), (-exact / torch.tanh(x.double()))[normal],
                                   rtol=4 * 2.0 ** -23, atol=0)
    nodes = {}
    for form in ("Csch[#x]", "Sech[#x] / Tanh[#x]"):
        path = export_onnx(NetGraph([FunctionLayer(form)], [], x=8), tmp_path / f"{len(nodes)}.onnx")
        nodes[form] = len(onnx.load(str(path)).graph.node)
    assert nodes["Csch[#x]"] <= nodes["Sech[#x] / Tanh[#x]"], nodes


@pytest.mark.parametrize("expression", ["Surd[#x, 2.5]", "Surd[8, 1/2]", "Surd[#x, Infinity]", "Surd[#x, -0.5] + 1"])
def test_surd_of_a_constant_n_that_is_no_integer_is_refused_as_wolframs_is_unevaluated(expression):
    """Wolfram's Surd[x, n] takes an integer n (Surd::int); Surd[#x, 2.5] was x^(1/2.5), and Surd[#x, Infinity] 1."""
    with pytest.raises(OptionError, match=r"'Surd\[.*\]' takes an integer n, as Wolfram's Surd\[x, n\], found n = "):
        FunctionLayer(expression)


@pytest.mark.parametrize("n, shown", [("2.0000001", "2.0000001"), ("-Infinity", "-Infinity"), ("Infinity", "Infinity"),
                                      ("1/3", "0.3333333333333333")])
def test_surd_names_the_n_it_refuses_exactly_as_wolfram_writes_it(n, shown):
    """n = 2.0000001 was written "n = 2" (rounded, an integer), -Infinity "-inf"."""
    with pytest.raises(OptionError, match=rf"found n = {re.escape(shown)}: write"):
        FunctionLayer(f"Surd[#x, {n}]")


def test_surd_of_an_n_from_a_port_that_is_no_integer_is_nan_with_nan_derivatives():
    """Surd[x, n] with n from a port: NaN where n is no integer (2.5, Infinity), value and derivative by x in both
    modes, derivative by n 0 (Surd is a step in n); it was x^(1/n) (x^0 = 1 at Infinity). An integer n keeps the
    real root, 8^(1/3) = 2 with d/dx 1/12."""
    from torch.func import jacfwd, jacrev
    module = NetGraph([FunctionLayer("Surd[#x, #n]")], [], x=(), n=()).compile().double()
    x, n = (torch.tensor(v, dtype=torch.float64) for v in ([8.0, 8.0, 0.5, -8.0, 8.0], [2.5, math.inf, 0.5, 3.0, 3.0]))
    assert module(x, n)[:3].isnan().all() and module(x, n)[3:].tolist() == [-2.0, 2.0]
    for jac in (jacfwd, jacrev):
        assert jac(module)(x, n).diagonal()[:3].isnan().all()
        assert jac(module, argnums=1)(x, n).diagonal().tolist() == [0.0] * 5  # a step in n (a count), as Quotient's
        assert jac(module)(x, n).diagonal()[3:].tolist() == pytest.approx([1 / 12, 1 / 12], rel=1e-15)


@pytest.mark.parametrize("expression, part", [("Mod[3, 0] + #x", "Mod[3, 0]"), ("Mod[#x, 0]", "Mod[#x, 0]"),
                                              ("#x + Mod[#x, 1 - 1]", "Mod[#x, 1 - 1]"), ("Mod[#x, -0.]", None)])
def test_mod_by_a_constant_0_is_nan_warned_of_as_indeterminate_whatever_m(expression, part):
    """Wolfram's Mod[m, 0] is Indeterminate whatever m (Quotient[m, 0] is ComplexInfinity, refused): NaN of the
    output's shape, with NaN derivatives, and an IndeterminateWarning naming the part, as 0/0's (Mod[#x, 0] was a
    silent layer of NaNs with derivative 1)."""
    with pytest.warns(IndeterminateWarning) as caught:
        layer = FunctionLayer(expression)
    assert [w.message.part for w in caught] == [part or expression]
    module = NetGraph([layer], [], x=3).compile().double()
    x = torch.tensor([[1.0, -2.0, 0.0], [5.0, float("inf"), -0.0]], dtype=torch.float64, requires_grad=True)
    for run in (module, lambda a: interpret(module.net, module, a)):
        y = run(x)
        assert y.shape == (2, 3) and y.isnan().all()
        gradient = torch.autograd.grad(y.sum(), x)[0]
        assert gradient.isnan().all() if "#x, " in expression else gradient.eq(1).all()  # Mod[3, 0] + #x: by #x 1


def test_mod_by_0_from_a_port_is_nan_with_nan_derivatives_in_both_modes_compiled_and_interpreted():
    """Mod[m, n] at an n = 0 from a port is NaN (Wolfram's Indeterminate), but its derivative by m was 1 (remainder's);
    now NaN in both modes, by n too, as the value; elsewhere 1 by m and -Floor[m/n] by n, as before."""
    from torch.func import jacfwd, jacrev
    module = NetGraph([FunctionLayer("Mod[#m, #n]")], [], m=(), n=()).compile().double()
    m, n = (torch.tensor(v, dtype=torch.float64)
            for v in ([5.0, -5.0, 0.0, 7.0, -7.0, 2.5], [0.0, -0.0, 0.0, 2.0, 2.0, -1.0]))
    for run in (module, lambda a, b: interpret(module.net, module, m=a, n=b)):
        assert run(m, n)[:3].isnan().all() and run(m, n)[3:].tolist() == [1.0, 1.0, -0.5]
        for jac in (jacfwd, jacrev):
            dm, dn = (jac(run, argnums=i)(m, n).diagonal() for i in (0, 1))
            assert dm[:3].isnan().all() and dn[:3].isnan().all()
            assert dm[3:].tolist() == [1.0] * 3 and dn[3:].tolist() == [-3.0, 4.0, 3.0]


def test_csch_gradient_at_the_meeting_of_its_two_forms_is_the_derivative_in_both_modes():
    """Csch is 1/Sinh[x] up to |x| = L = 40 + 2^-16 and Exp[L - |x|] / Sinh[L Sign[x]] beyond; both clips (Min/Max,
    hardtanh) had gradient 0 at the bound, so its gradient at exactly +-L was 0. Sinh's clip is now torch's clamp,
    gradient 1 at the bound: -Cosh[L] / Sinh[L]^2 there, in both modes, compiled and interpreted."""
    from torch.func import jacfwd, jacrev
    bound = 40 + 2.0 ** -16
    x = torch.tensor([bound, -bound, bound + 1, 1.5], dtype=torch.float64)
    closed = [-math.cosh(v) / math.sinh(v) ** 2 for v in x.tolist()]
    module = NetGraph([ElementwiseLayer("Csch")], [], Input=()).compile().double()
    for run in (module, lambda t: interpret(module.net, module, Input=t)):
        for jac in (jacfwd, jacrev):
            torch.testing.assert_close(jac(run)(x).diagonal(), torch.tensor(closed, dtype=torch.float64),
                                       rtol=4e-16, atol=0)
        x32 = x.float().requires_grad_(True)
        run(x32).sum().backward()
        torch.testing.assert_close(x32.grad, torch.tensor(closed, dtype=torch.float32), rtol=4 * 2.0 ** -23, atol=0)
