"""Wolfram's sign tests (Negative, NonNegative, Positive, NonPositive, PossibleZeroQ) and Threshold and Chop
(QA, Wolfram's docs): Negative[x] is -x here (old specs), so If[Negative[#], 1, 0] silently gave 1 for positive
inputs; the others were 'unknown function' with a misleading did-you-mean 'Negative'. Each is refused naming the
comparison that writes it, and that comparison computes Wolfram's test."""

from __future__ import annotations

import re

import pytest
import torch

import netgraph
from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, net_initialize
from netgraph.layers.expression import ExpressionError
from netgraph.layers.expression_errors import APPLIED_FUNCTION as APPLIED

X = torch.tensor([-2.0, -1e-12, 0.0, 3e-11, 0.5, 2.0])


def _refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        ElementwiseLayer(text)
    return str(info.value).splitlines()[0]


def _elementwise(text: str) -> torch.Tensor:
    return net_initialize(ElementwiseLayer(text))(X)


@pytest.mark.parametrize("text", ["If[Negative[#], 1, 0]", "Boole[Negative[#]]", "If[Negative[#x - 1], #x, 0]",
                                  "Function[x, Boole[Negative[x]]]"])
def test_negative_read_as_a_test_is_refused_pointing_to_the_comparison(text):
    message = _refusal(text)
    assert "Negative[x] is -x here" in message and "write x < 0" in message, message


def test_negative_as_arithmetic_is_still_minus_x():
    assert torch.equal(_elementwise("Negative[#]"), -X)
    assert torch.equal(_elementwise("If[# > 0, Negative[#], 0]"), torch.where(X > 0, -X, torch.zeros(())))
    assert torch.equal(_elementwise("If[# < 0, 1, 0]"), (X < 0).float())  # the refusal's advice


#: Wolfram's definition of each, on X
WOLFRAM = {"NonNegative[#]": (X >= 0).float(), "Positive[#]": (X > 0).float(), "NonPositive[#]": (X <= 0).float(),
           "PossibleZeroQ[#]": (X == 0).float(), "Threshold[#, 0.5]": torch.where(X.abs() < 0.5, 0.0, X),
           "Chop[#]": torch.where(X.abs() < 1e-10, 0.0, X), "Chop[#, 0.5]": torch.where(X.abs() < 0.5, 0.0, X)}


#: d in the rewrite of each
D = {"Threshold[#, 0.5]": "0.5", "Chop[#, 0.5]": "0.5", "Chop[#]": "10^-10"}


@pytest.mark.parametrize("text", list(WOLFRAM))
def test_a_wolfram_test_is_refused_with_a_rewrite_that_computes_it(text):
    message = _refusal(text).replace("#x", "#")
    assert "did you mean" not in message and "unknown function" not in message, message
    written = re.search(rf"{text.split('[')[0]}\[#(, d)?\] is (.+?)(?: \(|$)", message)
    assert written, message
    rewrite = written.group(2).replace(" d,", f" {D[text]},") if written.group(1) else written.group(2)
    assert text != "Chop[#]" or "d = 10^-10" in message, message
    assert torch.equal(_elementwise(rewrite), WOLFRAM[text]), (rewrite, message)


def test_function_layer_refuses_the_tests_alike():
    with pytest.raises(ExpressionError, match=r"NonNegative is Wolfram's test"):
        FunctionLayer("If[NonNegative[#x], #x, 0]")


#: Negative[...] whose value is read as true or false further down (QA, session 47): each was -x read as "x != 0"
#: silently (2 Negative[#] under If) or refused by the And, Not of it, with no word of Negative
READ_AS_TRUTH = ["If[2 * Negative[#], 1, 0]", "If[Negative[#] && # > 0, 1, 0]", "Boole[Not[Negative[#]]]",
                 "If[# > 1, 0, Boole[-Negative[#]]]", "Boole[Abs[Negative[#]] / 2]", "Boole[If[# > 1, Negative[#], 0]]",
                 "If[Or[Negative[#], # > 0], 1, 0]", "Function[x, If[Times[Negative[x], 3], x, 0]]"]
#: functions that keep 0 exactly (f(0) == 0, f(v) != 0 for v != 0) pass the reading on (review R1, session 48: each
#: was -x read as "x != 0" silently); so do x + 0, Max[x, c < 0], Min[x, c > 0] (review R4, session 48)
READ_AS_TRUTH += [f"If[{name}[Negative[#]], 1, 0]" for name in
                  ("Tanh", "Sinh", "ArcTan", "ArcSinh", "ArcTanh", "ArcSin", "Erf", "InverseErf", "HardTanh",
                   "Gudermannian", "Clip", "Sign", "Sqrt", "Minus")]
READ_AS_TRUTH += ["Boole[Abs[Negative[#]] / 2]", "If[Clip[Negative[#], {-1, 2}], 1, 0]", "Boole[Max[Negative[#], -1]]",
                  "Boole[Negative[#] + 0]", "Boole[Plus[Negative[#], 0]]", "Boole[Min[Negative[#], 1] * 2]",
                  "Boole[Negative[#]^2]", "Boole[0 - Negative[#]]"]


@pytest.mark.parametrize("text", READ_AS_TRUTH)
def test_negative_read_as_a_test_deeper_down_is_refused_at_its_column(text):
    with pytest.raises(ExpressionError) as info:
        ElementwiseLayer(text)
    message, at = str(info.value).splitlines()[0], re.search(r"Negative\[", text).start()
    assert info.value.column == at and f"at column {at + 1}:" in message, message
    assert "Negative[x] is -x here" in message and "< 0" in message, message


def test_a_net_file_names_the_layer_and_the_place_of_negative():
    text = "netgraph: 1\nlayers:\n  sign:\n    type: ElementwiseLayer\n    function: 'Boole[3 * Negative[#]]'\n"
    with pytest.raises(netgraph.SpecError) as info:
        NetGraph.from_yaml(text)
    column = text.splitlines()[4].index("Negative") + 1
    assert f":5:{column}: layer 'sign':" in str(info.value) and "Negative[x] is -x here" in str(info.value)


#: Negative[x] as -x where a comparison or a function that is no test of zero reads it: Wolfram's value and ours
AS_MINUS_X = {"If[Negative[#] > 0, 1, 0] + #": lambda x: (-x > 0).double() + x,
              "Boole[Ramp[Negative[#]]] * #": lambda x: (torch.relu(-x) != 0).double() * x,
              "If[# > 0, Negative[#]^2, 2 #]": lambda x: torch.where(x > 0, (-x) ** 2, 2 * x),
              "(Boole[Max[Negative[#], 0]] + Boole[Exp[Negative[#]] - 2]) * #":
                  lambda x: ((x < 0).double() + (torch.exp(-x) != 2).double()) * x,
              # review R4, session 48: refused, and the advice (# < 0) changed each one's value
              "If[UnitStep[Negative[#]], 1, 0] * #": lambda x: (x <= 0).double() * x,
              "If[KroneckerDelta[Negative[#], 0], 1, 0] * #": lambda x: (x == 0).double() * x,
              "Boole[Min[Negative[#], 0]] * #": lambda x: (x > 0).double() * x,
              "If[Clip[Negative[#], {0, 1}], 1, 0] * #": lambda x: (x < 0).double() * x,
              "Boole[Max[Negative[#], 1]] + #": lambda x: 1 + x,
              "If[Round[Negative[#]], 1, 0] * #": lambda x: (x.abs() > 0.5).double() * x,
              "If[Exp[Negative[#]], 1, 0] * #": lambda x: x}


#: a comparison written as a function reads numbers: its own error, not Negative's (review R4, session 48)
@pytest.mark.parametrize("name", ["Greater", "Less", "LessEqual", "GreaterEqual", "Equal", "Unequal"])
def test_a_comparison_function_of_negative_gets_its_own_error(name):
    with pytest.raises(ExpressionError, match=f"{name} is written as its operator"):
        ElementwiseLayer(f"If[{name}[Negative[#], 0], 1, 0]")


@pytest.mark.parametrize("text", list(AS_MINUS_X))
def test_negative_read_as_a_number_is_minus_x_compiled_and_interpreted(text):
    layer = ElementwiseLayer(text)
    module = net_initialize(NetGraph([layer], [], Input="Real")).compile().double()
    x = X.double().requires_grad_()
    want = AS_MINUS_X[text](x)
    (expected,) = torch.autograd.grad(want.sum(), x)
    for run in (module, lambda **ports: netgraph.interpret(module.net, module, **ports)):
        got = run(Input=x)
        (gradient,) = torch.autograd.grad(got.sum(), x)
        assert torch.equal(got, want) and torch.equal(gradient, expected), (got, gradient)


#: Negative read as true or false through Map, an applied pure function, ||, Which's and Piecewise's conditions
#: (session 49: each was -x read as "x != 0" silently, or refused with no word of Negative, || before it)
THROUGH_FORMS = ["If[Map[Negative, #], 1, 0]", "Boole[Not[Map[Negative, #]]]", "If[Map[Abs, Negative[#]], 1, 0]",
                 "If[Function[x, x][Negative[#]], 1, 0]", "Boole[Function[{x, y}, 2 y][#, Negative[#]]]",
                 "Boole[Function[Tanh[#1]][Negative[#]]]", "Function[x, 1][Boole[Negative[#]]]",
                 "If[Negative[#] || # > 0, 1, 0]", "If[# > 0 || Negative[#], 1, 0]",
                 "Which[Negative[#], 1, True, 0]", "Boole[Which[# > 0, Negative[#], True, 0]]",
                 "Piecewise[{{1, Negative[#]}}, 0]", "Boole[Piecewise[{{Negative[#], # > 1}}, 0]]"]


@pytest.mark.parametrize("text", THROUGH_FORMS)
def test_negative_read_as_a_test_through_other_forms_is_refused_at_its_column(text):
    message, at = _refusal(text), re.search(r"Map\[Negative|Negative\[", text).start()
    assert f"at column {at + 1}:" in message and "Negative[x] is -x here" in message, message


#: the same forms where Negative is read as a number: the form's own error (or none), not Negative's
@pytest.mark.parametrize("text, refused", [("If[Map[Negative, #] > 0, 1, 0]", None),
                                           ("Function[{x, y}, x][#, Negative[#]]", "a pure function applied to"),
                                           ("Which[# > 0, Negative[#], True, 0]", "Which is written with If"),
                                           ("If[# > 0 || Negative[#] > 1, 1, 0]", "at column 10: Or (||")])
def test_negative_read_as_a_number_through_other_forms_is_not_refused_as_a_test(text, refused):
    if refused is None:
        assert torch.equal(_elementwise(text), (-X > 0).float())
    else:
        assert refused in _refusal(text) and "Negative[x] is -x here" not in _refusal(text)


#: one message for both problems: Negative's at its column, then the refused form around it that reads it, at its own
#: column (session 49: || was refused first, with no word of Negative; after a fix to # < 0 came a second refusal)
@pytest.mark.parametrize("text, around", [("If[# > 0 || Negative[#], 1, 0]", "at column 10: Or (||"),
                                          ("If[Negative[#] || # > 0, 1, 0]", "at column 16: Or (||"),
                                          ("If[Negative[#] && # > 0, 1, 0]", "at column 16: And (& or &&"),
                                          ("  Boole[Not[Negative[#]]]", "at column 7: Not is written with"),
                                          ("Which[Negative[#], 1, True, 0]", "at column 1: Which is written with If"),
                                          ("Boole[Map[Negative][#]]", "at column 7: Map[f, x] takes a function name"),
                                          ("If[Map[Negative, #, {1}], 1, 0]", "at column 4: Map[f, x] takes a"),
                                          ("Boole[Function[{x, y}, x][#, Negative[#]]]",
                                           "at column 7: a pure function applied to arguments, Function[...][args] "
                                           "or (body &)[args] (write its body on the arguments instead: #x^2 for "
                                           "(#^2 &)[#x]) is not allowed either")])
def test_negative_names_the_refused_form_around_it(text, around):
    message, at = _refusal(text), re.search(r"Map\[Negative|Negative\[", text.strip()).start()
    assert re.search(f"at column {at + 1}: '[^']*Negative[^']*' is read as true or false", message), message
    assert f"< 0; then, {around}" in message, message
    assert "then," not in _refusal("If[Negative[#], 1, 0]")


#: an applied pure function is refused, so it is not evaluated: its arguments are read as it is, and it is named
#: around the Negative (review R1, session 49: its body was copied with the arguments in place and walked once per
#: use, 4x per level; a deep body overflowed the copy; an inner Function's # or x was captured)
@pytest.mark.parametrize("text, around", [("Boole[Function[Function[#][0]][Negative[#]]]", 7),
                                          ("If[Function[x, Function[x, x][1]][Negative[#]], 1, 0]", 4),
                                          ("If[Function[x, " + "Abs[" * 190 + "x" + "]" * 190 + "][Negative[#]], 1, 0]",
                                           4)])
def test_an_applied_function_around_negative_is_named_not_evaluated(text, around):
    message, at = _refusal(text), text.index("Negative[")
    assert f"at column {at + 1}: 'Negative[#]' is read as true or false" in message, message
    assert message.endswith(f"< 0; then, at column {around}: {APPLIED} is not allowed either"), message
    with pytest.raises(ExpressionError) as info:  # a deep body overflowed the copy: 'outputs' was named
        FunctionLayer(text)
    assert info.value.option == "function" and str(info.value).splitlines()[0] == message


def test_nested_applied_functions_are_walked_once_per_part(monkeypatch):
    from netgraph.layers import expression_truth
    steps, readings = [], expression_truth.readings
    monkeypatch.setattr(expression_truth, "readings", lambda node, read: steps.append(node) or readings(node, read))
    text = "Function[x, x + x + x][" * 10 + "Negative[#]" + "]" * 10
    with pytest.raises(ExpressionError, match=re.escape(APPLIED)):
        FunctionLayer(text)
    assert 0 < len(steps) <= len(text), len(steps)


#: Part, its spans and the functions that rearrange elements keep each element's test (Negative threads over them as
#: over Map): each computed x != 0 silently where Wolfram tests x < 0 (review R1, session 49)
@pytest.mark.parametrize("text", ["Boole[Negative[#x][[1]]]", "Boole[Negative[#x][[1 ;; 2]]]",
                                  "If[Part[Negative[#x], 1], 1, 0]", "Boole[Reverse[Negative[#x]]]",
                                  "Boole[Transpose[Negative[#x]]]", "Boole[First[Negative[#x]]]",
                                  "If[Last[Abs[Negative[#x]]], 1, 0]"])
def test_negative_read_as_a_test_through_part_and_rearranging_is_refused(text):
    message = _refusal(text)
    assert f"at column {text.index('Negative[') + 1}: 'Negative[#x]' is read as true or false" in message, message


def test_negative_picked_and_compared_is_still_minus_x():
    layer = net_initialize(FunctionLayer("Boole[Reverse[Negative[#x]] > 0]", input={"x": 6}))
    assert torch.equal(layer(x=X), (-X.flip(0) > 0).float())


#: And and Or say how to write them: no list of every function (review R1, session 49: 1,320 characters)
@pytest.mark.parametrize("text, form", [("#x > 1 || #x < 2", "Or (||"), ("#x > 1 && #x < 2", "And (& or &&")])
def test_and_or_refusals_name_the_form_only(text, form):
    message = _refusal(text)
    assert f"at column 8: {form}" in message and message.endswith("is not allowed") and "Abs" not in message, message


#: Wolfram's prefix Not, !c, of Negative (session 49 left: the '!' was refused first, with no word of Negative). Not is
#: no function here (README), so !Negative[x] is refused naming Negative, then the '!'; their advice computes it
@pytest.mark.parametrize("text", ["!Negative[#]", "Boole[!Negative[#]]", "If[!Negative[#], 1, 0]",
                                  "Boole[If[# > 1, 0, !Negative[#]]]"])
def test_prefix_not_of_negative_names_negative_then_the_not(text):
    message, at, bang = _refusal(text), text.index("Negative["), text.index("!")
    assert re.search(f"at column {at + 1}: 'Negative\\[#\\]' is read as true or false", message), message
    assert message.endswith(f"# < 0; then, at column {bang + 1}: '!' (Not, or Factorial after a value) is not "
                            f"allowed: for Not[c] write 1 - c (a comparison is 1 or 0)"), message


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_advice_for_not_negative_computes_wolframs_value_compiled_and_interpreted(dtype):
    module = net_initialize(NetGraph([ElementwiseLayer("1 - (# < 0)")], [], Input="Real")).compile().to(dtype)
    x = X.to(dtype).requires_grad_()
    for run in (module, lambda **ports: netgraph.interpret(module.net, module, **ports)):
        got, twin = run(Input=x), (x >= 0).to(dtype)  # Wolfram's !Negative[x]: x >= 0, a step (no gradient)
        assert got.dtype == dtype and torch.equal(got, twin) and got.requires_grad == twin.requires_grad, got


@pytest.mark.parametrize("text, column", [("!(# > 0)", 1), ("If[!(# > 0), 1, 0]", 4), ("2 * !#", 5), ("!!#", 1),
                                          ("#!", 2), ("2 !#", 3)])
def test_a_not_or_factorial_without_negative_keeps_its_refusal(text, column):
    assert _refusal(text).endswith(f"at column {column}: '!' (Not, or Factorial after a value) is not allowed: "
                                   f"for Not[c] write 1 - c (a comparison is 1 or 0)"), _refusal(text)


#: arithmetic over Negative where its value is read as true or false (session 49 left: Unitize[Negative[#] + 1] was
#: -x + 1 tested for 0, and Boole[1 - Negative[#]], the README's Not idiom, 1 + x): Wolfram has no number for True + 1
ARITHMETIC_OVER_TRUTH = {"Unitize[Negative[#] + 1]": "Negative[#] + 1",
                         "Unitize[Negative[#] + (# > 1)]": "Negative[#] + (# > 1)",
                         "Boole[1 - Negative[#]]": "1 - Negative[#]", "If[Negative[#] + #, 1, 0]": "Negative[#] + #",
                         "Boole[Plus[Negative[#], 1]]": "Plus[Negative[#], 1]", "Boole[Negative[#] / #]":
                             "Negative[#] / #", "Boole[2^Negative[#]]": "2^Negative[#]",
                         "Boole[Negative[#] - 2]": "Negative[#] - 2", "Unitize[Minus[Negative[#]] * 3]":
                             "Minus[Negative[#]]", "Boole[Mod[Negative[#], 2]]": "Mod[Negative[#], 2]",
                         "Boole[Negative[#] % 2]": "Negative[#] % 2", "If[Reciprocal[Negative[#]], 1, 0]":
                             "Reciprocal[Negative[#]]", "Boole[Quotient[Negative[#], 2]]": "Quotient[Negative[#], 2]"}


@pytest.mark.parametrize("text", list(ARITHMETIC_OVER_TRUTH))
def test_arithmetic_over_negative_read_as_truth_is_refused_naming_the_arithmetic(text):
    message, at = _refusal(text), text.index("Negative[")
    assert f"at column {at + 1}: 'Negative[#]' is read as true or false (through the arithmetic " \
           f"{ARITHMETIC_OVER_TRUTH[text]!r}" in message and "True + 1" in message, message


def test_unitize_reads_negative_as_truth_as_boole_does():
    message = _refusal("Unitize[Negative[#]]")
    assert "at column 9: 'Negative[#]' is read as true or false, as Wolfram's test" in message, message


#: README: Or[a, b] is Unitize[a + b]; with the advice (# < 0) in place of Negative it computes Wolfram's Or
@pytest.mark.parametrize("text, wolfram", [("Unitize[(# < 0) + (# > 1)]", lambda x: (x < 0) | (x > 1)),
                                           ("Unitize[(# < 0) + 1]", lambda x: torch.ones_like(x, dtype=torch.bool)),
                                           ("Unitize[(# < 0) + (# == 0)]", lambda x: x <= 0),
                                           ("(# < 0) * (# > -1)", lambda x: (x < 0) & (x > -1))])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_or_and_written_with_arithmetic_compute_wolframs_value(text, wolfram, dtype):
    module = net_initialize(NetGraph([ElementwiseLayer(text)], [], Input="Real")).compile().to(dtype)
    x = X.to(dtype)
    for run in (module, lambda **ports: netgraph.interpret(module.net, module, **ports)):
        assert torch.equal(run(Input=x), wolfram(x).to(dtype)), text


def test_negative_in_arithmetic_nothing_reads_as_truth_is_still_minus_x():
    assert torch.equal(_elementwise("Negative[#] + 1"), -X + 1)
    assert torch.equal(_elementwise("Unitize[Exp[Negative[#]] - 1]"), (torch.exp(-X) - 1 != 0).float())


#: the body of an applied pure function is read as its value is (session 49 left: only the call was refused, with no
#: word of the Negative read as true or false, as the Map case has)
@pytest.mark.parametrize("text, body", [("If[Function[v, Negative[v]][#], 1, 0]", "v"),
                                        ("If[Function[Negative[#]][#], 1, 0]", "#"),
                                        ("Boole[Function[{u, v}, Abs[Negative[v]]][#, #]]", "v")])
def test_negative_in_an_applied_functions_body_read_as_truth_is_named(text, body):
    message, at = _refusal(text), text.index("Negative[")
    assert f"at column {at + 1}: 'Negative[{body}]' is read as true or false" in message, message
    assert message.endswith(f"here {body} < 0; then, at column {text.index('Function') + 1}: {APPLIED} is not "
                            f"allowed either"), message


def test_an_applied_function_whose_body_is_read_as_a_number_is_refused_for_the_call_only():
    message = _refusal("If[Function[v, Negative[v] > 0][#], 1, 0]")
    assert APPLIED in message and "Negative[x] is -x" not in message


#: session 50 review: the arithmetic was quoted whole, the outermost (2,479 and 6,219 characters); now the innermost
#: around the Negative, shortened as every quoted part of a message
@pytest.mark.parametrize("text, arithmetic", [("Boole[" + "1 + " * 490 + "Negative[#x]]", "(1972 characters)"),
                                              ("Boole[" + "2 (1 + " * 100 + "Negative[#x]" + ")" * 100 + "]",
                                               "'1 + Negative[#x]'"),
                                              ("Boole[2 (1 + Negative[#x])]", "'1 + Negative[#x]'"),
                                              ("Boole[Negative[" + "#x + " * 380 + "1] + 1]",
                                               f"({len('Negative[' + '#x + ' * 380 + '1] + 1')} characters)")],
                         ids=["chain", "nested", "product", "long"])
def test_the_arithmetic_named_is_the_innermost_and_shortened(text, arithmetic):
    message = _refusal(text)
    assert "(through the arithmetic '" in message and f"{arithmetic}, which" in message, message
    assert len(message) < 1000, (len(message), message)


#: session 50 review: a '!' became Python's not, refused only where the converter met it, so another check spoke first
@pytest.mark.parametrize("text", ["#x[[!1]]", "#x[[1 ;; !1]]", "Total[#x, !1]", "Clip[#x, !{0, 1}]",
                                  "Function[v, !v][#x]", "Map[Function[v, !v], #x]", "If[#x > 0, 1, !#x]"])
def test_a_prefix_not_is_named_before_any_other_check(text):
    assert _refusal(text).endswith(f"at column {text.index('!') + 1}: '!' (Not, or Factorial after a value) is not "
                                   f"allowed: for Not[c] write 1 - c (a comparison is 1 or 0)"), _refusal(text)


#: a '!' after an operator, where Python cannot read the not it becomes: its Negative is named too (README)
@pytest.mark.parametrize("text", ["1 - !Negative[#]", "2 * !Negative[#]", "#y > !Negative[#]",
                                  "!Negative[#] + 2 * !#y", "Boole[1 - !Abs[Negative[#]]]"])
def test_a_not_python_cannot_read_still_names_its_negative(text):
    message, at, bang = _refusal(text), text.index("Negative["), text.index("!")
    assert re.search(f"at column {at + 1}: 'Negative\\[#\\]' is read as true or false", message), message
    assert message.endswith(f"then, at column {bang + 1}: '!' (Not, or Factorial after a value) is not allowed: for "
                            f"Not[c] write 1 - c (a comparison is 1 or 0)"), message
