"""Expressions read as Wolfram reads them: a '[' after no function is no grouping, a line break outside brackets ends
an expression, Gamma's poles are one refusal, and KroneckerDelta and UnitStep take any number of arguments."""

from __future__ import annotations

import math
import re
import warnings

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, OptionError, net_initialize
from netgraph.layers.expression_indeterminate import IndeterminateWarning
from tests.layer_families._helpers import three_way


@pytest.mark.parametrize("text, column", [("[#x]", 1), ("[#x, #x]", 1), ("[#x] + 1", 1), ("2 * [#x]", 5),
                                          ("Max[#x, [#y]]", 9)])
def test_a_bracket_after_no_function_or_value_is_refused_alike(text, column):
    with pytest.raises(OptionError, match=rf"expression {re.escape(repr(text))} at column {column}: '\[' must follow "
                                          r"a function or a value \(Sin\[#x\], #x\[\[1\]\]\): group with \( \)"):
        FunctionLayer(text)


@pytest.mark.parametrize("text, right", [("#x\n+1", "+1"), ("#x\n* 2", "* 2"), ("Sin[#x]\r\n- #y", "- #y"),
                                         ("#x\n== 1", "== 1")])
def test_an_operator_starting_a_line_after_a_whole_expression_is_refused(text, right):
    with pytest.raises(OptionError, match=rf"ends a line and {re.escape(right)} starts the next: Wolfram ends an "
                                          r"expression at a line break outside brackets"):
        FunctionLayer(text)


@pytest.mark.parametrize("text", ["#x +\n1", "(#x\n+ 1)", "Plus[#x\n, 1]", "\n#x + 1\n"])
def test_a_line_break_where_the_expression_goes_on_is_a_space(text):
    three_way(NetGraph([FunctionLayer(text)], [], x=3), lambda m, x: x + 1, x=torch.tensor([[1.0, -2.0, 0.5]]))


@pytest.mark.parametrize("text", ["Gamma[0]", "Gamma[-1]", "Gamma[-7]", "Gamma[1 - 1]"])
def test_a_pole_of_gamma_is_one_refusal(text):
    with pytest.raises(OptionError, match=r"a constant is at a pole of Gamma, 0 or a negative integer \(Wolfram's "
                                          r"Gamma is ComplexInfinity there"):
        FunctionLayer(f"#x + {text}")


@pytest.mark.parametrize("pole, value", [("0", 0.0), ("-0.0", -0.0), ("-2", -2.0), ("1 - 3", -2.0)])
def test_log_gamma_of_a_constant_pole_is_infinity_as_of_a_port_there(pole, value):
    """LogGamma[0] was refused as Gamma[0] is; Wolfram's is Infinity (Gamma's ComplexInfinity), and the layer gives
    +inf for a port's value at a pole, as Log[0] is -Infinity folded and -inf for a port's 0."""
    three_way(NetGraph([FunctionLayer(f"#x + LogGamma[{pole}] + LogGamma[#y]")], [], x=1, y=1),
              lambda m, x, y: x + math.inf, x=torch.tensor([[1.0]]), y=torch.tensor([[2.0]]))
    three_way(NetGraph([FunctionLayer("#x * 0 + LogGamma[#y]")], [], x=1, y=1),
              lambda m, x, y: x + math.inf, x=torch.tensor([[1.0]]), y=torch.tensor([[value]]))


def test_gamma_between_its_poles_stays_a_number():
    three_way(NetGraph([FunctionLayer("#x + Gamma[-2.5]")], [], x=1),
              lambda m, x: x + math.gamma(-2.5), x=torch.tensor([[1.0]]))


X = torch.tensor([[1.0, 2.0, 2.0, -1.0, math.inf, 0.0]])
Y = torch.tensor([[1.0, 2.0, 3.0, -1.0, math.inf, -0.0]])
Z = torch.tensor([[1.0, 2.0, 2.0, 5.0, math.inf, 0.0]])


@pytest.mark.parametrize("text, hand", [
    ("KroneckerDelta[#x, #y]", lambda x, y, z: (x == y).float()),
    ("KroneckerDelta[#x, #y, #z]", lambda x, y, z: ((x == y) & (y == z)).float()),
    ("KroneckerDelta[#x, 2, #z, 2]", lambda x, y, z: ((x == 2) & (z == 2)).float()),
    ("UnitStep[#x, #y]", lambda x, y, z: ((x >= 0) & (y >= 0)).float()),
    ("UnitStep[#x, #y, #z - 3]", lambda x, y, z: ((x >= 0) & (y >= 0) & (z >= 3)).float())])
def test_kronecker_delta_and_unit_step_take_any_number_of_arguments(text, hand):
    layer, given = FunctionLayer(text), {"x": X, "y": Y, "z": Z}
    inputs = {port: given[port] for port in layer.input_ports}
    three_way(NetGraph([layer], [], **{port: 6 for port in inputs}), lambda m, **v: hand(**{**given, **v}), **inputs)


@pytest.mark.parametrize("text, value", [("KroneckerDelta[1, 1, 1]", 1.0), ("KroneckerDelta[1, 1, 2]", 0.0),
                                         ("UnitStep[1, 0, 2]", 1.0), ("UnitStep[1, -1]", 0.0)])
def test_kronecker_delta_and_unit_step_of_constants_fold(text, value):
    three_way(NetGraph([FunctionLayer(f"#x + {text}")], [], x=1), lambda m, x: x + value, x=torch.tensor([[0.5]]))


@pytest.mark.parametrize("text", ["KroneckerDelta[#x, Indeterminate]", "UnitStep[#x, Indeterminate]"])
def test_a_nan_argument_gives_nan_as_the_one_argument_forms_do(text):
    net = NetGraph([FunctionLayer(text)], [], x=1)
    assert torch.isnan(net.compile()(torch.tensor([[1.0]]))).all()


@pytest.mark.parametrize("text", ["KroneckerDelta[]", "UnitStep[]"])
def test_kronecker_delta_and_unit_step_of_nothing_are_refused_with_the_count(text):
    with pytest.raises(OptionError, match=rf"{text[:-2]} takes 1 or more arguments, found 0"):
        FunctionLayer(f"#x + {text}")


@pytest.mark.parametrize("text, hand", [("#[[1]]", lambda x: x[:, 0]), ("#[[-1]] &", lambda x: x[:, -1]),
                                        ("#[[2;;]] &", lambda x: x[:, 1:]), ("#1[[1]] + #2[[-1]] &", None)])
def test_a_bare_slot_takes_a_part_as_in_wolfram(text, hand):
    x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 7.0]])
    layer = FunctionLayer(text)
    inputs = {port: x for port in layer.input_ports}
    hand = hand or (lambda x: x[:, 0] + x[:, -1])
    three_way(NetGraph([layer], [], **{port: 3 for port in inputs}), lambda m, **v: hand(x), **inputs)


@pytest.mark.parametrize("text, shown", [("#x\n+ 1", "#x⏎+ 1"), ("Sin[#x]\r\n- #y", "Sin[#x] ⏎- #y"),
                                         ("#x\r+1", "#x⏎+1")])
def test_the_excerpt_of_an_operator_starting_a_line_draws_the_break(text, shown):
    with pytest.raises(OptionError) as info:
        FunctionLayer(text)
    excerpt, caret = str(info.value).splitlines()[-2:]
    assert excerpt == f"    {shown}" and caret.index("^") == excerpt.index(shown.split("⏎")[1][0])


@pytest.mark.parametrize("text", ["#^2\n&", "#x + 1\r\n  &", "Sin[#]\n\n&"])
def test_a_closing_ampersand_alone_on_the_next_line_is_refused(text):
    with pytest.raises(OptionError, match=r"& starts a line after a whole expression: Wolfram ends an expression at a "
                                          r"line break outside brackets"):
        FunctionLayer(text)


@pytest.mark.parametrize("text", ["#^2 &\n", "(#^2\n) &", "#^2 +\n1 &"])
def test_a_closing_ampersand_on_the_last_line_is_read(text):
    assert FunctionLayer(text).input_ports == ("Input",)


def _log_gamma_of(constant: str) -> torch.Tensor:
    """The outputs of ``#x * 0 + LogGamma[constant]`` and of ``LogGamma[#y]`` at the constant's value, side by side."""
    value = {"Indeterminate": math.nan, "-Infinity": -math.inf}[constant]
    folded = net_initialize(NetGraph([FunctionLayer(f"#x * 0 + LogGamma[{constant}]")], [], x=1), seed=0)
    ported = net_initialize(NetGraph([FunctionLayer("LogGamma[#y]")], [], y=1), seed=0)
    return torch.cat([folded(torch.tensor([[1.0]])), ported(torch.tensor([[value]]))], dim=-1)


def test_log_gamma_of_indeterminate_is_nan_unwarned_as_sin_of_it():
    """It was refused as 'not a real number'; Wolfram's LogGamma[Indeterminate] is Indeterminate, as Sin's: NaN, with
    no warning (Indeterminate was written), as a port's NaN gives."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _log_gamma_of("Indeterminate").isnan().tolist() == [[True, True]]


def test_log_gamma_of_minus_infinity_is_indeterminate_as_gamma_of_it():
    """It was refused as 'not a real number'; it is noted indeterminate (NaN, warned), as Gamma[-Infinity] is and as
    a port's -inf gives NaN."""
    with pytest.warns(IndeterminateWarning, match=r"LogGamma\[-Infinity\] is indeterminate"):
        outputs = _log_gamma_of("-Infinity")
    assert outputs.isnan().tolist() == [[True, True]]
    with pytest.warns(IndeterminateWarning, match=r"Gamma\[-Infinity\] is indeterminate"):
        FunctionLayer("#x + Gamma[-Infinity]")


@pytest.mark.parametrize("constant, ported, message", [
    ("Surd[Indeterminate, 0]", "Surd[#y, 0]", "a constant divides by 0"),
    ("Log[-1, Indeterminate]", "Log[-1, #y]", "a constant is not a real number")])
def test_an_indeterminate_argument_keeps_the_refusal_of_the_other_arguments(constant, ported, message):
    """LogGamma's NaN shortcut skipped every definition's refusal: an Indeterminate argument is refused as a port's."""
    for text in (f"#x * 0 + {constant}", ported):
        with pytest.raises(OptionError, match=message):
            FunctionLayer(text)
