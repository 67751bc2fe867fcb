"""A TorchLayer whose module changes its input in place (``nn.ReLU(inplace=True)``) gets a copy of it; one that changes
its own state keeps it as it was while its shapes are probed."""

from __future__ import annotations

import torch
from torch import nn

from netgraph import NetChain, NetGraph, NetPort, TorchLayer, net_initialize
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


class _Remember(nn.Module):
    def __init__(self):
        super().__init__()
        self.calls, self.last = 0, None
        self.register_buffer("seen", torch.zeros(()))

    def forward(self, x):
        self.calls += 1
        self.last = x.detach()
        self.seen += 1
        return x * 2


def test_the_shape_probe_leaves_the_users_module_as_it_was():
    # the meta run called the user's own module: its counter moved and it kept a meta tensor as its last input
    mod = _Remember()
    net = NetChain([TorchLayer(mod), "Tanh"], input=("n", 5))  # a variable length: probed twice
    assert net.layer_types("1")["Output"].shape == ("n", 5)
    assert mod.calls == 0 and mod.last is None and mod.seen.item() == 0 and mod.seen.device.type == "cpu"
    module = net_initialize(net, seed=0).compile()
    module(torch.randn(2, 3, 5))
    assert module._modules["1"].calls == 1 and mod.calls == 0


class _DoublesKnowingItsMax(nn.Module):
    """Changes its input in place and reads a value (``.item()``), so it cannot run on meta tensors."""

    def forward(self, x):
        return x.mul_(2) / max(x.abs().max().item(), 1.0)


def test_module_that_cannot_run_on_meta_gets_a_copy_of_each_input():
    net = NetChain([TorchLayer(_DoublesKnowingItsMax(), outputs={"Output": 3})], input=3)
    x = torch.tensor([[1.0, -4.0, 2.0]])
    before = x.clone()
    expected = before * 2 / 8
    assert torch.equal(net(x), expected) and torch.equal(x, before)
    module = net.compile()
    assert torch.equal(module(Input=x), expected) and torch.equal(x, before)
    assert torch.equal(interpret(net, module, Input=x), expected) and torch.equal(x, before)


class _KeepsWhatItGets(nn.Module):
    """Reads a value (``.item()``), so it cannot run on meta tensors; keeps each input it was given."""

    def __init__(self, in_place: bool):
        super().__init__()
        self.in_place, self.given = in_place, []

    def forward(self, x):
        self.given.append(x)
        y = x.mul_(2) if self.in_place else x * 2
        return y / max(y.abs().max().item(), 1.0)


def _unprobed_calls(in_place: bool) -> tuple[list, list]:
    """The compiled module's calls of a module that cannot run on meta tensors: what it was given, the inputs."""
    module = NetChain([TorchLayer(_KeepsWhatItGets(in_place), outputs={"Output": 3})], input=3).compile()
    xs = [torch.tensor([[1.0, -4.0, 2.0]]) for _ in range(3)]
    for x in xs:
        assert torch.equal(module(x), torch.tensor([[1.0, -4.0, 2.0]]) * 2 / 8)
    return module._modules["1"].given, xs


def test_module_that_cannot_run_on_meta_and_changes_nothing_gets_its_inputs_after_the_first_call():
    """Each input was copied at each call (1.6x the handwritten forward for a chain of ten at (64, 256, 256)); the
    first call runs on a copy to see whether the module changes it."""
    given, xs = _unprobed_calls(in_place=False)
    assert given[0] is not xs[0] and given[1] is xs[1] and given[2] is xs[2]
    assert [x._version for x in xs] == [0, 0, 0]


def test_module_that_cannot_run_on_meta_and_changes_its_input_gets_a_copy_at_each_call():
    given, xs = _unprobed_calls(in_place=True)
    assert all(g is not x for g, x in zip(given, xs))
    assert all(torch.equal(x, torch.tensor([[1.0, -4.0, 2.0]])) and x._version == 0 for x in xs)
