"""Operators at the edges: a batch of 0 with sequences of length 0, and the like (session 34's QA of operators)."""

import torch

from netgraph import (CatenateLayer, ElementwiseLayer, LinearLayer, NetBidirectionalOperator, NetChain,
                      NetFoldOperator, NetGraph, NetPort, interpret, net_initialize)


def _cell() -> NetGraph:
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)


def test_fold_of_a_batch_of_0_with_length_0_gives_empty_states():
    """No step runs: its states are none, (0, 0, 5), and the final state the zeros it starts from (torch.stack of
    no states once raised a raw RuntimeError)."""
    net = net_initialize(NetGraph({"fold": NetFoldOperator(_cell())}, [], Input=("n", 3)), seed=0)
    module = net.compile()
    for out in (module(Input=torch.zeros(0, 0, 3)), interpret(net, module, Input=torch.zeros(0, 0, 3))):
        assert out["Output"].shape == (0, 0, 5) and out["State"].shape == (0, 5)


def test_bidirectional_fold_of_a_batch_of_0_with_length_0():
    layer = NetBidirectionalOperator(NetChain([NetFoldOperator(_cell()), "Tanh"]))
    net = net_initialize(NetGraph({"bi": layer}, [], Input=("n", 3)), seed=0)
    assert net(torch.zeros(0, 0, 3)).shape == (0, 0, 10)
