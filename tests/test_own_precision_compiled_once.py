"""A net holding a user's own module that returns another precision is compiled once: its layers are built and
meta-checked once, and the forward written with the cast its build found."""

import pytest
import torch
from torch import nn

from netgraph import LinearLayer, NetChain, net_initialize
from netgraph.backend import compile as compile_module
from netgraph.backend.module_builder import ModuleBuilder
from netgraph.core.types import unify
from netgraph.layers import Layer


class _Doubled(nn.Module):
    def forward(self, x):
        return (x * 3).double()


class _Own(Layer, register=False):
    input_ports = ("Input",)
    builds = 0  # how many modules build() has made

    def infer(self, types):
        t = unify(types["Input"], types["Output"])
        return {"Input": t, "Output": t}

    def build(self, types):
        _Own.builds += 1
        return _Doubled()


@pytest.mark.parametrize("checks", [None, False])
def test_a_module_of_another_precision_is_built_once_and_its_output_cast(monkeypatch, checks):
    """compile ran twice for such a net (every layer built twice, the user's module's build too)."""
    passes = []
    run = ModuleBuilder.run
    monkeypatch.setattr(ModuleBuilder, "run", lambda self: passes.append(self.net) or run(self))
    monkeypatch.setattr(_Own, "builds", 0)
    net = net_initialize(NetChain([_Own(), LinearLayer(2)], input=2), seed=0)
    module = compile_module.compile_net(net, checks)
    assert passes == [net] and _Own.builds == 1
    assert ".to(" in module.code and module._code_lines == module.code.splitlines(True)
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    expected = torch.nn.functional.linear(x * 3, net[1].weights, net[1].biases)
    assert torch.equal(module(x), expected) and module(x).dtype == torch.float32
    cast = next(i for i, line in enumerate(module.code.splitlines(), 1) if ".to(" in line)
    assert module.code_layers[cast] == ("1",)  # an error in the cast line names the user's layer


def test_the_forward_of_a_module_of_another_precision_is_written_once(monkeypatch):
    """The forward was written, the modules built, then the forward written again with the cast the build found
    (28-34% of such a net's compile time): the modules are built first now, the forward written once, with it."""
    writes = []
    generate = compile_module._generate
    monkeypatch.setattr(compile_module, "_generate", lambda *a: writes.append(a[0]) or generate(*a))
    net = net_initialize(NetChain([_Own(), LinearLayer(2), _Own()], input=2), seed=0)
    module = compile_module.compile_net(net)
    assert writes == [net] and module.code.count(".to(") == 2
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    expected = 3 * torch.nn.functional.linear(x * 3, net[1].weights, net[1].biases)
    torch.testing.assert_close(module(x), expected)
    assert module(x).dtype == torch.float32
