"""Regressions found by the cross-component properties (tests/fuzz/test_fuzz_cross.py), each as a plain test."""

from __future__ import annotations

import torch

import netgraph
from netgraph import (ConstantArrayLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, ThreadingLayer,
                      net_initialize)


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

