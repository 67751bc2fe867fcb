"""A TorchLayer whose module changes its input in place (``nn.ReLU(inplace=True)``) gets a copy of it."""

from __future__ import annotations

import torch
from torch import nn

from netgraph import NetGraph, NetPort
from netgraph.backend.interpreter import interpret


def _fan_out() -> NetGraph:
    return NetGraph({"a": nn.ReLU(inplace=True), "b": "Tanh", "add": "Plus"},
                    [(NetPort("Input"), "a"), (NetPort("Input"), "b"), (["a", "b"], "add")], Input=3)


def test_inplace_module_leaves_other_branch_and_caller_input_alone():
    net, x = _fan_out(), torch.tensor([[-1.0, 0.5, -2.0]])
    before = x.clone()
    expected = torch.relu(before) + torch.tanh(before)
    assert torch.allclose(net(x), expected)
    assert torch.equal(x, before)
    module = net.compile()
    assert torch.allclose(module(Input=x), expected) and torch.equal(x, before)
    assert torch.allclose(interpret(net, module, Input=x), expected) and torch.equal(x, before)


def test_module_that_changes_nothing_gets_no_copy():
    code = NetGraph({"a": nn.ReLU(), "b": nn.ReLU(inplace=True)}, [("a", "b")], Input=3).compile().code
    assert code.count(".clone()") == 1
