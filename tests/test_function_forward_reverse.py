"""Every function of the function table, by forward mode (``torch.func.jacfwd``) and reverse mode (``jacrev``), in
float64 at domain edges (0, -0., +-1, negative, tiny, subnormal, large, Gamma's poles): the two agree where both
are finite, and are the same kind of non-finite number (NaN, Infinity, -Infinity) where either is not; both match a
central difference where the function is finite and smooth; and the compiled forward and the interpreter give
the same values and derivatives. The table itself is walked, so that a function it gains is checked too."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import scipy.special
import torch
from torch.func import jacfwd, jacrev

from netgraph import FunctionLayer, NetGraph, interpret
from netgraph.layers.expression import parse
from netgraph.layers.expression_steps import cut_steps
from netgraph.layers.function_table import NAMED_FUNCTIONS, OPERATORS, OTHER_FORMS_OF

ONE_ARGUMENT = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 0.3, -0.7, 2.0, -2.0, 3.0, -3.0, -2.5, 7.25, 1e-18, 1e-30, -1e-30,
                1e-300, -1e-300, 5e-324, 1e10, -1e10, 1e300, -1e300]
TWO_ARGUMENTS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 1e-30, 1e10, -1e10]
INTEGERS = [1.0, 2.0, 3.0, -1.0, -2.0, 5.0]  # Surd's n: an integer (Wolfram's Surd[x, n] is defined for no other)
THREE_ARGUMENTS = [0.0, -0.0, 1.0, -2.0, 0.5, 1e10]
INF, NAN = float("inf"), float("nan")

# Documented exceptions, torch's own: F.softsign is x / (1 + |x|), and at |x| = 10^10 both modes' derivatives are a
# difference of two terms near 10^-10 (each right to ~10^-7 relative only, differently rounded), so equal to 10^-6
ROUNDING = {"SoftSign": 1e-6}


def _entries() -> list[tuple[str, int]]:
    """(name, arity) of each entry of the table once (synonyms share one), and of its other forms (Log[b, x],
    Mod[m, n, d])."""
    unique = {id(entry): (entry.name, entry.arity) for entry in NAMED_FUNCTIONS.values()}
    return [*unique.values(), *((name, form.arity) for name, forms in OTHER_FORMS_OF.items() for form in forms)]


def _grid(name: str, arity: int) -> list[torch.Tensor]:
    """Each argument's column of the grid of points (all combinations for two or three arguments)."""
    if arity == 1:
        return [torch.tensor(ONE_ARGUMENT, dtype=torch.float64)]
    axes = [THREE_ARGUMENTS] * 3 if arity == 3 else [TWO_ARGUMENTS, INTEGERS if name == "Surd" else TWO_ARGUMENTS]
    return [torch.tensor(column, dtype=torch.float64) for column in zip(*itertools.product(*axes))]


def _runs(name: str, arity: int, expression: str | None = None) -> dict:
    """The function (or ``expression`` of ports p0, p1, ...) on a batch of numbers, compiled and interpreted (ports
    of scalars: the batch is the grid)."""
    ports = [f"p{i}" for i in range(arity)]
    expression = expression or f"{name}[{', '.join('#' + p for p in ports)}]"
    module = NetGraph([FunctionLayer(expression)], [], **{p: () for p in ports}).compile().double()
    return {"compiled": module,
            "interpreted": lambda *xs: interpret(module.net, module, **dict(zip(ports, xs)))}


def _kind(t: torch.Tensor) -> torch.Tensor:
    """0 for NaN, 1 for a finite number, +-2 for +-Infinity."""
    return torch.where(t.isnan(), 0, torch.where(t.isinf(), 2 * t.sign().long(), 1))


def _smooth_difference(run, xs: list[torch.Tensor], i: int, derivative: torch.Tensor) -> None:
    """A central difference of argument ``i`` matches ``derivative`` where the function is finite and smooth near
    each point: the derivative a step h either side is about the same (no kink, no pole between), and so are the
    differences of step h and h/2 (no jump); points of arguments up to 1000 (a step of Sin[10^10] is no small one)."""
    h = torch.where(xs[i] == 0, 1e-6, 1e-6 * xs[i].abs())

    def moved(step: torch.Tensor) -> list[torch.Tensor]:
        return [x + step if j == i else x for j, x in enumerate(xs)]

    def difference(step: torch.Tensor) -> torch.Tensor:
        return (run(*moved(step)) - run(*moved(-step))) / (2 * step)

    near = [jacfwd(run, argnums=i)(*moved(step)).diagonal() for step in (h, -h)]
    wide, narrow = difference(h), difference(h / 2)
    smooth = (torch.stack(xs).abs() <= 1000).all(0) & wide.isfinite() & derivative.isfinite()
    for other in (narrow, *near):
        smooth &= (other - derivative).abs() <= 1e-4 * derivative.abs().clamp_min(1)
    torch.testing.assert_close(wide[smooth], derivative[smooth], rtol=1e-5, atol=1e-6)


def _differ(forward: torch.Tensor, reverse: torch.Tensor, rtol: float) -> torch.Tensor:
    """Where the two derivatives are different kinds of number, or finite and not equal but for rounding."""
    return (_kind(forward) != _kind(reverse)) | (forward.isfinite() & ~torch.isclose(forward, reverse, rtol, 0))


@pytest.mark.parametrize("name, arity", _entries())
def test_forward_and_reverse_mode_agree_compiled_and_interpreted(name, arity):
    xs = _grid(name, arity)
    results = {}
    for way, run in _runs(name, arity).items():
        value = run(*xs)
        for i in range(arity):
            forward = jacfwd(run, argnums=i)(*xs).diagonal()
            reverse = jacrev(run, argnums=i)(*xs).diagonal()
            differ = _differ(forward, reverse, ROUNDING.get(name, 1e-12))
            assert not differ.any(), (way, i, [[x[k].item() for x in xs] for k in differ.nonzero().flatten()],
                                      forward[differ], reverse[differ])
            _smooth_difference(run, xs, i, forward)
            results[way, i] = forward
        results[way] = value
    for key in [None, *range(arity)]:  # the compiled forward and the interpreter: the same numbers
        compiled, interpreted = (results[("compiled", key) if key is not None else "compiled"],
                                 results[("interpreted", key) if key is not None else "interpreted"])
        torch.testing.assert_close(compiled, interpreted, rtol=0, atol=0, equal_nan=True)


def test_a_step_beside_other_parts_is_a_constant_in_both_modes_and_a_whole_step_keeps_gradient_zero():
    """Ceiling[x + 1/2] Log[x] at 0: forward mode's product rule gave Ceiling's zero tangent times Log[0] (0 times
    -Infinity, NaN) where reverse mode gave the limit Infinity; now both give it. Floor[#x] alone stays attached:
    gradient 0."""
    x = torch.tensor([0.0, 1.0, 0.25], dtype=torch.float64)
    runs = _runs("", 1, "Ceiling[#p0 + 1/2] * Log[#p0]")
    for run in runs.values():
        assert jacfwd(run)(x).diagonal().tolist() == jacrev(run)(x).diagonal().tolist() == [float("inf"), 2.0, 4.0]
    assert ".detach()" in runs["compiled"].code
    for run in _runs("Floor", 1).values():
        xi = x.clone().requires_grad_(True)
        run(xi).sum().backward()
        assert xi.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("expression, points, derivatives", [
    ("UnitStep[#p0] * Gamma[#p0]", [0.0, 1.0], [-float("inf"), -0.5772156649015329]),
    ("Sign[#p0] * Log[#p0]", [-2.0, 1.0, 0.5], [0.5, 1.0, 2.0]),
    ("Unitize[#p0] * Log[#p0]", [-2.0, 1.0], [-0.5, 1.0]),
    ("KroneckerDelta[#p0] * Log[#p0]", [0.0, 1.0], [float("inf"), 0.0])])
def test_sign_and_unit_step_are_steps_beside_other_parts_and_keep_nan(expression, points, derivatives):
    """Sign, UnitStep, Unitize and KroneckerDelta (whose definitions add 0 * Min[Abs[#], 1] to keep a NaN) are
    steps: forward mode gave NaN (Sign[-2] Log[-2]'s 0 tangent times Log's NaN) where reverse mode gave 0.5, and
    both NaN for UnitStep[x] Gamma[x] at 0; both now give the derivative of the other factor times the step's
    value. A NaN argument still gives NaN."""
    x = torch.tensor(points, dtype=torch.float64)
    for run in _runs("", 1, expression).values():
        assert jacfwd(run)(x).diagonal().tolist() == jacrev(run)(x).diagonal().tolist() == pytest.approx(derivatives)
        assert run(torch.tensor([float("nan")], dtype=torch.float64)).isnan().all()


@pytest.mark.parametrize("expression, derivatives", [
    ("Total[Ceiling[#x + 1/2]] * Log[#x]", [float("inf"), 4.0, 16.0]),
    ("Mean[Ceiling[#x + 1/2]] * Log[#x]", [float("inf"), 4 / 3, 16 / 3]),
    ("Part[Ceiling[#x + 1/2], 2] * Log[#x]", [float("inf"), 2.0, 8.0]),
    ("Dot[Ceiling[#x + 1/2], Ceiling[#x + 1/2]] * Log[#x]", [float("inf"), 6.0, 24.0]),
    ("Max[Floor[#x]] * Log[#x]", [float("inf"), 1.0, 4.0])])
def test_a_whole_array_function_of_steps_is_a_step(expression, derivatives):
    """Total, Mean, Part, Dot and Max of steps are steps: forward mode gave Total's zero tangent times Log[0], NaN,
    where reverse mode gave Infinity."""
    x = torch.tensor([[0.0, 1.0, 0.25]], dtype=torch.float64)
    module = NetGraph([FunctionLayer(expression)], [], x=(3,)).compile().double()
    for run in (module, lambda t: interpret(module.net, module, x=t)):
        forward, reverse = (jac(run)(x).reshape(3, 3).diagonal().tolist() for jac in (jacfwd, jacrev))
        assert forward == reverse == pytest.approx(derivatives)


def test_a_step_under_a_whole_array_function_is_cut_and_a_whole_step_keeps_gradient_zero():
    """Dot[Floor[#x], Log[#y]] by x: forward mode gave Floor's zero tangent times Log[0], NaN, where reverse mode gave
    0. Total[Floor[#x]] alone stays attached: gradient 0."""
    x, y = (torch.tensor([values], dtype=torch.float64) for values in ([0.5, 1.0, 0.25], [0.0, 1.0, 2.0]))
    module = NetGraph([FunctionLayer("Dot[Floor[#x], Log[#y]]")], [], x=(3,), y=(3,)).compile().double()
    for run in (module, lambda a, b: interpret(module.net, module, x=a, y=b)):
        assert jacfwd(run)(x, y).flatten().tolist() == jacrev(run)(x, y).flatten().tolist() == [0.0] * 3
    module = NetGraph([FunctionLayer("Total[Floor[#x]]")], [], x=(3,)).compile().double()
    for run in (module, lambda t: interpret(module.net, module, x=t)):
        xi = x.clone().requires_grad_(True)
        run(xi).sum().backward()
        assert xi.grad.tolist() == [[0.0] * 3]


def test_the_readme_names_every_named_function_that_is_a_step():
    """The README's list of steps missed Quotient (Round of a quotient): each function of the table that is a step
    (detached beside Exp) is named there."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    listed = readme.split("compiled or interpreted: a step (", 1)[1].split(") is", 1)[0]
    for name, entry in NAMED_FUNCTIONS.items():
        tree = parse(f"{name}[{', '.join(['#x'] * entry.arity)}] * Exp[#x]").tree
        if entry.arity and name not in OPERATORS and id(tree[2]) in cut_steps(tree):
            assert f"`{name}`" in listed, name


@pytest.mark.parametrize("name", ["Gamma", "LogGamma"])
def test_gamma_at_minus_zero_is_gamma_at_zero_in_both_modes(name):
    """-0. reads as 0: Gamma's and LogGamma's derivative at -0. was +Infinity (torch.digamma(-0.)), at 0 -Infinity;
    now -Infinity at both, forward and reverse, and the value +Infinity at both."""
    x = torch.tensor([0.0, -0.0], dtype=torch.float64)
    for run in _runs(name, 1).values():
        assert run(x).tolist() == [float("inf")] * 2
        for jac in (jacfwd, jacrev):
            assert jac(run)(x).diagonal().tolist() == [-float("inf")] * 2


def test_gamma_at_its_poles_has_the_derivative_of_its_value_there_in_both_modes():
    """Gamma at a pole -n is its limit from the right, (-1)^n Infinity (Gamma ~ (-1)^n / (n! (x + n))), as at 0; its
    derivative there was NaN (torch.digamma(-n)) beside the value -Infinity at -1: it is now that limit's,
    -(-1)^n Infinity (Gamma' ~ -(-1)^n / (n! (x + n)^2)), forward and reverse."""
    poles = [0.0, -0.0, -1.0, -2.0, -3.0, -6.0]
    x = torch.tensor(poles, dtype=torch.float64)
    signs = [(-1.0) ** int(-n) for n in poles]
    for run in _runs("Gamma", 1).values():
        assert run(x).tolist() == [s * float("inf") for s in signs]
        for jac in (jacfwd, jacrev):
            assert jac(run)(x).diagonal().tolist() == [-s * float("inf") for s in signs]


def test_log_gamma_has_a_nan_derivative_where_its_value_is_nan_and_the_limit_at_poles():
    """LogGamma of a negative non-integer (and of -Infinity) is NaN (Wolfram's is complex), but its derivative was
    torch.digamma's finite number there; it is now NaN in both modes. At a pole -n its value is Infinity and its
    derivative the limit from the right, -Infinity (log|Gamma| ~ -Log[x + n]), as at 0 (it was NaN); elsewhere it
    is digamma (scipy's psi)."""
    nan_points = torch.tensor([-0.5, -1.5, -2.5, -3.25, -1e10 - 0.5, -float("inf")], dtype=torch.float64)
    poles = torch.tensor([0.0, -0.0, -1.0, -2.0, -5.0], dtype=torch.float64)
    real = torch.tensor([0.25, 1.0, 2.5, 40.0, 1e-30], dtype=torch.float64)
    for run in _runs("LogGamma", 1).values():
        assert run(nan_points).isnan().all()
        assert run(poles).tolist() == [float("inf")] * 5
        for jac in (jacfwd, jacrev):
            assert jac(run)(nan_points).diagonal().isnan().all()
            assert jac(run)(poles).diagonal().tolist() == [-float("inf")] * 5
            torch.testing.assert_close(jac(run)(real).diagonal(), torch.tensor(scipy.special.psi(real.numpy())),
                                       rtol=1e-14, atol=0)


def test_log_gamma_tests_for_a_pole_once():
    """LogGamma's definition compared # with Min[Floor[#], 0] twice: for its pole and again for its NaN below 0."""
    code = NetGraph([FunctionLayer("LogGamma[#x]")], [], x=4).compile().code
    assert code.count(" == ") == 1 and code.count("hardtanh(") == 1, code


def test_quotient_by_zero_is_nan_with_a_step_derivative_0_in_both_modes():
    """Quotient[m, 0] is Wolfram's ComplexInfinity, which has no sign: NaN. Quotient is a step, and its derivative
    was 0 there in forward mode (torch.round's tangent) but NaN in reverse mode (Round's zero gradient divided by
    the 0 inside); now 0 in both, as Floor's at NaN and Quotient's beside other parts (cut there)."""
    m, n = (torch.tensor(v, dtype=torch.float64) for v in ([1.0, 0.0, -1.0, 7.0, -0.0], [0.0, 0.0, -0.0, 2.0, 0.0]))
    for run in _runs("Quotient", 2).values():
        assert run(m, n)[[0, 1, 2, 4]].isnan().all() and run(m, n)[3] == 3
        for jac in (jacfwd, jacrev):
            for i in (0, 1):
                assert jac(run, argnums=i)(m, n).diagonal().tolist() == [0.0] * 5


def test_arc_sech_below_zero_has_a_nan_derivative_where_its_value_is_nan():
    """ArcSech of x < 0 is NaN (Wolfram's is complex), but for x in [-1, 0) it took torch.acosh of 1/x <= -1, whose
    gradient 1/Sqrt[y^2 - 1] is finite there (-2.31 at -0.5): now NaN in both modes, as at x > 1 and x < -1; in its
    domain the closed form -1/(x Sqrt[1 - x^2])."""
    outside = torch.tensor([-0.5, -1.0, -0.25, -1e-10, -1e-30, -2.0, 2.0], dtype=torch.float64)
    inside = torch.tensor([0.5, 0.25, 1e-10, 0.999], dtype=torch.float64)
    for run in _runs("ArcSech", 1).values():
        assert run(outside).isnan().all()
        for jac in (jacfwd, jacrev):
            assert jac(run)(outside).diagonal().isnan().all()
            # to 1e-13: torch.acosh's backward takes y^2 - 1 at y = 1/x near 1 (1.8e-14 off at 0.999)
            closed_form = -1 / (inside * ((1 - inside) * (1 + inside)).sqrt())
            torch.testing.assert_close(jac(run)(inside).diagonal(), closed_form, rtol=1e-13, atol=0)


@pytest.mark.parametrize("expression, values", [
    ("Quotient[#p0, #p1]", [NAN, NAN, NAN, NAN, 0.0, NAN, 3.0, 0.0, NAN]),
    ("Floor[#p0 / #p1] + Round[#p1 * #p0]", [NAN, NAN, NAN, -INF, INF, NAN, 17.0, -0.0, INF])])
def test_a_whole_step_through_an_operator_has_derivative_0_in_both_modes_at_infinite_and_nan_inputs(expression, values):
    """A whole expression that is Quotient kept its division's gradient path: at an infinite or NaN m or n reverse
    mode passed Round's zero gradient through the division (0 / NaN, 0 * Infinity: NaN) where forward mode gave 0.
    It now runs on detached inputs, attached again by an exact 0: derivative 0 in both modes, the value unchanged
    (the same bits, -0. too), and backward gives each input a zero gradient."""
    m = torch.tensor([INF, 5.0, NAN, -INF, 5.0, INF, 7.0, -0.0, 1.0], dtype=torch.float64)
    n = torch.tensor([0.0, NAN, 2.0, 3.0, INF, INF, 2.0, 3.0, 0.0], dtype=torch.float64)
    runs = _runs("", 2, expression)
    expected = runs["compiled"](m, n)
    for run in runs.values():
        assert run(m, n).view(torch.int64).tolist() == expected.view(torch.int64).tolist()
        for jac in (jacfwd, jacrev):
            for i in (0, 1):
                assert jac(run, argnums=i)(m, n).diagonal().tolist() == [0.0] * len(m)
        mi, ni = m.clone().requires_grad_(True), n.clone().requires_grad_(True)
        run(mi, ni).sum().backward()
        assert mi.grad.tolist() == ni.grad.tolist() == [0.0] * len(m)
    torch.testing.assert_close(expected, torch.tensor(values, dtype=torch.float64), rtol=0, atol=0, equal_nan=True)
    signs = [bool(b) for b, v in zip(expected.signbit(), values) if v == v]  # -0. kept
    assert signs == [str(v)[0] == "-" for v in values if v == v]
