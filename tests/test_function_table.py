"""The one table of named functions: every name against Wolfram's formula, in every layer that takes names."""

from __future__ import annotations

import math

import pytest
import scipy.special
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, OptionError, ThreadingLayer, interpret, net_initialize
from netgraph.layers import expression
from netgraph.layers.function import ELEMENTWISE
from netgraph.layers.function_table import NAMED_FUNCTIONS, OPERATORS, OTHER_FORMS_OF, NamedFunction

# Wolfram's definitions (reference.wolfram.com ElementwiseLayer, and the functions' own pages), written
# independently of the table: a name the table gains without a formula here fails test_every_name_has_a_formula.
WOLFRAM: dict[str, object] = {
    "Ramp": lambda x: torch.where(x > 0, x, 0.0), "Tanh": torch.tanh, "LogisticSigmoid": lambda x: 1 / (1 + torch.exp(-x)),
    "Exp": torch.exp, "Log": torch.log, "Log2": lambda x: _each(x, lambda v: math.log(v, 2)),
    "Log10": lambda x: _each(x, math.log10), "Sin": torch.sin, "Cos": torch.cos, "Tan": torch.tan, "Abs": torch.abs,
    "Sqrt": lambda x: x ** 0.5, "Erf": torch.erf, "Erfc": lambda x: 1 - torch.erf(x), "ArcTan": torch.atan,
    "ArcSin": torch.asin, "ArcCos": torch.acos, "Sinh": torch.sinh, "Cosh": torch.cosh, "Sign": torch.sign,
    "Round": torch.round, "Floor": torch.floor, "Ceiling": torch.ceil, "LogGamma": torch.lgamma,
    "Square": lambda x: x * x, "Negative": lambda x: -x, "Reciprocal": lambda x: 1 / x,
    "ELU": lambda x: torch.where(x >= 0, x, torch.exp(x) - 1),
    "SELU": lambda x: torch.where(x >= 0, 1.0507009873554805 * x, 1.7580993408473766 * (torch.exp(x) - 1)),
    "GELU": lambda x: 0.5 * x * (1 + torch.erf(x / math.sqrt(2))), "SoftPlus": lambda x: torch.log(torch.exp(x) + 1),
    "Swish": lambda x: x / (1 + torch.exp(-x)), "Mish": lambda x: x * torch.tanh(torch.log(1 + torch.exp(x))),
    "SoftSign": lambda x: x / (1 + x.abs()), "HardTanh": lambda x: x.clamp(-1, 1),
    "HardSwish": lambda x: x * (x + 3).clamp(0, 6) / 6, "HardSigmoid": lambda x: ((x + 1) / 2).clamp(0, 1),
    "LogSigmoid": lambda x: -torch.log(1 + torch.exp(-x)),
    "ArcTanh": lambda x: 0.5 * torch.log((1 + x) / (1 - x)), "ArcSinh": lambda x: torch.log(x + torch.sqrt(x * x + 1)),
    "ArcCosh": lambda x: torch.log(x + torch.sqrt(x * x - 1)), "Cot": lambda x: torch.cos(x) / torch.sin(x),
    "Coth": lambda x: torch.cosh(x) / torch.sinh(x), "Csc": lambda x: 1 / torch.sin(x), "Csch": lambda x: 1 / torch.sinh(x),
    "Sec": lambda x: 1 / torch.cos(x), "Sech": lambda x: 2 / (torch.exp(x) + torch.exp(-x)),
    "ArcCot": lambda x: torch.where(x > 0, math.pi / 2 - torch.atan(x), -math.pi / 2 - torch.atan(x)),
    "ArcCoth": lambda x: 0.5 * torch.log((x + 1) / (x - 1)), "ArcCsc": lambda x: _each(x, lambda v: math.asin(1 / v)),
    "ArcCsch": lambda x: _each(x, lambda v: math.asinh(1 / v)), "ArcSec": lambda x: _each(x, lambda v: math.acos(1 / v)),
    "ArcSech": lambda x: torch.log((1 + torch.sqrt(1 - x * x)) / x), "Haversine": lambda x: torch.sin(x / 2) ** 2,
    "InverseHaversine": lambda x: _each(x, lambda v: 2 * math.asin(math.sqrt(v))),
    "Gudermannian": lambda x: _each(x, lambda v: math.atan(math.sinh(v))),
    "InverseGudermannian": lambda x: _each(x, lambda v: math.asinh(math.tan(v))),
    "CubeRoot": lambda x: _each(x, lambda v: math.copysign(abs(v) ** (1 / 3), v)),
    "Gamma": lambda x: _each(x, math.gamma), "InverseErf": lambda x: _each(x, lambda v: float(scipy.special.erfinv(v))),
    "InverseErfc": lambda x: _each(x, lambda v: float(scipy.special.erfcinv(v))),
    "IntegerPart": lambda x: _each(x, lambda v: float(int(v))), "FractionalPart": lambda x: _each(x, lambda v: v - int(v)),
    "Unitize": lambda x: (x != 0).double(), "KroneckerDelta": lambda x: (x == 0).double(),
    "UnitStep": lambda x: _each(x, lambda v: 1.0 if v >= 0 else 0.0),
    "Boole": lambda x: torch.tensor([1.0 if v != 0 else 0.0 for v in x.flatten().tolist()], dtype=x.dtype).reshape(x.shape),
}
SYNONYMS = {"ReLU": "Ramp", "Sigmoid": "LogisticSigmoid", "Softplus": "SoftPlus", "RectifiedLinearUnit": "Ramp",
            "ExponentialLinearUnit": "ELU", "ScaledExponentialLinearUnit": "SELU", "GaussianErrorLinearUnit": "GELU",
            "Minus": "Negative"}  # Wolfram's Minus[x] is -x
#: Inputs inside each restricted function's real domain (the default grid is -2.9 .. 2.9, without 0).
DOMAINS = {**dict.fromkeys(("Log", "Log2", "Log10", "Sqrt", "ArcSin", "ArcCos", "LogGamma", "InverseHaversine"), lambda x: x.abs() / 3 + 0.01),
           **dict.fromkeys(("ArcTanh", "InverseErf"), lambda x: x / 3), "InverseErfc": lambda x: x / 3 + 1,
           **dict.fromkeys(("ArcCoth", "ArcSec", "ArcCsc"), lambda x: x.sign() * (x.abs() + 1)), "ArcCosh": lambda x: x.abs() + 1,
           "ArcSech": lambda x: x.abs() / 3 + 0.01, "InverseGudermannian": lambda x: x / 2}


def _each(x: torch.Tensor, f) -> torch.Tensor:
    """``f`` (a Python math function) on every element: a formula written independently of torch."""
    return torch.tensor([f(v) for v in x.flatten().tolist()], dtype=x.dtype).reshape(x.shape)


def test_every_name_has_a_formula():
    assert set(ELEMENTWISE) == set(WOLFRAM) | set(SYNONYMS)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_every_elementwise_name_follows_wolfram_in_both_layers_and_both_paths(name):
    x = torch.linspace(-2.9, 2.9, 12, dtype=torch.float64)[None]
    x = DOMAINS.get(SYNONYMS.get(name, name), lambda v: v)(x)
    expected = WOLFRAM[SYNONYMS.get(name, name)](x)
    for layer, port in ((ElementwiseLayer(name), "Input"), (FunctionLayer(f"{name}[#x]"), "x")):
        module = net_initialize(NetGraph([layer], [], **{port: 12}), seed=0).compile()
        torch.testing.assert_close(module(**{port: x}), expected)
        torch.testing.assert_close(interpret(module.net, module, **{port: x}), expected)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_every_elementwise_name_has_one_gradient_on_both_paths_at_kinks_too(name):
    """At 0 and +-1 (Ramp's, Clip's, HardTanh's and HardSigmoid's kinks, where a bound is met) as elsewhere."""
    x = torch.tensor([[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]], dtype=torch.float64)
    x = DOMAINS.get(SYNONYMS.get(name, name), lambda v: v)(x)
    module = net_initialize(NetGraph([ElementwiseLayer(name)], [], Input=7), seed=0).compile()
    gradients = []
    for run in (module, lambda **a: interpret(module.net, module, **a)):
        leaf = x.clone().requires_grad_(True)
        out = run(Input=leaf).sum()  # Boole's has none (a comparison), on both paths
        gradients.append(torch.autograd.grad(out, leaf)[0] if out.requires_grad else None)
    if any(g is not None for g in gradients):
        torch.testing.assert_close(gradients[0], gradients[1], equal_nan=True, rtol=1e-12, atol=1e-15)


def test_hard_sigmoid_is_wolframs_clip_not_torchs():
    x = torch.tensor([[-3.0, -1.0, 0.0, 0.5, 1.0, 3.0]])
    net = NetGraph([ElementwiseLayer("HardSigmoid")], [], Input=6)
    torch.testing.assert_close(net(x), torch.tensor([[0.0, 0.0, 0.5, 0.75, 1.0, 1.0]]))
    assert not torch.allclose(net(x), torch.nn.functional.hardsigmoid(x))


def test_function_layer_takes_every_elementwise_name_and_threading_name():
    x, y = torch.randn(2, 3), torch.randn(2, 3)
    net = NetGraph([FunctionLayer("GELU[#x] + Ramp[#y] * Plus[#x, 2] - Mod[#y, 0.5]")], [], x=3, y=3)
    expected = torch.nn.functional.gelu(x) + torch.relu(y) * (x + 2) - torch.remainder(y, 0.5)
    torch.testing.assert_close(net(x=x, y=y), expected)
    for name, f in NAMED_FUNCTIONS.items():
        args = ", ".join(f"#a{i}" for i in range(f.arity))
        assert FunctionLayer(f"{name}[{args}]").input_ports == tuple(f"a{i}" for i in range(f.arity))


def test_threading_names_compute_their_table_entry():
    a, b = torch.rand(2, 3) + 0.5, torch.rand(2, 3) + 0.5
    for name, fn in (("Power", torch.pow), ("Divide", torch.div), ("Mod", torch.remainder), ("Max", torch.maximum)):
        torch.testing.assert_close(NetGraph([ThreadingLayer(name)], [], Input1=3, Input2=3)(Input1=a, Input2=b), fn(a, b))


def test_every_table_entry_is_a_torch_function_a_definition_or_an_operator():
    for name, f in NAMED_FUNCTIONS.items():
        kinds = [f.path is not None, f.definition is not None, name in OPERATORS]
        assert sum(kinds) == 1, name
        if f.path is not None:
            assert callable(f.function), name
        if f.definition is not None:  # a definition parses into known names, with exactly its arity's slots (in
            # any order, as Log[b, x]'s Log[#2] / Log[#1]: _expand substitutes them by name; Surd's If tests #2 first)
            expected = ("Input",) if f.arity == 1 else tuple(f"Input{i}" for i in range(1, f.arity + 1))
            assert tuple(sorted(expression.parse_definition(f.definition).slots)) == expected, name
    for name, forms in OTHER_FORMS_OF.items():  # Log[b, x], Mod[m, n, d]: another form of a name in the table
        arities = [NAMED_FUNCTIONS[name].arity, *(f.arity for f in forms)]
        assert len(set(arities)) == len(arities) and set(arities) <= {1, 2, 3}, name
        for f in forms:
            expected = [f"Input{i}" for i in range(1, f.arity + 1)]
            assert sorted(expression.parse_definition(f.definition).slots) == expected, name


def test_compiled_code_and_module_read_the_same_table_entry(monkeypatch):
    monkeypatch.setitem(NAMED_FUNCTIONS, "Ramp", NamedFunction("Ramp", path="torch.tanh"))
    expression.parse_quietly.cache_clear()
    try:
        x = torch.randn(4, 3)
        module = NetGraph([ElementwiseLayer("Ramp")], [], Input=3).compile()
        assert "torch.tanh" in module.code
        torch.testing.assert_close(module(x), torch.tanh(x))
        torch.testing.assert_close(interpret(module.net, module, Input=x), torch.tanh(x))
    finally:
        expression.parse_quietly.cache_clear()


@pytest.mark.parametrize("text", ["(2 < #x) * #x", "Min[#x, 2] + Max[1, #x]", "If[#x > 0, 1, 2]", "(#x == #x) + 1",
                                  "If[1 < 2, #x, 0] + If[0, 1, #x]"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_comparisons_and_constants_follow_the_input_dtype_on_both_paths(text, dtype):
    x = torch.linspace(-3, 3, 7, dtype=dtype)[None]
    module = NetGraph([FunctionLayer(text)], [], x=7).compile()
    compiled, interpreted = module(x=x), interpret(module.net, module, x=x)
    assert compiled.dtype == interpreted.dtype == dtype
    torch.testing.assert_close(compiled, interpreted)


def test_minus_is_wolframs_negation_and_torchs_neg_is_named_by_it():
    """Minus[x] (Wolfram's -x) was 'unknown function (did you mean Min?)', another function; torch's neg named
    'Negative', which in Wolfram is the test x < 0."""
    net = NetGraph([FunctionLayer("Minus[#x] + Minus[2]")], [], x=2)
    torch.testing.assert_close(net(x=torch.tensor([[1.0, -3.0]])), torch.tensor([[-3.0, 1.0]]))
    with pytest.raises(OptionError, match="torch's neg is 'Minus' here"):
        ElementwiseLayer(torch.neg)
