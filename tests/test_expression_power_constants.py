"""Constant powers follow Wolfram's Power where torch's pow differs (Indeterminate^0, 0^0, Infinity^0, 1^Infinity are
Indeterminate, not 1; a negative infinite base to a power that is not an integer is complex, as (-1)^(1/2));
Boole and If refuse an Indeterminate condition, as comparisons with it are refused; an IndeterminateWarning names
the layer, option and output; Max, Min and Clip against a constant have gradient 0 at the bound, as Ramp at 0.
Each computed compiled and interpreted, in float32 and float64."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, OptionError, interpret
from netgraph.layers.expression_indeterminate import IndeterminateWarning

_DTYPES = [torch.float32, torch.float64]


def _both_paths(layer, x: torch.Tensor, grad: bool = False) -> list[torch.Tensor]:
    """The layer's output (or the gradient of its sum, with ``grad``) at ``x`` (port ``Input`` or ``x``), compiled
    and interpreted."""
    port = layer.input_ports[0]
    module = NetGraph([layer], [], **{port: x.shape[-1]}).compile()
    got = []
    for run in (module, lambda **a: interpret(module.net, module, **a)):
        leaf = x.clone().requires_grad_(grad)
        out = run(**{port: leaf})
        got.append(torch.autograd.grad(out.sum(), leaf)[0] if grad else out.detach())
    return got


def _warned(make) -> tuple[object, list[IndeterminateWarning]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
    return made, [w.message for w in caught if issubclass(w.category, IndeterminateWarning)]


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("power, warned", [
    ("Power[Indeterminate, 0]", False), ("Indeterminate^0", False), ("1^Indeterminate", False),
    ("0^0", True), ("Infinity^0", True), ("(-Infinity)^0", True), ("1^Infinity", True), ("(-1)^Infinity", True),
    ("1^(-Infinity)", True), ("Power[0, 0]", True), ("(Infinity - Infinity)^0", "Infinity - Infinity")])
def test_an_indeterminate_constant_power_is_nan_not_1(power, warned, dtype):
    """They folded to 1 (torch's pow: NaN^0 and 0^0 are 1); Wolfram's are Indeterminate, warned of (Power::indet)
    unless from Indeterminate written; a power of a noted NaN is warned of as that NaN (the part it came from)."""
    layer, caught = _warned(lambda: FunctionLayer(f"#x + {power}"))
    assert [w.part for w in caught] == ([power if warned is True else warned] if warned else [])
    for got in _both_paths(layer, torch.tensor([[1.0, -2.0]], dtype=dtype)):
        assert got.isnan().all() and got.dtype == dtype


@pytest.mark.parametrize("dtype", _DTYPES)
def test_a_run_time_power_keeps_torchs_rule_nan_to_0_is_1(dtype):
    """At run time x^0 is 1 at x = NaN, and 0^0 is 1 (torch's pow; the README says so): no where() on every power."""
    for got in _both_paths(FunctionLayer("#x^0"), torch.tensor([[math.nan, 0.0, math.inf]], dtype=dtype)):
        assert got.tolist() == [[1.0, 1.0, 1.0]]


@pytest.mark.parametrize("power", ["(-Infinity)^(1/2)", "(-Infinity)^0.5", "(-Infinity)^(1/3)", "(-2)^Infinity",
                                   "(-Infinity)^Infinity", "Power[-Infinity, 1/2]", "(-1)^(1/2)"])
def test_a_negative_base_to_a_power_not_an_integer_is_not_real(power):
    """(-Infinity)^(1/2) folded to Infinity (IEEE's pow) where (-1)^(1/2) is refused: Wolfram's is I Infinity."""
    with pytest.raises(OptionError, match=r"a constant is not a real number") as caught:
        FunctionLayer(f"#x + {power}")
    assert caught.value.kind == "expression-syntax"


@pytest.mark.parametrize("power, value", [("(-Infinity)^(-1/2)", 0.0), ("(-Infinity)^2", math.inf),
                                          ("(-Infinity)^3", -math.inf), ("(-1/2)^Infinity", 0.0),
                                          ("(-2)^(-Infinity)", 0.0), ("Infinity^(1/2)", math.inf)])
def test_an_infinite_power_with_a_real_value_folds_to_it(power, value):
    for got in _both_paths(FunctionLayer(f"#x * 0 + {power}"), torch.tensor([[1.0]], dtype=torch.float64)):
        assert got.item() == value


@pytest.mark.parametrize("text", ["Boole[Indeterminate]", "If[Indeterminate, #x, 0]", "Boole[Infinity - Infinity]",
                                  "If[0*Infinity, 1, #x]", "Boole[2 * Indeterminate]"])
def test_an_indeterminate_condition_is_refused(text):
    """Boole[Indeterminate] was 1 and If[Indeterminate, a, b] a (NaN != 0); Wolfram leaves them unevaluated."""
    wanted = r"reads Indeterminate as true or false: .*write the branch meant, or Indeterminate for a NaN"
    with pytest.raises(OptionError, match=wanted) as caught:
        FunctionLayer(f"#x + {text}")
    assert caught.value.kind == "expression-syntax" and repr(text) in str(caught.value)


def test_the_warning_names_the_layer_option_and_output():
    """It named the expression only (the parse is cached and knows no layer): now the layer a file names, its type,
    the option and, of several outputs, the output; a second layer of the same text (a cached parse) is warned of."""
    text = ("netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: '#x + 0^0'\n  g:\n    type: "
            "FunctionLayer\n    function: '#x + 0^0'\nedges: [[x, f], [x, g]]\ninputs: {x: 1}\n")
    _, caught = _warned(lambda: NetGraph.from_yaml(text))
    assert [(w.layer, w.layer_type, w.option, w.part) for w in caught] == \
        [(("f",), "FunctionLayer", "function", "0^0"), (("g",), "FunctionLayer", "function", "0^0")]
    assert str(caught[0]).startswith("layer 'f' (FunctionLayer) option function: expression '#x + 0^0': 0^0 is ")
    _, caught = _warned(lambda: FunctionLayer("<|\"a\" -> #x, \"b\" -> #x * Infinity^0|>"))
    assert [(w.layer, w.port, w.part) for w in caught] == [(None, "b", "Infinity^0")]
    assert str(caught[0]).startswith("FunctionLayer option function: expression ")
    _, caught = _warned(lambda: ElementwiseLayer("# + 0*Infinity"))
    assert [(w.layer_type, w.option, w.part) for w in caught] == [("ElementwiseLayer", "function", "0*Infinity")]


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("function, gradient", [
    ("Ramp", [0.0, 0.0, 1.0]), ("Max[#, 0]", [0.0, 0.0, 1.0]), ("Max[0, #]", [0.0, 0.0, 1.0]),
    ("Clip[#, {0, Infinity}]", [0.0, 0.0, 1.0]), ("Min[#, 0]", [1.0, 0.0, 0.0]), ("Clip[#, {0, 1}]", [0.0, 0.0, 0.0]),
    ("Clip[#, {-1, 1}]", [0.0, 1.0, 0.0]), ("HardTanh", [0.0, 1.0, 0.0]), ("Max[#, -1]", [0.0, 1.0, 1.0]),
    ("Min[Max[#, 1], 0]", [0.0, 0.0, 0.0]), ("HardSigmoid", [0.0, 0.5, 0.0])])
def test_a_constant_bound_has_gradient_0_where_the_input_meets_it_as_ramp(function, gradient, dtype):
    """Max[#, 0] and Clip[#, {0, Infinity}] (torch's clamp) had gradient 1 at 0 where Ramp (relu), which they are,
    has 0: a constant bound is torch's hardtanh, 0 at the bound as relu's and HardTanh's, compiled and interpreted."""
    x = torch.tensor([[-1.0, 0.0, 1.0]], dtype=dtype)
    for got in _both_paths(ElementwiseLayer(function), x, grad=True):
        assert got.tolist() == [gradient] and got.dtype == dtype


@pytest.mark.parametrize("dtype", _DTYPES)
def test_a_constant_bound_keeps_values_and_nan(dtype):
    x = torch.tensor([[math.nan, -2.0, -0.0, 0.5, 3.0, -math.inf, math.inf]], dtype=dtype)
    for function, want in (("Max[#, 0]", torch.relu(x)), ("Clip[#, {-1, 1}]", x.clamp(-1, 1)),
                           ("Min[#, 0.5]", x.clamp(max=0.5)), ("Min[Max[#, 1], 0]", x.clamp(1).clamp(max=0))):
        for got in _both_paths(ElementwiseLayer(function), x):
            torch.testing.assert_close(got, want, equal_nan=True, rtol=0, atol=0)

