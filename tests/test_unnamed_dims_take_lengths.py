"""A port without a length name takes the other's length (README), for broadcasting layers too: ``#x + #y`` and
"Plus" with ``x=("n", 3)``, ``y=(None, 3)`` give ``y`` and the Output length n, as a loss or a catenation does."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, NetPort
from netgraph.core.types import broadcast


def _sum_net(layer, x, y):
    edges = [] if isinstance(layer, FunctionLayer) else [(NetPort("x"), "p"), (NetPort("y"), "p")]
    return NetGraph({"p": layer}, edges, x=x, y=y)


def test_broadcast_keeps_the_length_against_an_unknown_dim():
    assert broadcast(("n", 3), (None, 3)) == ("n", 3)
    assert broadcast((None, 3), ("n", 1), (1, 3)) == ("n", 3)


@pytest.mark.parametrize("layer", [FunctionLayer("#x + #y"), "Plus"], ids=["function", "plus"])
def test_an_unnamed_dim_takes_the_length(layer):
    assert _sum_net(layer, ("n", 3), (None, None)).input_shapes["y"] == ("n", None)  # (its last dim may be 1)
    net = _sum_net(layer, ("n", 3), (None, 3))
    assert net.input_shapes["y"] == ("n", 3) and net.output_shapes == {"Output": ("n", 3)}
    x, y = torch.arange(24.0).reshape(2, 4, 3), torch.ones(2, 4, 3)
    assert torch.equal(net(x=x, y=y), x + 1)
    assert torch.equal(net.compile()(x=x, y=y), x + 1)


@pytest.mark.parametrize("layer", [FunctionLayer("#x + #y"), "Plus"], ids=["function", "plus"])
def test_an_unnamed_dim_facing_a_size_stays_unknown_and_a_size_1_still_broadcasts(layer):
    assert _sum_net(layer, (4, 3), (None, 3)).input_shapes["y"] == (None, 3)  # (it may be 1)
    net = _sum_net(layer, ("n", 3), (1, 3))
    assert net.input_shapes["y"] == (1, 3)
    x = torch.arange(24.0).reshape(2, 4, 3)
    assert torch.equal(net(x=x, y=torch.ones(2, 1, 3)), x + 1)
