"""Which encoder nets build their IR while they are made: the walk to the layers an index encoder's values reach
(``index_leaves``) reads the edges where the encoder feeds only layers that end it, and keeps the IR it built."""

import pytest

from netgraph import (DiscreteUniformDistribution, ElementwiseLayer, EmbeddingLayer, NetChain, NetGraph, NetPort,
                      RandomArrayLayer, ReshapeLayer, Restricted, ShapeError)
from netgraph.core.coders import ClassEncoder
from netgraph.core.index_leaves import _reached, index_leaves


def test_an_encoder_feeding_an_embedding_directly_builds_no_ir():
    # each such net built its whole IR (every layer's node) while made, for a walk of one edge
    net = NetChain([EmbeddingLayer(3), ElementwiseLayer("Tanh")], Input=ClassEncoder(["a", "b", "c"]))
    assert net.__dict__.get("_ir") is None and net.layers["1"].count == 3
    (leaf,) = index_leaves(net, "Input")
    assert (leaf.path, leaf.port, leaf.fed, str(leaf.type)) == (("1",), "Input", True, "() Integer")
    assert net.__dict__.get("_ir") is None


def test_the_edges_give_the_leaves_the_ir_walk_gives_in_its_order():
    coder = ClassEncoder(["a", "b", "c"])
    layers = {"late": EmbeddingLayer(2, n=5), "early": EmbeddingLayer(4, n=3), "tanh": ElementwiseLayer("Tanh")}
    net = NetGraph(layers, [("early", "tanh"), (NetPort("Input"), "early"), (NetPort("Input"), "late")], Input=coder)
    fast = index_leaves(net, "Input")
    assert net.__dict__.get("_ir") is None  # the edges gave them
    walked = [leaf._replace(layer=None) for leaf in _reached(net.ir, "Input", ())]
    assert [leaf._replace(layer=None) for leaf in fast] == walked and len(walked) == 2


def test_one_layer_s_ports_fed_by_the_edges_come_in_its_port_order():
    # with one layer fed the leaves kept the edges' order: b then a, where the IR walk gives a then b
    draw = RandomArrayLayer(DiscreteUniformDistribution(["#a", "#b"]))
    net = NetGraph({"draw": draw}, [(NetPort("Input"), NetPort("draw", "b")), (NetPort("Input"), NetPort("draw", "a"))],
                   Input=Restricted("Integer", (0, 4), shape=(4,)))
    fast = index_leaves(net, "Input")
    assert net.__dict__.get("_ir") is None  # the edges gave them
    walked = [leaf._replace(layer=None) for leaf in _reached(net.ir, "Input", ())]
    assert [leaf._replace(layer=None) for leaf in fast] == walked
    assert [leaf.port for leaf in walked] == ["a", "b"]


def test_a_too_small_n_fed_directly_is_still_refused():
    with pytest.raises(ShapeError, match=r"takes n=2 \(indices 0 to 1\); give it n=3") as info:
        NetChain([EmbeddingLayer(3, n=2)], Input=ClassEncoder(["a", "b", "c"]))
    assert info.value.kind == "encoder-range"


def test_an_embedding_after_a_reshape_takes_n_and_keeps_the_ir_the_walk_built():
    # telling the embedding its n dropped the IR, and the range check built it again
    import netgraph.core.graph as graph_module
    built = []
    original = graph_module.build_ir
    graph_module.build_ir = lambda *args: built.append(1) or original(*args)
    try:
        net = NetChain([ReshapeLayer((1,)), EmbeddingLayer(3)], Input=ClassEncoder(["a", "b", "c"]))
    finally:
        graph_module.build_ir = original
    assert net.layers["2"].count == 3 and len(built) == 1
    assert net.ir.node(("2",)).layer is net.layers["2"]
