"""Constants folded when an expression is parsed agree with the same expression computed at run time, Infinity
included: a value the run gives is the folded one, and a NaN the run gives (Wolfram's Indeterminate: Infinity -
Infinity, 0*Infinity, 0/0, Sin[Infinity]) is folded to NaN with a warning naming the part, as Wolfram's
Infinity::indet, never a silent NaN constant; Indeterminate written is NaN without one. Folded powers follow
Wolfram's Power where torch's pow differs (0^0, Infinity^0, 1^Infinity, Indeterminate^0: NaN, not 1); the run keeps
torch's (no where() on every power)."""

from __future__ import annotations

import math
import random
import warnings

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, OptionError, interpret
from netgraph.layers import expression_run
from netgraph.layers.expression_indeterminate import IndeterminateWarning

_LEAVES = [math.inf, -math.inf, 0.0, 1.0, 2.0, -1.5, 0.5, math.nan]
_UNARY = ["Exp", "Log", "Tanh", "Sin", "Abs", "Ramp", "Sqrt", "LogisticSigmoid", "ArcTan", "Sign", "Floor"]
_BINARY = ["+", "-", "*", "/", "^"]
_CALLS = ["Max", "Min", "Mod", "Surd", "ArcTan"]


def _leaf_text(value: float) -> str:
    text = "Indeterminate" if math.isnan(value) else "Infinity" if math.isinf(value) else repr(value)
    return f"(-{text.lstrip('-')})" if value < 0 else text


def _random_expression(rng: random.Random, depth: int, ports: list[float]) -> tuple[str, str]:
    """An expression over the constants of ``_LEAVES``: (as written with the constants, with ports #c0, #c1, ...
    in their places; ``ports`` gets the values)."""
    roll = rng.random()
    if depth == 0 or roll < 0.25:
        value = rng.choice(_LEAVES)
        ports.append(value)
        return _leaf_text(value), f"#c{len(ports) - 1}"
    if roll < 0.5:
        name = rng.choice(_UNARY)
        written, ported = _random_expression(rng, depth - 1, ports)
        return f"{name}[{written}]", f"{name}[{ported}]"
    if roll > 0.75 and (name := rng.choice(_CALLS)) == "Surd":  # of an integer root, as Wolfram's Surd takes
        written, ported = _random_expression(rng, depth - 1, ports)
        root = rng.choice([2, 3])
        return f"Surd[{written}, {root}]", f"Surd[{ported}, {root}]"
    left, right = _random_expression(rng, depth - 1, ports), _random_expression(rng, depth - 1, ports)
    if roll > 0.75:
        return f"{name}[{left[0]}, {right[0]}]", f"{name}[{left[1]}, {right[1]}]"
    op = rng.choice(_BINARY)
    return f"({left[0]}) {op} ({right[0]})", f"({left[1]}) {op} ({right[1]})"


def _both_paths(text: str, inputs: dict[str, float]) -> list[float]:
    """The value of ``text`` compiled and interpreted, on float64 inputs of one element."""
    layer = FunctionLayer(text)  # a port whose value decides nothing is not one (#c0^0 is 1)
    module = NetGraph([layer], [], **{name: 1 for name in layer.input_ports}).compile()
    tensors = {name: torch.tensor([[inputs[name]]], dtype=torch.float64) for name in layer.input_ports}
    return [module(**tensors).item(), interpret(module.net, module, **tensors).item()]


def _wolfram_power(base, exponent):
    """torch's pow but NaN where Wolfram's Power is Indeterminate (0^0, Infinity^0, 1^Infinity, NaN^0, 1^NaN)."""
    base, exponent = torch.as_tensor(base, dtype=torch.float64), torch.as_tensor(exponent, dtype=torch.float64)
    indeterminate = base.isnan() | exponent.isnan() | ((exponent == 0) & ((base == 0) | base.isinf())) | \
        ((base.abs() == 1) & exponent.isinf())
    return torch.where(indeterminate, math.nan, torch.pow(base, exponent))


def _wolfram_run(text: str, inputs: dict[str, float], monkeypatch) -> float:
    """The interpreted value of ``text`` with Wolfram's Power for torch's: what folding its constants gives."""
    with monkeypatch.context() as patch:
        patch.setitem(expression_run._BINARY, "**", _wolfram_power)
        return _both_paths(text, inputs)[1]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def _warned_both_paths(text: str, inputs: dict[str, float]) -> tuple[list[float], list[str]]:
    """Both paths' values and the messages of the IndeterminateWarnings the layer's parse gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = _both_paths(text, inputs)
    return values, [str(w.message) for w in caught if issubclass(w.category, IndeterminateWarning)]


@pytest.mark.parametrize("seed", range(8))
def test_folded_constants_agree_with_the_run_nan_with_a_warning(seed, monkeypatch):
    rng = random.Random(seed)
    for _ in range(12):
        values: list[float] = []
        written, ported = _random_expression(rng, 3, values)
        ports = {f"c{i}": v for i, v in enumerate(values)}
        at_run = _both_paths(ported, ports)
        assert _same(*at_run), (ported, at_run)
        wolfram = _wolfram_run(ported, ports, monkeypatch)
        try:
            at_parse, warned = _warned_both_paths(f"{written} + #z", {"z": 0.0})
        except OptionError as exc:  # refused: (a rule of its own) 1/0, 10^400 or a complex number in it
            assert exc.kind == "expression-syntax", written
            assert any(why in str(exc) for why in ("divides by 0", "overflows", "not a real")), (written, str(exc))
            continue
        assert math.isnan(at_parse[0]) >= bool(warned), (written, at_parse, warned)  # a folded NaN is warned of
        assert bool(warned) or not math.isnan(at_parse[0]) or "Indeterminate" in written, (written, at_parse)
        assert all(_same(p, wolfram + 0.0) for p in at_parse), (written, at_parse, wolfram)


@pytest.mark.parametrize("written", ["Infinity - Infinity", "0*Infinity", "Infinity/Infinity", "(-Infinity) + Infinity",
                                     "Exp[Infinity] - Exp[Infinity]", "Sin[Infinity]", "Mod[Infinity, 2]", "0/0"])
def test_an_indeterminate_constant_computes_nan_with_a_warning_naming_it(written):
    """Infinity - Infinity folded to a silent NaN constant, then was refused (files the ONNX importer wrote no
    longer loaded): now it is NaN, as at run time and in Wolfram, with a warning naming the part."""
    got, warned = _warned_both_paths(f"{written} + #x", {"x": 1.0})
    assert all(math.isnan(v) for v in got) and len(warned) == 1  # one part, warned of once
    assert f"{written} is indeterminate" in warned[0] and "write Indeterminate" in warned[0]


@pytest.mark.parametrize("written", ["Sech[Indeterminate]", "Sign[Indeterminate]", "Unitize[Indeterminate]",
                                     "ArcCot[Indeterminate]", "Surd[Indeterminate, 3]", "Log[2, Indeterminate]",
                                     "ArcTan[Indeterminate, 1]", "2 * Indeterminate"])
def test_a_function_of_indeterminate_is_nan_without_a_warning(written):
    """These were refused with a message telling the user to write Indeterminate (a definition's tree, already
    folded to NaN, was folded again as if from no NaN)."""
    got, warned = _warned_both_paths(f"{written} + #x", {"x": 1.0})
    assert all(math.isnan(v) for v in got) and warned == []


def test_a_branch_a_constant_condition_drops_is_not_warned_of():
    assert _warned_both_paths("If[1 > 0, #x, Infinity - Infinity]", {"x": 2.0}) == ([2.0, 2.0], [])


def test_a_file_the_old_onnx_import_wrote_loads_and_computes_nan_at_the_origin():
    """The importer wrote ArcTan's NaN at the origin as (Infinity - Infinity): such a file loads, with the warning."""
    text = ("netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: 'If[#1 != #2, (Infinity - Infinity), "
            "#3]'\ninputs: {Input1: 1, Input2: 1, Input3: 1}\n")
    with pytest.warns(IndeterminateWarning, match=r"Infinity - Infinity is indeterminate"):
        net = NetGraph.from_yaml(text)
    got = net(Input1=torch.tensor([[1.0], [0.0]]), Input2=torch.zeros(2, 1), Input3=torch.full((2, 1), 5.0))
    assert math.isnan(got[0, 0]) and got[1, 0] == 5.0


@pytest.mark.parametrize("written", ["#x == Indeterminate", "#x != Indeterminate", "Indeterminate < #x",
                                     "#x >= 2 * Indeterminate"])
def test_a_comparison_with_indeterminate_is_refused(written):
    """#x == Indeterminate was always 0 and != always 1 (NaN comparisons); Wolfram leaves them unevaluated."""
    with pytest.raises(OptionError, match="compares with Indeterminate") as caught:
        FunctionLayer(f"If[{written}, #x, 0]")
    assert caught.value.kind == "expression-syntax" and repr(written) in str(caught.value)


@pytest.mark.parametrize(("written", "value"), [("Exp[-Infinity]", 0.0), ("Max[Infinity, 2]", math.inf),
                                                ("Min[-Infinity, 2]", -math.inf), ("Tanh[Infinity]", 1.0),
                                                ("1 / Infinity", 0.0), ("ArcTan[Infinity, 1]", 0.0)])
def test_a_determinate_constant_of_infinity_folds_to_the_run_time_value(written, value):
    assert _both_paths(f"{written} + #z", {"z": 0.0}) == [value, value] == _both_paths(
        written.replace("Infinity", "#i") + " + #z", {"i": math.inf, "z": 0.0})


def test_indeterminate_writes_a_nan_that_folding_carries():
    """The NaN that folding refuses to make is written Indeterminate, as in Wolfram (the ONNX import writes it)."""
    got = _both_paths("If[#x > 0, #x, Indeterminate * 2]", {"x": -1.0})
    assert all(math.isnan(v) for v in got) and _both_paths("If[#x > 0, #x, Indeterminate]", {"x": 3.0}) == [3.0, 3.0]


@pytest.mark.parametrize(("written", "why"), [
    ("0^(-Infinity)", "divides by 0"), ("(-0)^(-Infinity)", "divides by 0"), ("0^(-1)", "divides by 0"),
    ("Infinity/0", "divides by 0"), ("(-Infinity)/0", "divides by 0"), ("(-2)^Infinity", "infinite of no sign"),
    ("(-Infinity)^Infinity", "infinite of no sign"), ("(-1/2)^(-Infinity)", "infinite of no sign"),
    ("(-Infinity)^(1/2)", "Sqrt[-1] is I")])
def test_a_constant_wolfram_calls_complex_infinity_is_refused_with_infinity_written(written, why):
    """0^(-Infinity) and Infinity/0 folded to Infinity while 0^(-1) and 1/0 were refused; (-2)^Infinity was refused
    as complex (I), where Wolfram's is ComplexInfinity; (-Infinity)^(1/2) is I Infinity."""
    with pytest.raises(OptionError) as caught:
        FunctionLayer(f"{written} + #z")
    assert caught.value.kind == "expression-syntax" and why in str(caught.value)
    assert "ComplexInfinity" in str(caught.value) or why == "Sqrt[-1] is I"


@pytest.mark.parametrize(("written", "value"), [("(-2)^(-Infinity)", 0.0), ("(-1/2)^Infinity", 0.0),
                                                ("0^Infinity", 0.0), ("Infinity/2", math.inf)])
def test_a_real_constant_of_a_negative_base_or_0_and_infinity_folds(written, value):
    assert _both_paths(f"{written} + #z", {"z": 0.0}) == [value, value]


def test_a_power_at_run_time_is_torchs():
    """Only constants are Wolfram's: at run time 0^(-Infinity) is Infinity, as torch's pow, one op."""
    assert _both_paths("#x^#e", {"x": 0.0, "e": -math.inf}) == [math.inf, math.inf]
