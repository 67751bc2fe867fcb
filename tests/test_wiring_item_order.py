"""``normalize`` reads each edge item once, wiring its pairs as it goes: its problems and edge numbers stay those of
reading every item first (malformed items' problems first; a graph's pairs number the others past theirs)."""

from __future__ import annotations

import pytest

from netgraph import ElementwiseLayer, NetPort
from netgraph.core.errors import WiringError
from netgraph.core.ports import WrittenEdge
from netgraph.core.wiring import normalize


def tanh_layers(*names: str) -> tuple[list[str], dict]:
    return list(names), {name: ElementwiseLayer("Tanh") for name in names}


def test_a_malformed_items_problem_comes_before_an_earlier_items_endpoint_problem():
    names, layers = tanh_layers("a", "b")
    with pytest.raises(WiringError) as info:
        normalize(names, layers, [("a", "zz"), 5, ("a", "b")])
    assert [(d.kind, d.edge) for d in info.value.diagnostics] == [("edge-form", 1), ("unknown-layer", 0)]


def test_an_item_before_a_graphs_pair_is_numbered_past_the_pairs_user_edge():
    names, layers = tanh_layers("a", "b")
    spec = [(NetPort("a", "Output"), "zz"), WrittenEdge("a", "b", "a -> b", 3)]
    with pytest.raises(WiringError) as info:
        normalize(names, layers, spec)
    assert [(d.kind, d.edge) for d in info.value.diagnostics] == [("unknown-layer", 4)]


def test_edges_keep_the_users_numbers_and_order_when_a_netport_edge_comes_first():
    names, layers = tanh_layers("a", "b", "c")
    spec = [(NetPort("a", "Output"), NetPort("c", "Input")), WrittenEdge("a", "b", "a -> b", 0)]
    wiring = normalize(names, layers, spec)
    assert [(e.text, e.index) for e in wiring.edges if not e.implicit] == [("NetPort('a', 'Output') -> "
                                                                          "NetPort('c', 'Input')", 1), ("a -> b", 0)]
