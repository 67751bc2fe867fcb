"""A leaky ramp written with Where imports with torch's values and gradients, at 0 too: ParametricRampLayer's compare
is x > 0 (its gradient at 0 is the slope), so only Where(x > 0, x, s x) and the swapped Where(x <= 0, s x, x) import
as one; Where(x >= 0, x, s x) and Where(x < 0, s x, x) (gradient 1 at 0) imported as one too, with the slope's
gradient at 0 where torch's is 1."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F

from netgraph import (ElementwiseLayer, FunctionLayer, NetGraph, ParametricRampLayer, export_onnx, import_onnx,
                      net_initialize)
from tests.onnx_helpers import Op, quiet_exporter, torch_export

#: torch's form -> the layers it imports as
FORMS = {
    "x >= 0": (lambda x: torch.where(x >= 0, x, 0.1 * x), ["ElementwiseLayer"]),
    "x < 0 swapped": (lambda x: torch.where(x < 0, 0.1 * x, x), ["ElementwiseLayer"]),
    "x > 0": (lambda x: torch.where(x > 0, x, 0.1 * x), ["ParametricRampLayer"]),
    "x <= 0 swapped": (lambda x: torch.where(x <= 0, x * 0.1, x), ["ParametricRampLayer"]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), ["ElementwiseLayer"]),
    "x >= 0, a slope per channel": (lambda x: torch.where(x >= 0, x, x * torch.tensor([0.1, -0.5, 2.0])), None),
}

#: 0 in every column, either side of it too
POINTS = torch.tensor([[0.0, 0.0, 0.0], [-1.5, 0.0, 2.0], [0.0, 3.0, -0.25]])


def _values_and_gradients(function, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.clone().requires_grad_()
    y = function(x)
    (gradient,) = torch.autograd.grad(y.sum(), x)
    return y.detach(), gradient


def _assert_as(net, function) -> None:
    got, want = _values_and_gradients(net.compile(), POINTS), _values_and_gradients(function, POINTS)
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize("name", FORMS)
def test_a_torch_leaky_ramp_imports_with_its_gradient_at_0(name, tmp_path):
    function, layers = FORMS[name]
    net = import_onnx(torch_export(Op(function), torch.randn(2, 3), tmp_path / "m.onnx"))
    _assert_as(net, function)
    if layers:
        assert [layer.type_name for _, layer in net.leaves()] == layers


@pytest.mark.parametrize("name", ["x >= 0", "x > 0", "leaky_relu"])
def test_a_leaky_ramp_of_torchs_dynamo_exporter_imports_with_its_gradient_at_0(name, tmp_path):
    function = FORMS[name][0]
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Op(function).eval(), (torch.randn(2, 3),), str(tmp_path / "m.onnx"), dynamo=True)
    _assert_as(import_onnx(tmp_path / "m.onnx"), function)


@pytest.mark.parametrize("layer", [FunctionLayer("If[# >= 0, #, 0.1 * #]"), ElementwiseLayer("If[# >= 0, #, -2 * #]"),
                                   FunctionLayer("If[# > 0, #, 0.1 * #]"), ParametricRampLayer(slope=[0.1, -0.5, 2.0]),
                                   ElementwiseLayer("If[# > 0, #, 0.3 * #]")],
                         ids=["function >=", "elementwise >=", "function >", "parametric ramp", "elementwise >"])
def test_our_leaky_ramps_export_and_import_with_their_gradient_at_0(layer, tmp_path):
    net = net_initialize(NetGraph({"ramp": layer}, [], Input=3), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    _assert_as(back, net.compile())
    assert len(list(back.leaves())) == 1, back.layers  # an If's compare was exported cast to 1 or 0, tested != 0: 4
