"""Each rebuild keeps the user's edges (``WrittenEdge``): an error in the edited net quotes and numbers the edge the
user wrote (renamed with the net, where the edit renames), never a pair the library made of it."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetGraph, NetGraphError, NetPort, ReshapeLayer
from netgraph.core.drop_batch import ends_batch
from netgraph.core import edge_text
from netgraph.core.edge_text import renamed_text
from netgraph.core.surgery import net_drop, net_rename, net_replace_part


def chain_net() -> NetGraph:
    layers = {"a": LinearLayer(3), "b": "Tanh", "c": "Tanh", "e": LinearLayer(4), "d": LinearLayer(5)}
    return NetGraph(layers, [(NetPort("Input"), "a"), ("a", "d"), ("a", "b", "c", "e")], Input=4)


def quoted(net: NetGraph, replace: dict) -> tuple[str, list]:
    with pytest.raises(NetGraphError) as caught:
        net_replace_part(net, replace)
    return str(caught.value), [d.edge for d in caught.value.diagnostics]


BAD_D = {"d": ReshapeLayer((2, 2))}  # 'a' gives 3 values
BAD_E = {"e": ReshapeLayer((2, 2))}  # fed 3 values through the user's chain


@pytest.mark.parametrize("edit, text", [
    (lambda net: net_rename(net, {NetPort("Input"): NetPort("x")}), "a -> b -> c -> e"),  # rename_ports
    (NetGraph, "a -> b -> c -> e"),  # NetGraph(graph): layer_table.graph_parts
    (lambda net: net_rename(net, {"a": "A"}), "A -> b -> c -> e"),  # renamed: the new names
])
def test_an_edited_net_quotes_the_users_edges(edit, text):
    message, edges = quoted(edit(chain_net()), BAD_D)  # (a conflict names only the edges joining its ports)
    assert message.endswith(f"via edge {text.split(' ->')[0]} -> d]") and "NetPort(" not in message
    assert edges == [1]


@pytest.mark.parametrize("drop, into_e", [  # one interior layer: rewiring._without; more: interior_batch
    ("b", ("c -> e (in chain a -> b -> c -> e)", 2)),
    (["b", "c"], ("NetPort('a', 'Output') -> NetPort('e', 'Input')", 6)),
])
def test_dropping_interior_layers_keeps_the_users_edges(drop, into_e):
    """The edge bridging the dropped layers is the library's (the user's chain names a layer gone); the others
    are quoted and numbered as written."""
    message, edges = quoted(net_drop(chain_net(), drop), BAD_D)
    assert message.endswith("via edge a -> d]") and edges == [1]
    message, edges = quoted(net_drop(chain_net(), drop), BAD_E)
    assert message.endswith(f"via edge {into_e[0]}]") and edges == [into_e[1]]


def test_renamed_graph_ports_are_renamed_in_the_quoted_edge():
    net = net_rename(chain_net(), {NetPort("Input"): NetPort("x")})
    message, edges = quoted(net, {"a": ReshapeLayer((3, 3))})
    assert "NetPort('x') -> a" in message and "NetPort('Input')" not in message and edges == [0]


def test_ends_dropped_in_one_rebuild_keep_the_users_edges():
    layers = {"h1": "Tanh", "h2": "Tanh", "a": LinearLayer(3), "b": LinearLayer(3), "d": LinearLayer(5), "c": "Tanh"}
    net = NetGraph(layers, [("h1", "a", "d"), ("h2", "b"), ("a", "c")], Input=4)
    assert ends_batch(net, {"h1", "h2"}) is not None  # the path under test
    message, edges = quoted(net_drop(net, ["h1", "h2"]), BAD_D)
    assert message.endswith("via edge a -> d (in chain h1 -> a -> d)]") and edges == [0]
    message, edges = quoted(net_drop(net, ["h1", "h2"]), {"c": ReshapeLayer((2, 2))})
    assert message.endswith("via edge a -> c]") and edges == [2]


def test_a_nested_graph_whose_ports_change_keeps_the_outer_users_edges():
    inner = NetGraph({"h": "Tanh", "a": LinearLayer(3)}, [("h", "a")])
    net = NetGraph({"enc": inner, "x": "Tanh", "d": LinearLayer(5)},
                   [(NetPort("Input"), "x"), ("enc", "d")], Input=4)
    edited = net_drop(net, ("enc", "h"))  # enc's input now feeds 'a': rewiring._put_back
    message, edges = quoted(edited, BAD_D)
    assert "via edge enc -> d" in message and "NetPort(" not in message


@pytest.mark.parametrize("text", ["a -> )", "a -> b ->", "1.5 -> a", "a b", "f(x) -> a"])
def test_a_text_not_in_the_wirings_form_is_not_renamed(text):
    assert renamed_text(text, {"a": "A"}) is None


@pytest.mark.parametrize("levels", [None, 1])  # every level (from the IR), one level (inline_nested)
def test_a_flattened_net_keeps_the_users_edges_of_its_top_level(levels):
    from netgraph.core.surgery import net_flatten
    inner = NetGraph({"l1": "Tanh", "l2": "Tanh"}, [("l1", "l2")])
    net = NetGraph({"a": LinearLayer(3), "enc": inner, "b": "Tanh", "d": LinearLayer(5)},
                   [(NetPort("Input"), "a"), ("a", "enc", "b"), ("a", "d")], Input=4)
    message, edges = quoted(net_flatten(net, levels), BAD_D)
    assert message.endswith("via edge a -> d]") and edges == [2]



@pytest.mark.parametrize("edit, chain", [  # the link b -> c keeps its ends: its chain's text is renamed all the same
    (lambda net: net_rename(net, {"a": "A"}), "NetPort('Input') -> A -> b -> c -> e"),  # renamed_edges
    (lambda net: net_rename(net, {NetPort("Input"): NetPort("x")}), "NetPort('x') -> a -> b -> c -> e"),  # ports
])
def test_every_link_of_a_renamed_chain_quotes_the_chain_by_its_new_names(edit, chain):
    layers = {"a": LinearLayer(3), "b": "Tanh", "c": "Tanh", "e": LinearLayer(4)}
    net = NetGraph(layers, [(NetPort("Input"), "a", "b", "c", "e")], Input=4)
    message, edges = quoted(edit(net), {"c": ReshapeLayer((2, 2))})
    assert message.endswith(f"via edge b -> c (in chain {chain})]") and edges == [0]


@pytest.mark.parametrize("rename", [{NetPort("Input"): NetPort("x")}, {"l5": "m5"}], ids=["port", "layer"])
def test_only_edge_texts_naming_a_renamed_name_are_read(rename, monkeypatch):
    """Each user's edge text was read (tokenized) on every rename, naming the renamed name or not."""
    net = NetGraph({f"l{i}": "Tanh" for i in range(40)},
                   [(NetPort("Input"), "l0"), *((f"l{i}", f"l{i + 1}") for i in range(39))], Input=4)
    read = []
    monkeypatch.setattr(edge_text, "_ends", lambda text, ends=edge_text._ends: read.append(text) or ends(text))
    renamed = net_rename(net, rename)
    assert sorted(read) == (["NetPort('Input') -> l0"] if "l5" not in rename else ["l4 -> l5", "l5 -> l6"])
    texts = {e.text for e in renamed.edges if not e.implicit}
    assert {"l0 -> l1", "NetPort('x') -> l0" if "l5" not in rename else "l4 -> m5"} <= texts


@pytest.mark.parametrize("flatten, searches", [(False, 1), (True, 0)], ids=["rename", "flatten"])
def test_a_long_chains_text_is_searched_for_names_once_at_most(flatten, searches, monkeypatch):
    """Each link of one user's chain searched the whole chain's text for the renamed names: quadratic (a 3,000-layer
    chain took 12 s to rename a layer, 10 s to flatten one level). Flattening renames and moves none here: no search."""
    from netgraph.core.surgery import net_flatten
    inner = NetGraph({"x": "Tanh", "y": "Tanh"}, [("x", "y")])
    net = NetGraph({**{f"l{i}": "Tanh" for i in range(40)}, "enc": inner},
                   [(NetPort("Input"), *(f"l{i}" for i in range(40)), "enc")], Input=4)
    searched = []
    find = edge_text._names_in
    monkeypatch.setattr(edge_text, "_names_in", lambda text: searched.append(text) or find(text))
    net_flatten(net) if flatten else net_rename(net, {"l5": "m5"})
    assert len(searched) == searches


def test_a_layer_renamed_by_its_index_in_the_users_edge_is_quoted_by_its_new_name():
    """``(1, 2)`` names layers by position: renaming layer '1' wrote the stale text '1 -> 2'."""
    net = net_rename(NetGraph([LinearLayer(3), LinearLayer(2)], [(1, 2)], Input=4), {"1": "a"})
    message, edges = quoted(net, {"2": ReshapeLayer((2, 2))})
    assert message.endswith("via edge a -> 2]") and edges == [0]


@pytest.mark.parametrize("old", ["xe\u0301", "\u0101\u0301b"])  # a combining mark: not a word character to re
def test_a_decomposed_unicode_name_is_renamed_in_its_chains_text(old):
    net = NetGraph({old: LinearLayer(3), "b": "Tanh", "c": "Tanh"}, [(old, "b", "c")], Input=4)
    message, edges = quoted(net_rename(net, {old: "q"}), {"c": ReshapeLayer((2, 2))})
    assert message.endswith("via edge b -> c (in chain q -> b -> c)]") and edges == [0]
    assert renamed_text(f"{old} -> [b, {old}]", {old: "q"}) == "q -> [b, q]"


@pytest.mark.parametrize("levels", [None, 1])
def test_a_flattened_net_quotes_an_index_that_moved_by_its_layers_name(levels):
    """Layer 'd' is layer 4 before flattening and layer 5 after: the user's ``(1, 4)`` is quoted as ``1 -> d``."""
    from netgraph.core.surgery import net_flatten
    inner = NetGraph({"l1": "Tanh", "l2": "Tanh"}, [("l1", "l2")])
    net = NetGraph({"a": LinearLayer(3), "enc": inner, "b": "Tanh", "d": LinearLayer(5)},
                   [(NetPort("Input"), "a"), ("a", "enc", "b"), (1, 4)], Input=4)
    message, edges = quoted(net_flatten(net, levels), BAD_D)
    assert message.endswith("via edge 1 -> d]") and edges == [2]
