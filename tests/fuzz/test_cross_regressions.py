"""Regressions found by the cross-component properties (tests/fuzz/test_fuzz_cross.py), each as a plain test."""

from __future__ import annotations

import torch

import netgraph
from netgraph import (ConstantArrayLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, ParametricRampLayer,
                      SummationLayer, ThreadingLayer, interpret, net_initialize)


def _plus_constant() -> NetGraph:
    return NetGraph({"l": LinearLayer(3), "c": ConstantArrayLayer(torch.arange(3.0)), "p": ThreadingLayer("Plus")},
                    [("l", "p"), ("c", "p")])


def test_saving_an_operator_whose_inner_net_is_partly_initialised_loads_back(tmp_path):
    # save wrote the inner LinearLayer's unset arrays as the operator's options ('net.l.Weights: null'), which load
    # refused ("NetMapOperator has no option 'net.l.Weights'")
    net = NetChain([NetMapOperator(_plus_constant())], input=("n", 2))
    back = netgraph.load(netgraph.save(net, tmp_path / "net.yaml"))
    assert back == net
    x = torch.rand(2, 4, 2)
    torch.testing.assert_close(net_initialize(back, seed=1)(x), net_initialize(net, seed=1)(x))


def test_parametric_ramp_at_zero_has_one_gradient_compiled_and_interpreted():
    # the compiled forward (and its ONNX export) is torch.where(x > 0, ...): gradient the slope at x = 0 (it was 1,
    # while the module the interpreter ran computed relu(x) - relu(-x) * slope: gradient 0 there)
    net = net_initialize(NetChain([ParametricRampLayer()], input=3), seed=0)
    module = net.compile()
    x = torch.tensor([[0.0, -2.0, 3.0]])
    gradients = []
    for run in (lambda x: module(x), lambda x: interpret(net, module, Input=x)):
        x = x.clone().requires_grad_(True)
        slope_gradient, x_gradient = torch.autograd.grad(run(x).sum(), [module.get_submodule("1").Slope, x])
        gradients.append((slope_gradient, x_gradient))
    for got in gradients:
        torch.testing.assert_close(got[0], torch.tensor([0.0, -2.0, 0.0]))
        torch.testing.assert_close(got[1], torch.tensor([[0.1, 0.1, 1.0]]))  # at 0 the slope, as F.prelu


def test_summation_over_a_sequence_imports_back_from_its_onnx_export(tmp_path):
    # the export summed through Unsqueeze -> Flatten -> ReduceSum, and import_onnx's FlattenLayer refused the
    # variable-length dim (a ShapeError): the net's own export could not be imported
    net = net_initialize(NetChain([SummationLayer()], input=("n", 2)), seed=0)
    imported = netgraph.import_onnx(netgraph.export_onnx(net, tmp_path / "sum.onnx"))
    for length in (1, 5):
        x = torch.rand(3, length, 2)
        torch.testing.assert_close(imported(x), x.sum((1, 2)))
