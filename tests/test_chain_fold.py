"""A NetFoldOperator inside a NetChain feeds its ``Output`` (the sequence of states) to the next layer, as Wolfram's
``NetChain[{..., NetFoldOperator[cell], SequenceLastLayer[]}]`` does: its ``State`` is Wolfram's state port, not an
output a chain counts. It was a WiringError ("should have exactly one output port")."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CatenateLayer, LinearLayer, NetChain, NetFoldOperator, NetGraph,
                      NetMapOperator, NetPort, SequenceLastLayer, WiringError, net_initialize)
from netgraph.spec import from_yaml, to_yaml


def _cell():
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)


def test_a_fold_inside_a_chain_feeds_its_output_to_the_next_layer():
    chain = net_initialize(NetChain([NetFoldOperator(_cell()), SequenceLastLayer(), LinearLayer(2)], input=("n", 3)),
                           seed=0)
    assert chain.output_ports == ("Output",) and chain.output_shapes == {"Output": (2,)}
    x = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(0))
    alone = NetGraph({"fold": chain.layers["1"], "lin": chain.layers["3"]}, [(NetPort("fold", "State"), "lin"), ("fold", None)],
                     Input=("n", 3))  # the final state through the same LinearLayer, wired by hand
    torch.testing.assert_close(chain(x), alone(x))


def test_a_chain_with_a_fold_inside_round_trips_through_yaml():
    chain = net_initialize(NetChain([NetFoldOperator(_cell()), SequenceLastLayer()], input=("n", 3)), seed=0)
    again = from_yaml(to_yaml(chain))
    assert again.output_ports == ("Output",)
    x = torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(again(x), chain(x))


def test_a_fold_last_in_a_chain_still_gives_both_outputs():
    chain = NetChain([NetMapOperator(LinearLayer(3)), NetFoldOperator(_cell())], input=("n", 4))
    assert set(chain.output_ports) == {"Output", "State"}


def test_a_net_with_several_outputs_of_its_own_still_cannot_feed_a_chain():
    two = NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)}, [], Input=3)
    with pytest.raises(WiringError, match=r"should have exactly one output port to feed layer 2"):
        NetChain([two, LinearLayer(2)])
