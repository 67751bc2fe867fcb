"""Constants folded when an expression is parsed agree with the same expression computed at run time, Infinity
included: a value the run gives is the folded one, and a NaN the run gives (Wolfram's Indeterminate: Infinity -
Infinity, 0*Infinity, 0/0, Sin[Infinity]) is refused when folded, never a silent NaN constant."""

from __future__ import annotations

import math
import random

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, OptionError, interpret

_LEAVES = [math.inf, -math.inf, 0.0, 1.0, 2.0, -1.5, 0.5]
_UNARY = ["Exp", "Log", "Tanh", "Sin", "Abs", "Ramp", "Sqrt", "LogisticSigmoid", "ArcTan", "Sign", "Floor"]
_BINARY = ["+", "-", "*", "/", "^"]
_CALLS = ["Max", "Min", "Mod", "Surd", "ArcTan"]


def _leaf_text(value: float) -> str:
    text = "Infinity" if math.isinf(value) else repr(value)
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


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("seed", range(8))
def test_folded_constants_agree_with_the_run_or_are_refused_as_indeterminate(seed):
    rng = random.Random(seed)
    for _ in range(12):
        values: list[float] = []
        written, ported = _random_expression(rng, 3, values)
        at_run = _both_paths(ported, {f"c{i}": v for i, v in enumerate(values)})
        assert _same(*at_run), (ported, at_run)
        try:
            at_parse = _both_paths(f"{written} + #z", {"z": 0.0})
        except OptionError as exc:  # refused: a NaN of the run, or (a rule of its own) 1/0 or 10^400 in it
            assert exc.kind == "expression-syntax", written
            assert math.isnan(at_run[0]) or "divides by 0" in str(exc) or "overflows" in str(exc), (written, str(exc))
            continue
        assert not math.isnan(at_parse[0]), written  # a folded NaN is refused, never a constant
        assert all(_same(p, at_run[0] + 0.0) for p in at_parse), (written, at_parse, at_run)


@pytest.mark.parametrize("written", ["Infinity - Infinity", "0*Infinity", "Infinity/Infinity", "(-Infinity) + Infinity",
                                     "Exp[Infinity] - Exp[Infinity]", "Sin[Infinity]", "Mod[Infinity, 2]", "0/0"])
def test_an_indeterminate_constant_is_refused_as_run_time_gives_nan(written):
    """Infinity - Infinity folded to a NaN constant while 0/0 was refused: both are refused now, naming it."""
    with pytest.raises(OptionError, match="indeterminate") as caught:
        FunctionLayer(f"{written} + #x")
    assert caught.value.kind == "expression-syntax"


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
