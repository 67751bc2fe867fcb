"""Forms Wolfram reads that expressions do not, each refused naming what was written, at its column (session 51):
a pure function applied to arguments, ``(body &)[args]`` as ``Function[...][args]``; a list beside a port,
``# {1, 2}`` (Wolfram's Times of # and a list); and Wolfram's operators that Python reads otherwise, ``--`` and
``++`` (Decrement, Increment: ``#x--#y`` was read as x + y)."""

from __future__ import annotations

import re

import pytest

from netgraph import FunctionLayer
from netgraph.layers.expression import ExpressionError

APPLIED = "a pure function applied to arguments, Function[...][args] or (body &)[args]"


def _refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        FunctionLayer(text)
    return str(info.value).splitlines()[0]


@pytest.mark.parametrize("text, column", [("(#^2 &)[#]", 1), ("(#x + 1 &)[#y]", 1), ("(#1 + #2 &)[#x, #y]", 1),
                                          ("((#^2 &))[#x]", 1), ("#^2 &[#x]", 1), ("2 + (#^2 &) [#x]", 5),
                                          ("Max[1, #^2 &[#x]]", 8), ("Function[#^2][#x]", 1),
                                          ("Function[x, x^2][#y]", 1), ("1 + Function[{x, y}, x y][#a, #b]", 5)])
def test_an_applied_pure_function_is_refused_naming_it(text, column):
    message = _refusal(text)
    assert f"at column {column}: {APPLIED} (write its body on the arguments instead: #x^2 for (#^2 &)[#x]) is " \
           f"not allowed" in message, message


def test_a_pure_function_not_applied_is_still_its_body():
    for text in ("#^2 &", "(#^2 &)", "Function[#^2]", "(#^2 &) "):
        assert FunctionLayer(text).input_ports == ("Input",)


@pytest.mark.parametrize("text, shown, column", [("# {1, 2}", "# {...}", 3), ("#x {1,2}", "#x {...}", 4),
                                                 ("2 + # {1,2}", "# {...}", 7), ("#x {1, 2} + 1", "#x {...}", 4)])
def test_a_list_beside_a_port_is_named_as_written(text, shown, column):
    message = _refusal(text)
    assert f"at column {column}: a list beside a value ({shown}) is not read: a list {{e1, e2}} or <|...|> is the " \
           f"whole expression (its outputs), not a factor" in message, message
    assert "cannot be called" not in message


@pytest.mark.parametrize("text, column, operator", [
    ("#x--#y", 3, "'--' (Wolfram's Decrement, x--)"), ("#x -- #y", 4, "'--' (Wolfram's Decrement, x--)"),
    ("--#x", 1, "'--' (Wolfram's PreDecrement, --x)"), ("#x++#y", 3, "'++' (Wolfram's Increment, x++)"),
    ("#x===#y", 3, "'===' (Wolfram's SameQ)"), ("#x=!=#y", 3, "'=!=' (Wolfram's UnsameQ)"),
    ("#x<>#y", 3, "'<>' (Wolfram's StringJoin)"), ("2^^10 #x", 2, "'^^' (Wolfram's base notation, b^^digits)"),
    ("#x/.#y", 3, "'/.' (Wolfram's ReplaceAll)")])
def test_wolfram_operators_python_reads_otherwise_are_named(text, column, operator):
    message = _refusal(text)
    assert re.search(f"at column {column}: {re.escape(operator)} is not read", message), message


@pytest.mark.parametrize("text, same", [("#x - -#y", "#x - (-#y)"), ("#x/.5", "#x/0.5"), ("#x - - #y", "#x - (-#y)"),
                                        ("#x+ +#y", "#x + #y")])
def test_signs_apart_and_a_decimal_after_a_slash_are_still_read(text, same):
    from netgraph.layers.expression import parse
    assert parse(text).tree == parse(same).tree


@pytest.mark.parametrize("text, column", [("#x/0", 1), ("#x / (1 - 1)", 1), ("Divide[#x, 0]", 1), ("2 + Log[1, #x]", 5),
                                          ("#x/-0.", 1)])
def test_a_port_divided_by_a_constant_0_is_refused_as_1_over_0(text, column):
    """#x * 0^-1 and #x + 1/0 were refused (Wolfram's ComplexInfinity), #x/0 and Log[1, #x] (Log[x]/Log[1]) gave
    +-inf and NaN at run time. Not with 1/0's advice "write Infinity": #x*Infinity is NaN at #x = 0."""
    message = _refusal(text)
    assert f"at column {column}: a port divided by " in message and "ComplexInfinity" in message, message
    assert "write Infinity" not in message and "a constant divides by 0" not in message, message


@pytest.mark.parametrize("text, divisor", [("#x/0", "'0', which is 0"), ("#x / (1 - 1)", "'1 - 1', which is 0"),
                                           ("#x/1e-400", "'1e-400', which underflows to 0"),
                                           ("Divide[#x, 0]", "a constant 0")])
def test_a_port_divided_by_0_names_the_divisor_as_written(text, divisor):
    """#x/1e-400 was refused as "a constant divides by 0" though no 0 was written."""
    assert f"a port divided by {divisor}" in _refusal(text)


@pytest.mark.parametrize("text, function_form, around", [
    ("If[(Negative[#] &)[#x], 1, 0]", "If[Function[Negative[#]][#x], 1, 0]", 4),
    ("Boole[Negative[#] &[#x]]", "Boole[Function[Negative[#]][#x]]", 7)])
def test_a_negative_in_an_applied_pure_functions_body_is_refused_as_in_functions(text, function_form, around):
    """Function[body][args] names a Negative its body reads as true or false first, then the applied function;
    (body &)[args] is refused as written, at its start, before it is parsed (review of session 52: it was read as
    Function[body][args] up to a count that miscounted nesting)."""
    message, same = _refusal(text), _refusal(function_form)
    assert message.endswith(f"at column {around}: {APPLIED} (write its body on the arguments instead: #x^2 for "
                            f"(#^2 &)[#x]) is not allowed"), message
    assert f"at column {function_form.index('Negative[') + 1}: 'Negative[#]' is read as true or false" in same, same
    assert same.endswith(f"; then, at column {around}: {APPLIED} (write its body on the arguments instead: #x^2 "
                         f"for (#^2 &)[#x]) is not allowed either"), same


@pytest.mark.parametrize("text, advice", [("2--1", "write 2 - (-1)"), ("#x--#y", "write #x - (-#y)"),
                                          ("#x -- #y", "write #x - (-#y)"), ("--#x", "write -(-#x)"),
                                          ("Sin[#x]--1.5", "write Sin[#x] - (-1.5)")])
def test_a_double_minus_is_advised_in_what_was_written(text, advice):
    """2--1 was advised '#x - (-#y)', unrelated to what was written."""
    assert advice in _refusal(text)


def test_the_operators_refused_are_those_named():
    """_OPERATOR restated _APPLICATIONS' keys by hand: each key is matched whole (the longest first), '/.' not
    before a digit (x/.5 divides)."""
    from netgraph.layers.expression_text import _APPLICATIONS, _OPERATOR
    for op in _APPLICATIONS:
        assert _OPERATOR.match(op + "x").group() == op
    assert _OPERATOR.match("/.5") is None and _OPERATOR.match("/.x").group() == "/."


@pytest.mark.parametrize("count", [62, 150, 480])
def test_power_of_many_arguments_is_as_deep_as_its_infix_chain(count):
    """Power[#x, ...] of 150 arguments compiled where #x^#x^... of 150 was refused as nested deeper than 60 levels;
    of 480 it was refused 'nested 480 levels deep once its named functions are expanded' at no column."""
    infix, variadic = _refusal("^".join(["#x"] * count)), _refusal("Power[" + ", ".join(["#x"] * count) + "]")
    assert re.search(r"at column \d+: nested deeper than 60 levels", variadic), variadic
    assert variadic.split("at column")[1].split(":")[1] == infix.split("at column")[1].split(":")[1]


@pytest.mark.parametrize("count", [1, 201, 390])
def test_a_chain_of_applied_pure_functions_is_refused_at_its_start(count):
    """#x&[#y]&[#y]&... wrapped each application in brackets for Python's parser: past 200 it met the parser's limit,
    "syntax error (too many nested parentheses)" at the 201st '&' (session 52)."""
    message = _refusal("#x&" + "[#y]&" * (count - 1) + "[#y]")
    assert f"at column 1: {APPLIED}" in message, message


@pytest.mark.parametrize("text, column", [("(#^2 &)[[1]]", 1), ("2 + ((#^2 &))[[1]]", 5), ("Max[#x, #^2 &[[1]]]", 9),
                                          ("Function[#^2][[1]]", 1), ("Function[x, x^2][[2]]", 1),
                                          ("Part[Function[#^2], 1]", 1), ("2 + Last[Function[#]]", 5),
                                          ("Part[#^2 &, 1]", 1), ("2 + Part[(#^2 &), 1]", 5), ("First[#^2 &]", 1)])
def test_a_part_of_a_pure_function_is_named(text, column):
    """(#^2 &)[[1]] was "syntax error (invalid syntax)" at its [[ (session 52); Function[#^2][[1]] and
    Part[Function[#^2], 1] computed a part of the body's value (9 of [3., 5.]), Part[#^2 &, 1] was a syntax error
    (review of session 52)."""
    message = _refusal(text)
    assert f"at column {column}: a part of a pure function, (body &)[[i]]" in message, message


@pytest.mark.parametrize("text, column", [("(" * 201 + "#x" + ")" * 201, 201), ("{" * 210 + "#x" + "}" * 210, 201)])
def test_brackets_past_the_parsers_limit_name_the_limit(text, column):
    message = _refusal(text)
    assert f"at column {column}: brackets ( ), [ ] or {{ }} nested more than 200 deep (the parser's limit)" in message


@pytest.mark.parametrize("text, column", [("Max[1, &[#x]]", 8), ("{#y, &[#x]}", 6), ("&[#x]", 1), ("(&)[#x]", 2),
                                          ("( &)[#x]", 3), ("((&))[#x]", 3)])
def test_an_applied_pure_function_of_no_body_is_named_at_its_ampersand(text, column):
    """Its Function( was put after everything written so far (an unknown start read as the end), and the call
    refused as an applied function (session 52); "is a pure function with an empty body" had no subject, and
    (&)[#x] was refused as an applied function, its ( read as the body (review of session 52)."""
    message = _refusal(text)
    assert f"at column {column}: a pure function with an empty body (nothing before &) is not allowed" in message, \
        message


@pytest.mark.parametrize("text, column", [
    (" + ".join(["#z"] * 3 + ["(#&)[#y]"] * 150), 16), ("(" * 120 + "#x" + "&)[#y]" * 120, 120),
    ("(((" + "(" * 99 + "#x" + "&)[#y]" * 99 + ")))", 102), ("#x + (#y &)[#x] + (#y &)[#x]", 6)])
def test_applied_pure_functions_are_refused_at_the_first(text, column):
    """The first 100 were read as Function(body)(args) and the rest refused as written, counted by every
    Function( written, not by nesting: the 101st of many side by side was named, and 102 levels of brackets were
    refused as nested more than 200 deep (review of session 52)."""
    message = _refusal(text)
    assert f"at column {column}: {APPLIED}" in message, message


@pytest.mark.parametrize("text, column", [("Log[1, #x]", 1), ("2 + Log[1., #x]", 5), ("Log[2 - 1, Sin[#x]]", 1)])
def test_log_to_base_1_names_the_base(text, column):
    """Log[1, #x] said "a port divided by a constant 0", naming no base (session 52)."""
    message = _refusal(text)
    assert f"at column {column}: a port divided by Log[1] = 0: the base 1 makes Log[b, x], Log[x] / Log[b], divide " \
           f"by 0" in message, message


@pytest.mark.parametrize("text, name, column", [("Round[#x, 0]", "Round", 1), ("2 + Floor[#x, 0.]", "Floor", 5),
                                                ("Ceiling[#x, 1 - 1]", "Ceiling", 1), ("Round[3, -0.]", "Round", 1)])
def test_a_step_0_names_the_step(text, name, column):
    """Round[#x, 0] said "a port divided by a constant 0", naming no step; Round[3, 0] advised "write Infinity"
    (session 52)."""
    message = _refusal(text)
    assert f"at column {column}: a step 0: {name}[x, a], a {name}[x / a], divides by a = 0" in message, message
    assert f"give {name} a step that is not 0" in message and "write Infinity" not in message, message
