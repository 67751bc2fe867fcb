"""Max, Min and Clip against a constant bound: gradient 0 at the bound and beyond it, 1 strictly inside and at NaN;
Max[#, 0] is Ramp (relu) at Infinity too, an infinite bound is the identity's, another one-sided bound is
hardtanh's (gradient 0 at the open side's infinity); values as torch's clamp's; integer inputs cast as clamp casts
them; a bound beyond the precision's range is infinite; the ONNX export equals torch. Compiled and interpreted,
float32 and float64."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import ElementwiseLayer, NetGraph, interpret, net_initialize
from netgraph.export.exporter import export_onnx
from netgraph.export.importer import import_onnx
from tests.onnx_helpers import run_onnx

_DTYPES = [torch.float32, torch.float64]
_X = [math.nan, -math.inf, -1.0, 0.0, 1.0, math.inf]


def _both_paths(function: str, x: torch.Tensor, grad: bool = False) -> list[torch.Tensor]:
    """ElementwiseLayer(function)'s output (or the gradient of its sum, with ``grad``) at ``x``, compiled and
    interpreted."""
    module = NetGraph([ElementwiseLayer(function)], [], Input=x.shape[-1]).compile()
    module = module.to(x.dtype) if x.is_floating_point() else module
    got = []
    for run in (module, lambda **a: interpret(module.net, module, **a)):
        leaf = x.clone().requires_grad_(grad)
        out = run(Input=leaf)
        got.append(torch.autograd.grad(out.sum(), leaf)[0] if grad else out.detach())
    return got


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("function, gradient", [
    ("Max[#, 0]", [1, 0, 0, 0, 1, 1]), ("Ramp", [1, 0, 0, 0, 1, 1]), ("Max[#, -1]", [1, 0, 0, 1, 1, 0]),
    ("Min[#, 0]", [1, 0, 1, 0, 0, 0]), ("Min[#, 1]", [1, 0, 1, 1, 0, 0]), ("Clip[#, {-1, 1}]", [1, 0, 0, 1, 0, 0]),
    ("Clip[#, {0, Infinity}]", [1, 0, 0, 0, 1, 1]), ("Clip[#, {-Infinity, 0}]", [1, 0, 1, 0, 0, 0]),
    ("Max[#, -Infinity]", [1] * 6), ("Min[#, Infinity]", [1] * 6), ("Clip[#, {-Infinity, Infinity}]", [1] * 6)])
def test_a_constant_bounds_gradient_at_the_infinities_and_nan(function, gradient, dtype):
    """Max[#, 0] was hardtanh(x, 0, Infinity), whose gradient is 0 at x = Infinity (relu's, Ramp's, is 1); the
    identities Max[#, -Infinity], Min[#, Infinity] had gradient 0 at ±Infinity."""
    x = torch.tensor([_X], dtype=dtype)
    for got in _both_paths(function, x, grad=True):
        assert got.tolist() == [[float(g) for g in gradient]] and got.dtype == dtype


@pytest.mark.parametrize("dtype", _DTYPES)
def test_a_constant_bound_keeps_clamps_values(dtype):
    x = torch.tensor([[math.nan, -math.inf, -2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, math.inf]], dtype=dtype)
    for function, want in (("Max[#, 0]", x.clamp(min=0)), ("Max[#, -1]", x.clamp(min=-1)),
                           ("Min[#, 0]", x.clamp(max=0)), ("Min[#, 0.5]", x.clamp(max=0.5)),
                           ("Clip[#, {-1, 1}]", x.clamp(-1, 1)), ("Max[#, -Infinity]", x), ("Min[#, Infinity]", x),
                           ("Max[#, Infinity]", x.clamp(min=math.inf)), ("Min[#, -Infinity]", x.clamp(max=-math.inf))):
        for got in _both_paths(function, x):
            torch.testing.assert_close(got, want, equal_nan=True, rtol=0, atol=0)


@pytest.mark.parametrize("function, want", [
    ("Clip[#, {0.5, 2.5}]", [0.5, 0.5, 1.0, 2.5]), ("Max[#, 0.5]", [0.5, 0.5, 1.0, 3.0]),
    ("Min[#, 0.5]", [-2.0, 0.0, 0.5, 0.5]), ("Max[#, 0]", [0.0, 0.0, 1.0, 3.0])])
def test_an_integer_input_is_cast_as_clamp_casts_it(function, want):
    """hardtanh kept int64 and truncated the bounds: Clip[#, {0.5, 2.5}] of [-2, 0, 1, 3] was [0, 0, 1, 2]."""
    x = torch.tensor([[-2, 0, 1, 3]])
    for got in _both_paths(function, x):
        assert got.tolist() == [want] and got.dtype == torch.get_default_dtype()


@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("function, within", [
    ("Min[#, 1e300]", "Min[#, {}]"), ("Max[#, -1e300]", "Max[#, -{}]"), ("Clip[#, {-1, 1e300}]", "Clip[#, {{-1, {}}}]"),
    ("Clip[#, {-1*^300, 0}]", "Clip[#, {{-{}, 0}}]")])
def test_a_bound_beyond_the_precisions_range_is_infinite_as_any_constant(function, within, dtype):
    """Min[#, 1e300] in float32 raised torch's 'cannot be converted to type float without overflow'; it is
    Min[#, Infinity] there, as #x + 1e300 is Infinity, and a bound of 1e300 in float64."""
    x = torch.tensor([[math.nan, -math.inf, -2.0, 0.0, 3.0, math.inf]], dtype=dtype)
    written = within.format("Infinity" if dtype == torch.float32 else "1*^300")
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # the working precision
    try:
        for grad in (False, True):
            for got, want in zip(_both_paths(function, x, grad), _both_paths(written, x, grad)):
                torch.testing.assert_close(got, want, equal_nan=True, rtol=0, atol=0)
    finally:
        torch.set_default_dtype(default)


@pytest.mark.parametrize("opset", [9, 11, 17])
def test_the_onnx_export_of_a_constant_bound_equals_torch_and_imports_back(opset, tmp_path):
    """clamp(min=0) was exported so that onnxruntime gave 3.4e38 at Infinity; relu and Clip with infinite bounds
    export exactly (Max[#, -Infinity], the identity, exports no computing node: it imports as an identity)."""
    x = torch.tensor([[math.nan, -math.inf, -1.5, -0.0, 0.5, 2.0, math.inf]])
    for function in ("Max[#, 0]", "Min[#, 0.5]", "Max[#, -1]", "Clip[#, {-1, 1}]", "Max[#, -Infinity]",
                     "Max[#, Infinity]", "Min[#, -Infinity]", "Min[Max[#, 1], 0]"):
        net = net_initialize(NetGraph([ElementwiseLayer(function)], [], Input=7))
        export_onnx(net, tmp_path / "net.onnx", opset=opset)
        want = net.compile()(Input=x)
        got = torch.from_numpy(run_onnx(tmp_path / "net.onnx", {"Input": x})[0])
        torch.testing.assert_close(got, want, equal_nan=True, rtol=0, atol=0)
        torch.testing.assert_close(import_onnx(tmp_path / "net.onnx")(x[0]), want[0], equal_nan=True, rtol=0, atol=0)
