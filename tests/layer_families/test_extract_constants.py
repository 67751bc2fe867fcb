"""ExtractLayer's sizes and strides are tensors made once per device and kept, not made again on every call; the
values stay those of indexing level by level (1-based positions, negative from the end)."""

from __future__ import annotations

import torch

from netgraph import ExtractLayer, NetGraph, net_initialize
from netgraph.backend.interpreter import interpret


def test_the_constants_are_made_once_and_the_values_stay():
    net = net_initialize(NetGraph({"e": ExtractLayer()}, [], Input=(4, 5, 3), Position=(2,)), seed=0)
    module = net.compile()
    x = torch.randn(3, 4, 5, 3)
    position = torch.tensor([[1, 1], [4, -1], [-2, 3]])
    made = []
    real_tensor = torch.tensor

    def counted(*args, **kwargs):
        made.append(args)
        return real_tensor(*args, **kwargs)
    first = module(Input=x, Position=position)
    torch.tensor = counted
    try:
        again = module(Input=x, Position=position)
    finally:
        torch.tensor = real_tensor
    assert made == []
    expected = torch.stack([x[0, 0, 0], x[1, 3, 4], x[2, 2, 2]])
    for found in (first, again, interpret(module.net, module, Input=x, Position=position)):
        torch.testing.assert_close(found, expected, rtol=0, atol=0)
    assert set(module.get_submodule("e").cache) == {((4, 5), torch.device("cpu")), ((5, 1), torch.device("cpu"))}
