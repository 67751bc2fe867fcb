"""A NetFoldOperator with an Integer State and no InitialState started from float32 zeros, so a step reading its
State (into an EmbeddingLayer, say) failed at the call with "found dtype torch.float32". It starts from integer
zeros, compiled and interpreted alike."""

import torch

from netgraph import (CatenateLayer, EmbeddingLayer, NetFoldOperator, NetGraph, NetPort, PartLayer, PortType,
                      ReshapeLayer, interpret, net_initialize)
from netgraph.core.types import INTEGER


def _folding_its_state(state_shape=(1,)):
    """A fold whose step gives out its State unchanged (Part 1;;1 of Catenate(State, the element)), into an
    EmbeddingLayer: every step's Output is the initial state."""
    step = NetGraph({"r": ReshapeLayer((1,)), "c": CatenateLayer(), "p": PartLayer("1;;1")},
                    [(NetPort("Input"), "r"), (NetPort("State"), NetPort("c", "Input1")),
                     ("r", NetPort("c", "Input2")), ("c", "p"), ("p", NetPort("Output"))],
                    State=PortType(state_shape, INTEGER), Input=PortType((), INTEGER))
    net = NetGraph({"f": NetFoldOperator(step), "emb": EmbeddingLayer(2, 5)},
                   [(NetPort("Input"), NetPort("f", "Input")), (NetPort("f", "Output"), "emb"),
                    (NetPort("f", "State"), None)], Input=PortType(("n",), INTEGER))
    return net_initialize(net, seed=0)


def test_an_integer_state_starts_from_integer_zeros_compiled_and_interpreted():
    net = _folding_its_state()
    weights = net.layer_at("emb").arrays["Weights"]
    expected = weights[0].expand(1, 3, 1, 2)  # index 0 at every step
    x = torch.tensor([[3, 4, 1]])
    torch.testing.assert_close(net(x), expected)
    module = net.compile()
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)

