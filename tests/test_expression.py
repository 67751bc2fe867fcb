"""FunctionLayer expressions: parsed with an allowlist, compiled to torch, never evaluated as Python."""

from __future__ import annotations

import math
import re
import time

import pytest
import torch

from netgraph.layers.expression import ExpressionError, evaluate, parse, to_code
from netgraph.layers.expression_indeterminate import IndeterminateWarning
from netgraph.layers.expression_shapes import lower
from netgraph import FunctionLayer, NetGraph, OptionError


@pytest.mark.parametrize("text, slots", [
    ("#Means + #Stds * #Random", ("Means", "Stds", "Random")),
    ("#^2 + Exp[#]", ("Input",)),
    ("#1 * #2", ("Input1", "Input2")),
    ("Max[#a, 0] + Min[#b, #a] &", ("a", "b")),
    # Wolfram's # is #1, and #01 is #1: these made two ports each, ('Input', 'Input1') and ('Input1', 'Input01')
    ("# + #1 * #2", ("Input1", "Input2")),
    ("#2 - #", ("Input1", "Input2")),  # numbered ones by number: wired by position, as Wolfram's arguments
    ("#1 + #01", ("Input1",)),
])
def test_named_slots_in_order_of_first_appearance_numbered_ones_by_number(text, slots):
    assert parse(text).slots == slots


@pytest.mark.parametrize("text", ["(#x^2 &)", "((#x^2) &) ", "Function[#x^2]", "Function[#x^2] &", "(Function[#x^2])"])
def test_wolfram_pure_function_forms_are_their_body(text):
    """Wolfram writes a pure function as body &, (body &) or Function[body]: the last two were syntax errors."""
    assert parse(text).tree == parse("#x^2").tree


def test_wolfram_power_precedence():
    e = parse("#a + #b ^ 2")  # Wolfram: a + (b^2), unlike Python's xor
    assert evaluate(e.tree, {"a": torch.tensor(1.0), "b": torch.tensor(3.0)}).item() == 10.0
    assert evaluate(parse("-#x^2").tree, {"x": torch.tensor(3.0)}).item() == -9.0


@pytest.mark.parametrize("text, fn", [
    ("Exp[#x] - Log[#x]", lambda x: torch.exp(x) - torch.log(x)),
    ("Sqrt[#x] * Abs[#x] / Tanh[#x]", lambda x: torch.sqrt(x) * torch.abs(x) / torch.tanh(x)),
    ("Ramp[#x - 1] + LogisticSigmoid[#x]", lambda x: torch.relu(x - 1) + torch.sigmoid(x)),
    ("If[#x > 1.5, #x, 0]", lambda x: torch.where(x > 1.5, x, torch.zeros_like(x))),
    # Wolfram's Max flattens its arguments: Max[x, 1.2] of an array is its largest element, or 1.2
    ("Max[#x, 1.2] + Sin[Pi * #x] + Cos[E]", lambda x: torch.clamp(x.max(), min=1.2) + torch.sin(math.pi * x) + math.cos(math.e)),
    ("(#x >= 2) + (#x != 1)", lambda x: (x >= 2).float() + (x != 1).float()),
    # Wolfram's scientific notation 1.5*^-3 (it was "syntax error (invalid syntax)" at the '^')
    ("1.5*^-3 * #x + 2*^3 + .5*^+1 * #x", lambda x: 0.0015 * x + 2000 + 5 * x),
    # Wolfram's Plus, Times, Min and Max take any number of arguments (they said "Plus takes 2 argument(s), found 3")
    ("Plus[#x, 1, #x] + Times[#x, 2, 3, #x] + Max[#x, 1, 2.5] + Min[#x, 1.5, 2, #x^2]",
     lambda x: (2 * x + 1) + 6 * x * x + torch.clamp(x.max(), min=2.5) + torch.minimum(x.min(), (x * x).min()).clamp(max=1.5)),
])
def test_compiled_equals_interpreted_equals_torch(text, fn):
    x = torch.linspace(0.5, 3.0, 11)
    net = NetGraph([FunctionLayer(text)], [], x=11)
    expected = fn(x)
    torch.testing.assert_close(net(x=x[None])[0], expected)
    tree, _ = lower(parse(text).tree, {"x": (11,)})
    torch.testing.assert_close(evaluate(tree, {"x": x[None]})[0].float(), expected)


def test_the_or_that_the_error_suggests_is_elementwise():
    """The hint for Or once said "take Max of the comparisons", which of arrays is one number (Wolfram's Max)."""
    x = torch.tensor([[2.0, 0.0, -3.0]])
    assert NetGraph([FunctionLayer("Unitize[(#x > 1) + (#x < -1)]")], [], x=3)(x=x).tolist() == [[1.0, 0.0, 1.0]]


def test_code_is_plain_torch():
    assert to_code(parse("Exp[#a] * 2").tree, {"a": "a"}) == "(torch.exp(a) * 2.0)"


def test_constants_are_folded_without_hanging():
    start = time.process_time()
    with pytest.raises(ExpressionError, match="a constant overflows to infinity"):
        parse("2^99999999 * #x + 10^400")
    assert time.process_time() - start < 0.5
    assert "inf" in to_code(parse("Infinity * #x + 2 * Infinity").tree, {"x": "x"})  # infinity written as such


@pytest.mark.parametrize("text, message", [
    ("#x * 1e400", "at column 6: the number 1e400 overflows to infinity"),  # Python reads the literal as inf
    ("#x * 1e400 + Infinity", "at column 6: the number 1e400 overflows"),
    ("#x + 1" + "0" * 400, "at column 6: the number 1" + "0" * 39 + "... overflows to infinity"),
    ("#x * 10^400", "a constant overflows to infinity"),  # folded: 10^400 is not a literal
    ("#x * Exp[1000]", "a constant overflows to infinity"),
])
def test_a_constant_that_overflows_is_refused_naming_it(text, message):
    """FunctionLayer("#x * 1e400") multiplied by inf, where the same expression in a spec was refused."""
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert message in str(info.value) and "write Infinity if that is meant" in str(info.value)


def test_log_of_0_is_minus_infinity_and_a_pole_is_no_overflow():
    """Log[0, #x] was refused as 'overflows' (Log[0] folded to -inf): Wolfram's Log[0] is -Infinity, so Log[0, x] is
    0 for x > 0 and Indeterminate (NaN) at 0; 1/0 (ComplexInfinity, no real number) is refused as dividing by 0.
    (0^0, a constant, is Wolfram's Indeterminate: tests/test_expression_power_constants.py.)"""
    from netgraph import net_initialize
    net = net_initialize(NetGraph(FunctionLayer("Log[0, #x] + 1", input={"x": ()})))
    out = net({"x": torch.tensor([0.0, 0.5, 2.0, 1e30], dtype=torch.float64)})
    assert out[0].isnan() and out[1:].tolist() == [1.0, 1.0, 1.0]
    for text in ("#x + 1/0", "#x * 0^-1"):
        with pytest.raises(ExpressionError, match=r"a constant divides by 0 \(Wolfram's ComplexInfinity"):
            FunctionLayer(text)


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('x')", "names may not start with '_'"),
    ("#a.__class__", "names may not start with '_'"),
    ("#a.real", "unknown name 'real'"),  # #a . real: Wolfram's Dot of #a and a name that is no port
    # Wolfram forms with another spelling here: these said only "unknown function"
    ("#x * NetArray[\"w\"]", "NetArray (a learnable array) is a NetArrayLayer feeding a port of its own: "
                              "#x * #w, with an edge from NetArrayLayer(output=...) to the port w"),
    ("Which[#x > 0, #x, True, 0]", "Which is written with If: Which[c1, a, c2, b] is If[c1, a, If[c2, b, ...]]"),
    ("Piecewise[{{#x, #x > 0}}, 0]", "Piecewise is written with If: Piecewise[{{a, c}}, d] is If[c, a, d]"),
    ("Totl[#x]", "unknown function 'Totl' (did you mean 'Total'?)"),  # whole-array names were never suggested
    ("StandardDeviaton[#x]", "(did you mean 'StandardDeviation'?)"),
    ("Exp.__globals__", "names may not start with '_'"),
    ("_secret + #a", "names may not start with '_'"),
    ("lambda x: x", "character ':' is not allowed"),
    ("[y for y in #a]", "'[' must follow a function or a value"),  # a list comprehension: no Wolfram list
    ("#a if #b else #c", "Python's conditional x if c else y (write If[c, x, y]) is not allowed"),
    ("#a + foo[#b]", "unknown function 'foo'"),
    ("Tanhh[#x]", "did you mean 'Tanh'"),
    ("Exp[#a, #b]", "Exp takes 1 argument, found 2"),
    ("Max[]", "Max takes 1 or more arguments, found 0"),
    ("#a +", "syntax error"),
    ("x + #a", "unknown name 'x'"),
    ("open", "unknown name 'open'"),
    ("1j * #a", "is not allowed"),
    ("9" * 5000, "longer than"),
    ("(" * 300 + "#a" + ")" * 300, "nested"),
    # these once said "unknown name 'Exp' (did you mean 'Exp'?)" and "unknown function '_s_x'" (an internal name)
    ("Exp + #a", "Exp is a function: call it on its arguments, as Exp[#x]"),
    ("#x[#x]", "a port (#x) cannot be called: write #x[[i]]"),
    ("Exp[#x, ]", "at column 7: a ',' with no argument after it"),  # Python's parser read it as Exp[#x]
    ("{#x, #y,}", "at column 8: a ',' with no argument after it"),
    # these once said "Exp takes 1 argument(s), found 1", "Compare is not allowed", "BoolOp", "Tuple"
    ("Exp[*#x]", "at column 5: '*' before an argument is not allowed"),
    ("1 < #x < 2", "a chained comparison (1 < #x < 2: write (1 < #x) * (#x < 2)) is not allowed"),
    ("#x > 1 && #x < 2", "at column 8: And (& or &&; multiply the comparisons instead"),
    ("#A & #B", "at column 4: And (& or &&"),  # it said "column 1: &&", the start of the first operand
    ("#x > 1 || #x < 2", "at column 8: Or (|| or 'or'; Unitize the sum of the comparisons: Unitize[(#x > 1) + "
                         "(#x < -1)]) is not allowed"),  # refused as Or[a, b] is, once a Negative it reads is
    ("{{#x}}", "a list inside an expression (the whole expression may be a list {e1, e2} of outputs)"),
    ("If[1, 2, #x] + If[0, #x, 1]", "is the constant 3.0 once its constant If"),  # the forward returned a float
    # these hung (CubeRoot uses its argument twice: 2^30 copies) or raised Python's SyntaxError from compile()
    ("CubeRoot[" * 30 + "#x" + "]" * 30, "operations (at most 20,000): a named function that uses its argument"),
    ("HardSigmoid[" * 60 + "#x" + "]" * 60, "is nested 241 levels deep once its named functions are expanded"),
    # Wolfram's implicit multiplication (2 #x) is read: tests/test_expression_implicit_product.py
    ("#x + 1.5e3 +", "at column 12: syntax error"),  # 1.5e3 is a number, not 1.5 times e3
    # Wolfram's Set where Equal was meant: these said "syntax error (positional argument follows keyword argument)",
    # "syntax error (invalid syntax)" and "a call with '=' in it"
    ("If[#x = 0, 1, 0]", "at column 7: '=' (Set) is not allowed: compare with =="),
    ("#x = 1", "at column 4: '=' (Set) is not allowed"),
    ("Sin[#x = 1]", "at column 8: '=' (Set) is not allowed"),
    ("#x =< 1", "at column 4: '=' (Set) is not allowed: compare with ==, <= or >="),
    # Wolfram's Not and Factorial: these said "syntax error (invalid syntax)"
    ("If[!(#x > 0), 1, 0]", "at column 4: '!' (Not, or Factorial after a value) is not allowed: for Not[c] write 1 - c"),
    ("#x!", "at column 3: '!' (Not, or Factorial after a value) is not allowed"),
    # Wolfram's application forms and Python's shifts: these said "BinOp is not allowed", "character '@' is not allowed"
    ("#x // Sqrt", "at column 4: '//' (Wolfram's postfix application, x // f) is not read: write f[x]"),
    ("Sqrt@#x", "at column 5: '@' (Wolfram's prefix application, f@x) is not read: write f[x]"),
    ("#x~Max~#y", "at column 3: '~' (Wolfram's infix application, x~f~y) is not read: write f[x, y]"),
    # Wolfram's NonCommutativeMultiply: read as Python's power, x^2 (found by QA)
    ("#x ** 2", "at column 4: '**' (Wolfram's NonCommutativeMultiply, not Python's power) is not read: write x^y"),
    ("#x + Sin[#y] ** 2", "at column 14: '**' (Wolfram's NonCommutativeMultiply"),
    ("2*^3 ** #x", "at column 6: '**'"),
    ("#x << 2", "at column 4: '<<' is not an operator of expressions (comparisons are <, <=, >, >=, == and !=)"),
    ("#x >> 2", "at column 4: '>>' is not an operator of expressions"),
    # Python's names of syntax: these said "UnaryOp", "Set", "And (& or &&", "a chained comparison", "Await"
    ("not #x", "at column 1: 'not' (for Not[c] write 1 - c, as a comparison is 1 or 0) is not allowed"),
    ("<|#x|>", "at column 1: an entry of <| ... |> without its name (write <|\"name\" -> value|>) is not allowed"),
    ("#x or #y", "at column 4: Or (|| or 'or'; Unitize the sum of the comparisons: Unitize[(#x > 1) + (#x < -1)]) is not allowed"),
    ("#x in #y", "at column 1: 'in' (comparisons are <, <=, >, >=, == and !=) is not allowed"),
    ("await #x", "at column 1: Python's await is not allowed"),
    # these made ports named 'Input0' and '_s_' (an internal name)
    ("#0 + 1", "at column 1: #0 (in Wolfram the function itself) is not a port: the ports are #, #1, #2, ... or #name"),
    ("Plus[##]", "at column 6: ## (Wolfram's sequence of all arguments) is not read: name each port, #1 + #2"),
    ("2*^#x", "at column 2: Wolfram's scientific notation m*^n needs an integer exponent n"),
    ("2*^1.5 * #x", "at column 2: Wolfram's scientific notation m*^n needs an integer exponent n"),
])
def test_hostile_or_bad_expressions_are_rejected(text, message):
    start = time.process_time()
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    assert message in str(info.value)
    assert isinstance(info.value, OptionError) and isinstance(info.value, ValueError)
    assert time.process_time() - start < 1.0


def test_error_reports_the_column():
    with pytest.raises(ExpressionError) as info:
        parse("#a + #b @ #c")
    assert info.value.column == 8 and "at column 9" in str(info.value)


def test_python_callable_ports_are_parameter_names():
    layer = FunctionLayer(lambda Means, Stds: Means + 2 * Stds)
    net = NetGraph([layer], [], Means=3, Stds=3)
    m, s = torch.randn(2, 3), torch.randn(2, 3)
    torch.testing.assert_close(net(Means=m, Stds=s), m + 2 * s)
    assert net.output_shapes == {"Output": (3,)}  # inferred by running the function on meta tensors


@pytest.mark.parametrize("function, found", [(lambda x: x[0], "(3,)"), (lambda x: x.T, "(3, 2)"),
                                             (lambda x: x.mean(0), "(3,)"), (lambda x: torch.cat([x, x]), "(4, 3)")])
def test_a_python_function_that_mixes_the_examples_is_refused_when_built(function, found):
    # Found by qa-layers11: x[0] was inferred as Output () and gave (3,) for one example, a batch of 3; x.T as (2,)
    from netgraph import ShapeError
    with pytest.raises(ShapeError, match=rf"must keep the batch dimension first, one result per example: a batch of 2 "
                                         rf"examples gave shape \{found[:-1]}\)") as info:
        NetGraph([FunctionLayer(function)], [], x=3)
    assert info.value.diagnostics[0].layer == ("1",)
    with pytest.raises(ShapeError, match="a batch of 3 examples gave"):  # the probe's batch is no input's size
        NetGraph([FunctionLayer(function)], [], x=2)
    assert NetGraph([FunctionLayer(lambda x: x.sum(-1))], [], x=3).output_shapes == {"Output": ()}  # per example


def test_a_python_function_that_mixes_the_examples_but_keeps_the_shape_is_not_detected_as_the_readme_says():
    """README (FunctionLayer, TorchLayer): only a result whose first dim is not the batch is caught; it said any
    mixing was (mends-b11). x - x.mean(0) builds, and one example's result depends on the others."""
    net = NetGraph([FunctionLayer(lambda x: x - x.mean(0))], [], x=3)
    assert net.output_shapes == {"Output": (3,)}
    x = torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    assert net(x=x)[0].tolist() == [-1.0, -1.0, -1.0] and net(x=x[:1])[0].tolist() == [0.0, 0.0, 0.0]


def test_a_python_function_with_data_dependent_control_flow_runs_once_its_output_shape_is_given():
    # torch.fx's "symbolically traced variables cannot be used as inputs to control flow": the meta run that infers
    # a callable's shapes cannot take `if x.sum() > 0`; with output= (as TorchLayer's outputs=) it is not needed
    from netgraph import ShapeError
    def flip(x):
        return x if x.sum() > 0 else -x
    with pytest.raises(ShapeError, match=r"meta tensors.*it needs data, as data-dependent control flow does: give its output shape, output="):
        NetGraph([FunctionLayer(flip)], [], x=3)
    net = NetGraph([FunctionLayer(flip, output=3)], [], x=3)
    torch.testing.assert_close(net(x=torch.tensor([[-1.0, -2.0, 3.0]])), torch.tensor([[1.0, 2.0, -3.0]]))
    with pytest.raises(ShapeError, match=r"must have same reduction dim"):  # a real shape error is still one
        NetGraph([FunctionLayer(lambda x: x @ torch.ones(5, 2), output=2)], [], x=3)
    with pytest.raises(ShapeError, match=r"port 'Output': expected shape \(3\), found \(2\)"):  # given, checked
        NetGraph([FunctionLayer(flip, output=2)], [], x=3)


def test_a_data_dependent_python_function_returning_another_shape_than_output_gives_is_named_at_the_call():
    """Nothing checked output= against what the function returned on data: a (2, 3) output declared (b, 1) reached the
    LinearLayer after it, which raised torch's "mat1 and mat2 shapes cannot be multiplied (2x3 and 1x2)"."""
    from netgraph import LinearLayer, NetChain, ShapeError, net_initialize
    def head(x):
        return x[:, :int(x.sum()) % 3 + 1]
    net = net_initialize(NetChain({"f": FunctionLayer(head, output=1), "lin": LinearLayer(2)}, input=4), seed=0)
    assert net(torch.zeros(2, 4)).shape == (2, 2)  # sum 0: one column, as given
    with pytest.raises(ShapeError, match=r"^layer 'f' \(FunctionLayer\) port 'Output': the function returned shape "
                                         r"\(2, 3\), where output= gave \(b, 1\) with b the batch size") as caught:
        net(torch.full((2, 4), 0.25))  # sum 2: three columns
    assert (caught.value.diagnostics[0].kind, caught.value.diagnostics[0].layer) == ("layer-contract", ("f",))
    assert "checked_outputs(" not in NetChain([FunctionLayer(lambda x: 2 * x)], input=4).compile().code  # meta ran it


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_expression_says_it_is_empty(text):
    # it said "constant None is not allowed" and listed every function
    with pytest.raises(ExpressionError, match=r"is empty: write a formula of the #slots") as info:
        parse(text)
    assert "None" not in str(info.value) and len(str(info.value)) < 120


def test_a_long_flat_chain_is_no_deep_nesting():
    """A sum of 62 ports was 'nested deeper than 60 levels' (Python nests a + b + c to the left); long chains of
    + and - (or *) are summed as a balanced tree on both paths."""
    from netgraph import interpret
    ports = [f"x{i}" for i in range(70)]
    net = NetGraph([FunctionLayer(" + ".join(f"#{p}" for p in ports[:35]) + " - " + " - ".join(f"#{p}" for p in ports[35:]))],
                   [], **dict.fromkeys(ports, 2))
    xs = {p: torch.randn(3, 2, dtype=torch.float64) for p in ports}
    expected = sum(xs[p] for p in ports[:35]) - sum(xs[p] for p in ports[35:])
    module = net.compile()
    torch.testing.assert_close(module(**xs), expected)
    torch.testing.assert_close(interpret(module.net, module, **xs), expected)
    product = NetGraph([FunctionLayer("#x" + " * 1.01" * 100)], [], x=1)
    torch.testing.assert_close(product(x=torch.ones(1, 1)), torch.full((1, 1), 1.01 ** 100))
    assert parse(" + ".join(["#x"] * 10)).tree[2][0] == "bin"  # a short chain keeps Python's left nesting
    with pytest.raises(ExpressionError, match="nested deeper than 60 levels"):
        parse("Exp[" * 61 + "#x" + "]" * 61)


@pytest.mark.parametrize("text", ["(-2) ^ #x", "(1 - 3) ^ #x", "Power[-2, #x]", "(-2) ^ #x ^ 1"])
def test_a_negative_constant_base_is_raised_as_itself_on_both_paths(text):
    """The compiled forward wrote (-2.0 ** x), which Python reads as -(2.0 ** x): (-2)^2 was -4 (interpreted: 4)."""
    from netgraph import interpret
    x = torch.tensor([[2.0, 3.0, 0.5, -1.0]])
    module = NetGraph([FunctionLayer(text)], [], x=4).compile()
    expected = torch.pow(torch.tensor(-2.0), x)
    torch.testing.assert_close(module(x=x), expected, equal_nan=True)
    torch.testing.assert_close(interpret(module.net, module, x=x), expected, equal_nan=True)


def test_a_threading_layer_over_many_inputs_compiles():
    """A left fold of 250 ports nested the compiled forward past Python's 200 brackets (SyntaxError), 1000 past the
    recursion limit; more than 16 inputs are combined as a balanced tree."""
    from netgraph import ThreadingLayer, interpret
    ports = {f"Input{i}": 2 for i in range(1, 1001)}
    xs = {p: torch.full((1, 2), float(i)) for i, p in enumerate(ports)}
    for name, expected in (("Plus", sum(range(1000))), ("Max", 999)):
        module = NetGraph([ThreadingLayer(name, inputs=1000)], [], **ports).compile()
        assert module(**xs).tolist() == [[expected, expected]]
        assert interpret(module.net, module, **xs).tolist() == [[expected, expected]]


def test_scientific_notation_is_read_in_linear_time():
    """Each *^ looked back over the whole text for the number before it: 0.7 s for 2,000 characters."""
    text = "9" * 1000 + "*^1" * 330
    start = time.process_time()
    with pytest.raises(ExpressionError, match=r"at column 1004: Wolfram's scientific notation m\*\^n needs a number m "
                                              r"right before \*\^ \(one exponent per number\)"):
        parse(text)
    assert time.process_time() - start < 0.2


@pytest.mark.parametrize("text", ["#1^2 + 1", "(#01^2 + 1) &"])
def test_an_elementwise_expression_may_write_its_input_as_slot_one(text):
    """Wolfram's #1 is #: ElementwiseLayer("#1^2 + 1") said it 'must use only # (its one input), found ['Input1']'."""
    from netgraph import ElementwiseLayer
    x = torch.tensor([-1.0, 0.5, 2.0])
    layer = ElementwiseLayer(text)
    torch.testing.assert_close(layer(x), x ** 2 + 1)
    assert layer.function == text and layer.input_ports == ("Input",)


def test_wolframs_named_constants_degree_golden_ratio_and_euler_gamma():
    """Sin[#x * Degree] (degrees to radians) said "unknown name 'Degree'"."""
    x = torch.tensor([[90.0, 30.0]])
    net = NetGraph([FunctionLayer("Sin[#x * Degree] + 0 * #x * GoldenRatio * EulerGamma")], [], x=2)
    torch.testing.assert_close(net(x=x), torch.tensor([[1.0, 0.5]]))
    assert parse("#x * GoldenRatio").tree[3] == ("const", (1 + math.sqrt(5)) / 2)
    assert parse("#x * EulerGamma").tree[3] == ("const", 0.5772156649015329)


@pytest.mark.parametrize("name, written, truth", [
    ("And", "(#x > 1) * (#y > 1)", [0, 0, 0, 1]),
    ("Or", "Unitize[(#x > 1) + (#y > 1)]", [0, 1, 1, 1]),
    ("Xor", "(#x > 1) != (#y > 1)", [0, 1, 1, 0]),
    ("Not", "1 - (#x > 1)", [1, 1, 0, 0]),
])
def test_logic_functions_say_how_to_write_them_and_that_form_is_the_logic(name, written, truth):
    # Or[...] said only "unknown function 'Or'", where || says how to write it: the hint gives the form, which
    # computes the truth table at (x, y) = (0, 0), (0, 2), (2, 0), (2, 2)
    with pytest.raises(ExpressionError, match=r"at column 3: " + name + r" is written") as info:
        parse(f"1+{name}[#x > 0, #y > 0]" if name != "Not" else "1+Not[#x > 0]")
    assert f" is {written}" in str(info.value)
    x, y = torch.tensor([0.0, 0.0, 2.0, 2.0]), torch.tensor([0.0, 2.0, 0.0, 2.0])
    assert evaluate(parse(written + " + 0 * #y").tree, {"x": x, "y": y}).tolist() == truth


@pytest.mark.parametrize("text, hint", [
    ("sum(#a)", "unknown name 'sum' (torch's sum is Total here: Total[#x])"),
    ("mean(#a)", "unknown name 'mean' (torch's mean is Mean here: Mean[#x])"),
    ("Sum[#a]", "unknown function 'Sum' (the sum of an array's elements is Total here: Total[#x])"),
    ("std[#a]", "unknown function 'std' (torch's std is StandardDeviation here: StandardDeviation[#x])"),
    ("matmul[#a, #b]", "unknown function 'matmul' (torch's matmul is Dot here: Dot[#x, #y])"),
    ("#a @ #b", "'@' (Wolfram's prefix application, f@x) is not read: write f[x] (torch's matrix product a @ b is "
                "Dot[#a, #b])")])
def test_torch_habits_in_an_expression_name_what_to_write(text, hint):
    """`sum(#a)`, `mean(#a)` and `Sum[#a]` got no hint and `#a @ #b` was told only of Wolfram's f@x (found by QA
    writing FunctionLayers as a torch user): each now names the function to write."""
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert hint in str(caught.value)


def test_an_indeterminate_constant_is_nan_with_a_warning():
    """With Log[0] folded to -Infinity, 0*Log[0] passed as a silent NaN constant: a NaN folded from constants that
    are not NaN is Wolfram's Indeterminate, NaN with a warning naming the part (as Wolfram's Infinity::indet)."""
    for text, part in (("#x + 0*Log[0]", "0*Log[0]"), ("#x + (Log[0] - Log[0])", "Log[0] - Log[0]")):
        with pytest.warns(IndeterminateWarning, match=rf"{re.escape(part)} is indeterminate .* write Indeterminate"):
            assert torch.isnan(FunctionLayer(text)(torch.ones(2))).all()
    assert FunctionLayer("#x + Log[0]")(torch.ones(2)).tolist() == [-math.inf, -math.inf]


@pytest.mark.parametrize("text", ["#x \u202e+ 1", "#x\x00+1", "#x + \x1b[2J1"])
def test_an_unprintable_character_is_not_echoed_raw_under_the_message(text):
    """The excerpt under the message printed the character itself: a bidi override (U+202E) reordered the line
    shown, NUL and escape sequences reached the terminal. It shows '?' there, the caret under it."""
    with pytest.raises(ExpressionError) as caught:
        FunctionLayer(text)
    lines = str(caught.value).split("\n")
    assert all(line.isprintable() for line in lines) and len(lines) == 3
    assert lines[1] == "    " + "".join(c if c.isprintable() else "?" for c in text)
    assert lines[1][lines[2].index("^")] == "?"
