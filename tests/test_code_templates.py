"""The compiled forward's code for expression layers, written once per expression tree (code_templates): the same
text as to_code for every layer, never one expression's code for another."""

import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, NetPort
from netgraph.layers.code_templates import cached_to_code
from netgraph.layers.expression import parse, to_code

EXPRESSIONS = ["Tanh[#]", "Sin[#]", "#^2", "-2^#", "(-2)^#", "#a + #b", "#a * Exp[-#b] / 3", "If[#a > 0, #b, 1.5]",
               "Min[#a, 0.5]", "Max[#a, #b]", "#a < #b", "If[#a > 0, 1, 2]", "ArcCot[#]", "HardSigmoid[#]"]


def _names(tree_slots, values):
    return dict(zip(tree_slots, values))


def test_cached_code_is_to_code_for_each_expression_and_names():
    for text in EXPRESSIONS:
        expr = parse(text)
        for values in (["x", "y"], ["l10_Output", "μ"], ["a_b", "_t"]):
            names = _names(expr.slots, values)
            assert cached_to_code(expr.tree, names) == to_code(expr.tree, names), text
            # twice: the second from the template
            assert cached_to_code(expr.tree, names) == to_code(expr.tree, names), text


def test_names_that_are_no_identifier_are_written_as_given():
    expr = parse("#^2")
    for name in ("-x", "x[:, None]", "(a + b)"):
        assert cached_to_code(expr.tree, {"Input": name}) == to_code(expr.tree, {"Input": name})
    assert cached_to_code(expr.tree, {"Input": "-x"}) == "((-x) ** 2.0)"  # a leading minus: in brackets
    assert cached_to_code(expr.tree, {"Input": "x"}) == "(x ** 2.0)"


def test_repeated_subexpressions_get_fresh_temporaries_per_call():
    expr = parse("ArcCot[#]")  # Min[Floor[Abs[#]], 1] three times: computed once, in a temporary
    counter = iter(range(100))
    local = lambda hint: f"t{next(counter)}"  # noqa: E731
    first = cached_to_code(expr.tree, {"Input": "x"}, local)
    second = cached_to_code(expr.tree, {"Input": "y"}, local)
    assert ":=" in first and first != second.replace("y", "x")  # new temporaries each time
    counter = iter(range(100))
    assert first == to_code(expr.tree, {"Input": "x"}, lambda hint: f"t{next(counter)}")


def test_a_missing_slot_raises_as_to_code():
    expr = parse("#a + #b")
    for call in (to_code, cached_to_code):
        try:
            call(expr.tree, {"a": "x"})
        except KeyError as exc:
            assert exc.args == ("b",)
        else:
            raise AssertionError(f"{call.__name__} wrote code for a missing slot")


def test_compiled_code_keeps_each_layers_own_expression():
    """Interleaved equal and different expression layers: each line its layer's function on its own input."""
    kinds = ["Tanh", "Sin", "Tanh", "#^2", "Sin", "Tanh", "#^2"] * 3
    net = NetChain([ElementwiseLayer(k) for k in kinds], input=3)
    code = net.compile().code
    want = {"Tanh": "torch.tanh(x{})", "Sin": "torch.sin(x{})", "#^2": "(x{} ** 2.0)"}
    for i, k in enumerate(kinds, 1):
        arg = "Input" if i == 1 else f"x{i - 1}"
        assert f"x{i} = {want[k].replace('x{}', arg)}" in code, (i, k)
    x = torch.randn(4, 3)
    expected = x
    for k in kinds:
        expected = {"Tanh": torch.tanh, "Sin": torch.sin, "#^2": lambda v: v ** 2}[k](expected)
    torch.testing.assert_close(net.compile()(x), expected)


def test_compiled_function_layers_with_other_ports_and_ranks():
    """Equal FunctionLayers on inputs of different ranks (aligned with [:, None]) and with other port names."""
    P = NetPort
    net = NetGraph({"f": FunctionLayer("#a * #b"), "g": FunctionLayer("#a * #b"), "h": FunctionLayer("#u * #v")},
                   [(P("A"), P("f", "a")), (P("B"), P("f", "b")), ("f", P("g", "a")), (P("A"), P("g", "b")),
                    ("g", P("h", "u")), ("f", P("h", "v"))], A=(2, 3), B=(3,))
    module = net.compile()
    assert "f = (A * B[:, None])" in module.code and "g = (f * A)" in module.code and "h = (g * f)" in module.code
    a, b = torch.randn(5, 2, 3), torch.randn(5, 3)
    f = a * b[:, None]
    torch.testing.assert_close(module(A=a, B=b), f * a * f)
