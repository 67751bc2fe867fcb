"""information("Layers") and "LayersList" go inside operators, as Wolfram's do: each inner layer under the path
surgery takes, ``("map", "net", "a")``, where an operator was one entry (and LayersCount already counted its
inner layers). ``net.layers`` stays the top-level layers, Wolfram's ``NetExtract[net, All]``."""

from __future__ import annotations

import pytest

from netgraph import (BasicRecurrentLayer, CatenateLayer, ElementwiseLayer, LinearLayer, NetBidirectionalOperator,
                      NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPairEmbeddingOperator,
                      NetPort, net_delete, net_extract, net_replace_part)


def _operators() -> NetGraph:
    """Every operator kind, one of them a map of a map."""
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4)},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin")])
    pair = NetChain({"e": LinearLayer(2), "r": ElementwiseLayer("Ramp")})
    return NetGraph({"nest": NetNestOperator(NetChain({"l": LinearLayer(4), "t": ElementwiseLayer("Tanh")}), 2),
                     "bi": NetBidirectionalOperator(NetChain([BasicRecurrentLayer(3), ElementwiseLayer("Tanh")])),
                     "fold": NetFoldOperator(cell),
                     "map": NetMapOperator(NetMapOperator(NetChain({"a": LinearLayer(2), "b": "Ramp"}))),
                     "pair": NetPairEmbeddingOperator(pair), "out": LinearLayer(2)},
                    [(NetPort("x"), "nest"), (NetPort("s"), "bi"), (NetPort("f"), "fold"), (NetPort("m"), "map"),
                     ("nest", "out")], x=4, s=("n", 2), f=("m", 5), m=(3, 2, 5))


KEYS = [("nest", "net", "l"), ("nest", "net", "t"), ("bi", "forward_net", "1"), ("bi", "forward_net", "2"),
        ("bi", "backward_net", "1"), ("bi", "backward_net", "2"), ("fold", "net", "cat"), ("fold", "net", "lin"),
        ("map", "net", "layer", "net", "a"), ("map", "net", "layer", "net", "b"), ("pair", "net", "e"),
        ("pair", "net", "r"), ("out",)]


def test_the_layers_are_the_operators_inner_layers_by_their_paths():
    net = _operators()
    layers = net.information("Layers")
    assert sorted(layers) == sorted(KEYS) and len(layers) == net.information("LayersCount")
    assert net.information("LayersList") == list(layers.values())
    assert list(net.layers) == ["nest", "bi", "fold", "map", "pair", "out"]  # the top level, operators whole
    assert layers["map/net/layer/net/a"] is layers[("map", "net", "layer", "net", "a")]


@pytest.mark.parametrize("key", KEYS, ids="/".join)
def test_each_key_serves_surgery(key):
    net = _operators()
    listed = net.information("Layers")[key]
    extracted = net_extract(net, key)
    assert type(extracted) is type(listed) and NetGraph(extracted).input_shapes == NetGraph(listed).input_shapes
    elementwise = isinstance(listed, ElementwiseLayer)
    replaced = net_replace_part(net, {key: ElementwiseLayer("Sin") if elementwise else listed})
    assert sorted(replaced.information("Layers")) == sorted(KEYS) and type(net_extract(replaced, key)) is type(listed)
    assert not elementwise or net_extract(replaced, key).function == "Sin"


@pytest.mark.parametrize("key", [("nest", "net", "t"), ("fold", "net", "lin"), ("pair", "net", "r")], ids="/".join)
def test_a_listed_inner_layer_can_be_deleted_by_its_key(key):
    deleted = net_delete(_operators(), key)
    assert key not in deleted.information("Layers") and len(deleted.information("Layers")) == len(KEYS) - 1


@pytest.mark.parametrize("key, path", [(("map",), ("map",)), ("map", ("map",)), (("map", "net"), ("map", "net"))])
def test_an_operators_path_in_layers_is_a_key_error_naming_its_inner_keys(key, path):
    # a bare KeyError(('map',)) before, though TopologicalOrder and LayersGraph name ('map',)
    from netgraph import NetGraphError
    net = _operators()
    assert ("map",) in net.information("TopologicalOrder") and ("map",) in net.information("LayersGraph")
    with pytest.raises(KeyError) as caught:
        net.information("Layers")[key]
    assert isinstance(caught.value, NetGraphError)
    assert str(caught.value) == (f"{key!r} holds layers of its own, keyed by their paths inside it: "
                                 "('map', 'net', 'layer', 'net', 'a'), ('map', 'net', 'layer', 'net', 'b')")
    d = caught.value.diagnostics[0]
    assert (d.kind, d.layer, d.found, d.expected) == ("unknown-layer", path, key, tuple(KEYS[8:10]))


def test_a_key_above_no_layer_stays_a_plain_key_error():
    layers = _operators().information("Layers")
    with pytest.raises(KeyError) as caught:
        layers[("nope",)]
    assert type(caught.value) is KeyError and layers.get("map") is None and "map" not in layers


def test_the_summary_header_counts_the_layers_as_layers_count_and_says_those_in_operators():
    """The header said '6 layers' (the table's rows, each operator one) where LayersCount gives 13."""
    net = _operators()
    header = str(net.information()).splitlines()[0]
    assert net.information("LayersCount") == len(KEYS) == 13
    assert "; 13 layers (12 in 5 operators), " in header, header
