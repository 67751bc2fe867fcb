"""net_port_gradient's wrt= and of= take a graph port as NetPort("x") (QA pass 11), as net(x, outputs=NetPort(...))
and the rest of the API name graph ports: it was an OptionError "wrt= must be an input port name"."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetGraph, NetPort, OptionError, ThreadingLayer, net_initialize, net_port_gradient


def _net():
    return net_initialize(NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "p": ThreadingLayer("Plus")},
                                   [(NetPort("x"), "a"), (NetPort("y"), "b"), (["a", "b"], "p")], x=2, y=4), seed=0)


def test_wrt_and_of_take_graph_netports_as_their_names():
    net, data = _net(), {"x": torch.randn(5, 2), "y": torch.randn(5, 4)}
    weights = net.layers["b"].arrays["Weights"]  # d(sum of Output)/dy = column sums of b's weights, per example
    assert torch.allclose(net_port_gradient(net, data, wrt=NetPort("y")), weights.sum(0).expand(5, 4))
    both = net_port_gradient(net, data, wrt=[NetPort("x"), "y"], of=NetPort("Output"))
    assert list(both) == ["x", "y"] and torch.allclose(both["y"], weights.sum(0).expand(5, 4))
    seed = torch.tensor([1.0, 0.0, 2.0])
    seeded = net_port_gradient(net, data, wrt="y", of={NetPort("Output"): seed})
    assert torch.allclose(seeded, (seed @ weights).expand(5, 4))


def test_a_layers_port_is_still_no_input_port():
    with pytest.raises(OptionError, match="wrt= must be an input port name"):
        net_port_gradient(_net(), {"x": torch.ones(1, 2), "y": torch.ones(1, 4)}, wrt=NetPort("a", "Output"))


def test_of_takes_a_layers_port_as_net_outputs_does():
    """Found by mends-b11: of=NetPort("a", "Output") was "of= must be an output port name"; net(x, outputs=...)
    takes it, and net_port_gradient now shares that probe (the port made a graph output)."""
    net, data = _net(), {"x": torch.randn(5, 2), "y": torch.randn(5, 4)}
    weights = net.layers["a"].arrays["Weights"]  # d(sum of a's Output)/dx = column sums of a's weights
    inner = net_port_gradient(net, data, wrt="x", of=NetPort("a", "Output"))
    assert torch.allclose(inner, weights.sum(0).expand(5, 2))
    assert torch.equal(net_port_gradient(net, data, wrt="y", of=[NetPort("a", "Output")]), torch.zeros(5, 4))
    seed = torch.tensor([1.0, 0.0, 2.0])
    seeded = net_port_gradient(net, data, wrt="x", of={NetPort("a", "Output"): seed, "Output": seed})
    assert torch.allclose(seeded, (2 * seed @ weights).expand(5, 2))  # Output = a + b: a's part counted twice
    assert net.output_ports == ("Output",)  # the net itself is unchanged


def test_a_net_whose_outputs_are_all_muted_has_nothing_to_differentiate():
    """It said "of= must be an output port name or a list of them, found []", of an of= the user never gave."""
    net = net_initialize(NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a"), ("a", None)], x=2), seed=0)
    with pytest.raises(OptionError, match=r"^net_port_gradient: the net has no output port to differentiate \(its "
                                          r"outputs are all muted\); leave one unmuted") as info:
        net_port_gradient(net, torch.randn(2, 2))
    assert (info.value.kind, info.value.option) == ("port-count", "of")
    weights = net.layers["a"].arrays["Weights"]  # a layer's port of= names is an output to differentiate
    gradient = net_port_gradient(net, torch.randn(2, 2), of=NetPort("a", "Output"))
    assert torch.allclose(gradient, weights.sum(0).expand(2, 2))
