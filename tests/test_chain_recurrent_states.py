"""A recurrent layer with ``state_output=True`` inside a NetChain feeds its ``Output`` to the next layer: its
``State`` (and ``CellState``) are Wolfram's state ports, which a chain does not count (as for NetFoldOperator,
test_chain_fold.py). It was a WiringError ("should have exactly one output port")."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BasicRecurrentLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      NetGraph, NetPort, SequenceLastLayer, net_initialize)
from netgraph.spec import from_yaml, to_yaml

LAYERS = {"lstm": LongShortTermMemoryLayer, "gru": GatedRecurrentLayer, "rnn": BasicRecurrentLayer}


def _chain(kind: str) -> NetChain:
    return net_initialize(NetChain([LAYERS[kind](4, state_output=True), SequenceLastLayer(), LinearLayer(2)],
                                   input=("n", 3)), seed=0)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_a_recurrent_layer_with_state_outputs_inside_a_chain_computes_as_without_them(kind):
    chain = _chain(kind)
    assert chain.output_ports == ("Output",) and chain.output_shapes == {"Output": (2,)}
    plain = NetChain([chain.layers["1"].replace(state_output=False), chain.layers["2"], chain.layers["3"]],
                     input=("n", 3))
    x = torch.randn(5, 6, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(chain(x), plain(x))
    ragged = [torch.randn(n, 3, generator=torch.Generator().manual_seed(n)) for n in (2, 5, 1)]
    for got, want in zip(chain(ragged), plain(ragged)):
        torch.testing.assert_close(got, want)


def test_the_final_state_still_wires_by_hand_in_a_graph():
    chain = _chain("lstm")
    graph = NetGraph({"lstm": chain.layers["1"], "lin": chain.layers["3"]},
                     [(NetPort("lstm", "State"), "lin"), (NetPort("lstm", "Output"), None)], Input=("n", 3))
    assert set(graph.output_ports) == {"Output", "CellState"}
    x = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(graph(x)["Output"], chain(x))  # an LSTM's final State is its last Output


def test_a_recurrent_layer_last_in_a_chain_still_gives_its_states():
    chain = NetChain([GatedRecurrentLayer(3), LongShortTermMemoryLayer(4, state_output=True)], input=("n", 2))
    assert chain.output_ports == ("Output", "State", "CellState")


def test_a_chain_with_state_outputs_inside_round_trips_through_yaml():
    chain = _chain("lstm")
    text = to_yaml(chain)
    assert "state_output: true" in text
    again = from_yaml(text)
    assert again.output_ports == ("Output",) and again.layers["1"].state_output is True
    x = torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(again(x), chain(x))

