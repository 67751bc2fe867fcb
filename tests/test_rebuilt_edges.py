"""A graph rebuilt by surgery (from ``explicit_edges``) quotes and numbers its edges as the user wrote them: an
error named ``NetPort('b', 'Output') -> NetPort('c', 'Input')`` (an edge the library made) for the chain the user
wrote, and a spec's error pointed at another YAML edge (the rebuilt edges' positions)."""

from __future__ import annotations

import pickle

import pytest

from netgraph import LinearLayer, NetGraph, NetPort, ReshapeLayer, ShapeError, SpecError
from netgraph.core.surgery import net_rename, net_replace_part
from netgraph.core.port_options import with_port_options


def chain_net() -> NetGraph:
    layers = {"a": LinearLayer(3), "b": LinearLayer(2), "c": LinearLayer(4), "d": LinearLayer(5)}
    return NetGraph(layers, [("a", "d"), ("a", "b", "c")], Input=4)


def test_explicit_edges_carry_the_users_text_and_index():
    pairs = chain_net().explicit_edges()
    assert [(p.text, p.index) for p in pairs] == [("a -> d", 0), ("a -> b -> c", 1), ("a -> b -> c", 1)]
    assert [(p.hop, p.link) for p in pairs] == [(None, ""), (0, "a -> b"), (1, "b -> c")]  # a chain's links
    assert pairs == [(NetPort("a", "Output"), NetPort("d", "Input")), (NetPort("a", "Output"), NetPort("b", "Input")),
                     (NetPort("b", "Output"), NetPort("c", "Input"))]  # still plain pairs
    again = pickle.loads(pickle.dumps(pairs))
    assert again == pairs and [(p.text, p.index, p.hop, p.link) for p in again] == \
        [(p.text, p.index, p.hop, p.link) for p in pairs]


@pytest.mark.parametrize("edit", [
    lambda net: net_replace_part(net, {"c": ReshapeLayer((3, 3))}),
    lambda net: NetGraph({**net.layers, "c": ReshapeLayer((3, 3))}, net.explicit_edges(), Input=4),
])
def test_an_error_in_a_rebuilt_graph_quotes_and_numbers_the_users_edge(edit):
    with pytest.raises(ShapeError) as caught:
        edit(chain_net())
    assert "via edge b -> c (in chain a -> b -> c)" in str(caught.value) and "NetPort(" not in str(caught.value)
    assert [(d.edge, d.hop) for d in caught.value.diagnostics] == [(1, 1)]


def test_surgery_keeps_the_users_edges_through_several_rebuilds():
    net = with_port_options(net_rename(chain_net(), {"d": "e"}), {"Input": 4})
    rebuilt = with_port_options(net, {"Input": 4, "Output1": 4})
    assert [(p.text, p.index) for p in rebuilt.explicit_edges()][1:] == [("a -> b -> c", 1), ("a -> b -> c", 1)]


NESTED_SPEC = """netgraph: 1
layers:
  enc:
    type: NetGraph
    layers:
      a: Tanh
      b: {type: ReshapeLayer, dims: [3, 3]}
      c: Tanh
    edges:
      - Input -> a -> b
      - a -> c
    inputs: {Input: null}
  head: Tanh
edges:
  - Input -> enc
  - enc.a.Output -> head
inputs: {Input: 4}
"""


def test_a_spec_error_in_a_nested_graph_rebuilt_to_expose_a_port_is_at_its_own_yaml_edge():
    """'enc.a.Output' rebuilds 'enc' with a graph output for it; its chain's second pair was numbered 1 there, which
    the spec reader placed at the YAML edge 'a -> c' (line 11) and quoted as NetPort pairs; it is at its own link."""
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(NESTED_SPEC)
    message = str(caught.value)
    assert message.startswith("<string>:10:18: layer 'enc/b' (ReshapeLayer): cannot reshape")
    assert "a -> b (in chain Input -> a -> b)" in message
    assert "NetPort('a', 'Output') -> NetPort('c', 'Input')" not in message


def test_net_drop_and_net_take_keep_the_users_edges_they_keep():
    from netgraph import net_drop, net_take
    for net in (net_drop(chain_net(), "d"), net_take(chain_net(), ["a", "c"])):
        written = {(a.layer, b.layer): (pair.text, pair.index) for pair in net.explicit_edges() for a, b in [pair]}
        assert written[("a", "b")] == written[("b", "c")] == ("a -> b -> c", 1)  # wherever the library's edges go
