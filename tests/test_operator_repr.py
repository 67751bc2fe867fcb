"""An operator's repr shows its inner nets as it runs them: their ports of the shapes its own ports give them,
not ``None`` where the operator (extracted, or listed by ``information``) knows them."""

from __future__ import annotations

from netgraph import (BasicRecurrentLayer, CatenateLayer, LinearLayer, NetBidirectionalOperator, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPort, net_extract, net_initialize)


def _mapped() -> NetGraph:
    return NetGraph({"map": NetMapOperator(NetChain([LinearLayer(2), "Tanh"]))}, [], Input=(5, 3))


def test_an_extracted_operator_shows_its_inner_nets_input_shape():
    text = repr(net_extract(_mapped(), "map"))
    assert "inputs={'Input': (3,)}" in text and "None" not in text and text.startswith("NetMapOperator(NetChain(")


def test_the_layers_information_lists_the_inner_layers_with_the_shapes_of_their_place():
    """Wolfram's "Layers" goes inside operators: the map's inner layers, each taking one element's shape."""
    net = _mapped()
    layers = net.information("Layers")
    assert list(layers) == [("map", "net", "1"), ("map", "net", "2")]
    assert [NetGraph(layer).input_shapes for layer in net.information("LayersList")] == [{"Input": (3,)},
                                                                                          {"Input": (2,)}]


def test_an_operator_alone_shows_what_it_knows_and_its_option_is_unchanged():
    inner = NetChain([LinearLayer(2), "Tanh"])
    op = NetMapOperator(inner)
    assert repr(op) == f"NetMapOperator({inner!r})" and op.net is inner  # nothing more is known alone
    given = NetMapOperator(NetChain([LinearLayer(2), "Tanh"], input=3))
    assert "'Input': (3,)" in repr(given)


def test_every_operator_shows_the_shapes_of_its_place():
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4)},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin")])
    net = NetGraph({"nest": NetNestOperator(NetChain([LinearLayer(4), "Tanh"]), 2),
                    "bi": NetBidirectionalOperator(NetChain([BasicRecurrentLayer(3)])),
                    "fold": NetFoldOperator(cell)},
                   [(NetPort("x"), "nest"), (NetPort("s"), "bi"), (NetPort("f"), "fold")], x=4, s=("n", 2), f=("m", 5))
    assert "None" not in repr(net_extract(net, "nest")) and "inputs={'Input': (4,)}" in repr(net_extract(net, "nest"))
    assert "inputs={'Input': ('n', 2)}" in repr(net_extract(net, "bi"))
    assert "inputs={'Input': (5,), 'State': (4,)}" in repr(net_extract(net, "fold"))


def test_an_inner_chain_stays_a_chain_where_its_operator_gives_it_shapes():
    """The operator gave its inner chain the shapes of its place by rebuilding it as a NetGraph; the compiled
    module's inner net, and inner_nets(types), showed that NetGraph where the user gave a NetChain."""
    net = net_initialize(_mapped(), seed=0)
    node = net.ir.node(("map",))
    inner = node.layer.inner_nets(node.types)["net"]
    assert type(inner) is NetChain and inner.input_shapes == {"Input": (3,)}
    assert list(inner.layers) == ["1", "2"] and inner.explicit_edges() == node.layer.net.explicit_edges()
    rebuilt = net.compile().map.net.to_net()
    extracted = net_extract(net, ("map", "net"))
    assert type(rebuilt) is NetChain and rebuilt.layers == extracted.layers
    assert rebuilt.input_shapes == extracted.input_shapes == {"Input": (3,)}
