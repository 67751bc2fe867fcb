"""The compiled module under torch's own tools, as a handwritten nn.Module: reparametrized arrays come back by
``to_net``, and a compiled module's DataError blames its inputs only where its forward failed on them."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.parametrizations import weight_norm
from torch.nn.utils.parametrize import remove_parametrizations

from netgraph import LinearLayer, NetChain, NetMapOperator, TorchLayer, net_initialize


def _trained(module, x, steps=4):
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5)
    for _ in range(steps):
        loss = module(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return module.eval()


@pytest.mark.parametrize("reparametrize", [
    lambda m: weight_norm(m.fc, "Weights"),
    lambda m: weight_norm(m._modules["map"].net.layer, "Weights"),   # an operator's inner layer
    lambda m: weight_norm(m.torch.lin, "weight")])                   # a TorchLayer's submodule
def test_to_net_reads_reparametrized_arrays_as_the_module_computes_them(reparametrize):
    # the state then holds the parts (parametrizations.Weights.original0/1), not the array: to_net kept the arrays
    # the module was compiled from
    net = NetChain({"fc": LinearLayer(4), "map": NetMapOperator(LinearLayer(4)),
                    "torch": TorchLayer(_Lin()), "out": LinearLayer(2)}, input=(3, 5))
    module = net_initialize(net, seed=0).compile()
    reparametrize(module)
    x = torch.randn(6, 3, 5)
    module = _trained(module, x)
    back = module.to_net()
    with torch.no_grad():
        expected = module(x)
    torch.testing.assert_close(back(x), expected)
    torch.testing.assert_close(back.compile().eval()(x).detach(), expected)


def test_to_net_after_the_parametrization_is_removed_reads_the_state_as_before():
    module = net_initialize(NetChain({"fc": LinearLayer(3)}, input=5), seed=0).compile()
    weight_norm(module.fc, "Weights")
    module = _trained(module, torch.randn(8, 5))
    remove_parametrizations(module.fc, "Weights")
    assert torch.equal(module.to_net().layers["fc"].arrays["Weights"], module.fc.Weights.detach())


class _Lin(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self.lin(x)
