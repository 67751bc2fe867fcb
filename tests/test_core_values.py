"""Nets as Python values: equality agrees with hashing, numpy's numbers work as Python's, dict edges can group."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (ConvolutionLayer, DataError, DropoutLayer, ElementwiseLayer, EmbeddingLayer, FunctionLayer,
                      LinearLayer, NetArrayLayer, NetChain, NetGraph, NetPort, OptionError, PaddingLayer, ReshapeLayer,
                      ShapeError, SoftmaxLayer, WiringError, net_initialize)


def test_a_chain_equal_to_a_graph_hashes_alike():
    chain = NetChain([LinearLayer(3), "Tanh"], input=2)
    graph = NetGraph([LinearLayer(3), "Tanh"], [(1, 2)], Input=2)
    assert chain == graph
    assert hash(chain) == hash(graph)
    assert len({chain, graph}) == 1


@pytest.mark.parametrize("make", [
    lambda i: LinearLayer(i(3)),
    lambda i: EmbeddingLayer(i(3), i(5)),
    lambda i: ConvolutionLayer(i(8), i(3), stride=i(1)),
    lambda i: SoftmaxLayer(i(-1)),
    lambda i: ReshapeLayer([i(2), i(3)]),
    lambda i: PaddingLayer([[i(1), i(1)]]),
])
def test_numpy_integers_are_layer_options(make):
    assert make(np.int64) == make(int)
    assert repr(make(np.int32)) == repr(make(int))


def test_numpy_floats_are_layer_options_and_still_checked():
    assert DropoutLayer(np.float32(0.25)) == DropoutLayer(0.25)
    with pytest.raises(OptionError, match="p="):
        DropoutLayer(np.float32(1.5))


def test_numpy_integers_as_layer_indices_port_shapes_and_seeds():
    i = np.int64
    net = NetGraph([LinearLayer(3), "Tanh"], [(i(1), i(2))], Input=i(4))
    assert net == NetGraph([LinearLayer(3), "Tanh"], [(1, 2)], Input=4)
    assert NetGraph([LinearLayer(3)], [], Input=(i(2), i(4))).input_shapes == {"Input": (2, 4)}
    assert net_initialize(net, seed=i(3)) == net_initialize(net, seed=3)
    ready, x = net_initialize(net, seed=0), torch.randn(5, 4)
    assert torch.equal(ready(x, batch_size=i(2)), ready(x))
    with pytest.raises(WiringError, match="there is no layer 3"):
        NetGraph([LinearLayer(3), "Tanh"], [(i(1), i(3))], Input=4)


def test_a_numpy_array_of_dims_is_a_port_shape_as_it_is_a_layer_s_shape_option():
    """NetChain(..., input=np.array([2, 3])) was numpy's raw "truth value of an array ... is ambiguous" ValueError,
    where LinearLayer(2, input=np.array([2, 3])) read the array as its list."""
    assert NetChain([LinearLayer(3)], input=np.array([2, 4])).input_shapes == {"Input": (2, 4)}
    assert NetGraph([LinearLayer(3)], [], Input=np.array([2, 4])).input_shapes == {"Input": (2, 4)}
    with pytest.raises(ShapeError, match=r"shape of port 'Input' dims must be positive ints .*found 0"):
        NetGraph([LinearLayer(3)], [], Input=np.array([2, 0]))


def _difference(edges):
    layers = {"x": LinearLayer(3), "y": LinearLayer(3), "f": FunctionLayer("#a - #b")}
    return net_initialize(NetGraph(layers, edges, Input=2), seed=0)


def test_a_tuple_of_layers_in_an_edge_is_a_group():
    """Wolfram's {x, y} -> f: a dict key cannot be a list, so a dict edge groups with a tuple."""
    reference = _difference([(["x", "y"], "f")])
    x = torch.randn(4, 2)
    for edges in ({("x", "y"): "f"}, [(("x", "y"), "f")]):
        net = _difference(edges)
        assert net == reference
        assert torch.equal(net(x), reference(x))
    swapped = _difference({("y", "x"): "f"})
    assert torch.equal(swapped(x), -reference(x))


def test_a_tuple_group_keeps_netports_and_fans_out():
    layers = {"a": LinearLayer(3), "t": "Tanh", "s": "Sin"}
    net = NetGraph(layers, {"a": ("t", "s"), NetPort("t", "Output"): NetPort("Out")}, Input=2)
    assert net.output_shapes == {"Out": (3,), "Output": (3,)}


def test_numpy_views_with_negative_strides_are_data():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    a = np.random.default_rng(0).standard_normal((4, 3))
    assert torch.equal(net(a[::-1]), net(np.ascontiguousarray(a[::-1])))
    assert torch.equal(net(Input=a[:, ::-1]), net(np.ascontiguousarray(a[:, ::-1])))
    sequences = net_initialize(NetChain([EmbeddingLayer(3, 5)], input=["n"]), seed=0)
    tokens = np.array([[1, 2, 4]])
    assert torch.equal(sequences(tokens[:, ::-1]), sequences(tokens[:, [2, 1, 0]]))


def test_layers_and_edges_by_keyword():
    """NetGraph(layers=..., edges=...) raised a TypeError, and edges=[...] beside positional layers became a port."""
    reference = NetGraph([LinearLayer(3), "Tanh"], [(1, 2)], Input=2)
    assert NetGraph(layers=[LinearLayer(3), "Tanh"], edges=[(1, 2)], Input=2) == reference
    assert NetGraph([LinearLayer(3), "Tanh"], edges={1: 2}, Input=2) == reference
    assert NetChain(layers=[LinearLayer(3), "Tanh"], input=2) == NetChain([LinearLayer(3), "Tanh"], input=2)
    assert NetGraph([FunctionLayer("#edges + #layers")], [], edges=[2, 3], layers=3).input_shapes == \
        {"edges": (2, 3), "layers": (3,)}  # beside positional layers, a shape is still a port's
    for make in (lambda: NetGraph(Input=2), lambda: NetChain(input=2), NetGraph, NetChain):
        with pytest.raises(WiringError, match="needs its layers") as info:  # a NetGraphError, no bare TypeError
            make()
        assert isinstance(info.value, TypeError)  # as a missing argument is: the YAML shorthand 'NetGraph' relies on it
    for make, kind in ((lambda: NetChain([]), "NetChain"), (lambda: NetChain({}), "NetChain"),
                       (lambda: NetGraph([], []), "NetGraph"), (lambda: NetGraph({}, []), "NetGraph")):
        with pytest.raises(WiringError, match=rf"{kind} needs at least one layer, found an empty (list|dict): {kind}\(\["):
            make()


def test_a_bad_shorthand_option_names_its_layer_and_numpy_ints_are_shorthands():
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(2), "b": 0}, [("a", "b")], Input=2)
    assert "layer 2 'b': LinearLayer option output=" in str(info.value)
    with pytest.raises(WiringError, match=r"layer 3: LinearLayer option output="):
        NetChain([2, "Tanh", -1], input=2)
    assert NetChain([np.int64(3)], input=2) == NetChain([3], input=2)


def test_an_input_without_a_batch_dim_beside_a_batch_is_named_as_such():
    net = net_initialize(NetGraph([FunctionLayer("#a * #b")], [], a=3, b=3), seed=0)
    with pytest.raises(DataError, match=r"\{'a': 4, 'b': 'no batch dim'\}; \['b'\] got one example without"):
        net(a=torch.randn(4, 3), b=torch.randn(3))


def test_numpy_indices_in_netports_and_paths_and_replace_layers_keys():
    i = np.int64
    assert NetPort(i(1), "Output") == NetPort(1, "Output")
    net = NetGraph([LinearLayer(3), "Tanh"], [(NetPort(i(1), "Output"), 2)], Input=2)
    assert net == NetGraph([LinearLayer(3), "Tanh"], [(1, 2)], Input=2)
    chain = NetChain([LinearLayer(3), "Tanh"], input=2)
    for key in (2, i(2), "2", (2,)):
        assert chain.replace_layers({key: "Sin"}).layers["2"] == ElementwiseLayer("Sin")
    for key, message in ((2.5, "a layer is named by a string"), (3, "there is no layer 3")):
        with pytest.raises(WiringError, match=message):  # a TypeError before
            chain.replace_layers({key: "Sin"})
    from netgraph import net_extract
    assert net_extract(net_initialize(chain, seed=0), (i(1), "Weights")).shape == (3, 2)


def test_an_array_option_beyond_float32s_range_is_an_option_error_not_inf():
    """Python numbers were read as float32 at once: 1e300 became inf silently (net_replace_part refuses it)."""
    with pytest.raises(OptionError, match=r"array= holds 1e\+300, beyond float32's range"):
        NetArrayLayer(array=[1.0, 1e300])
    with pytest.raises(OptionError, match="beyond float32's range"):
        LinearLayer(2, biases=[0.0, -4e38])
    assert NetArrayLayer(array=[0.5, float("inf")]).arrays["Array"].tolist() == [0.5, float("inf")]  # inf as given
    assert NetArrayLayer(array=[[1, 2]]).arrays["Array"].dtype == torch.float32


def test_a_nan_option_equals_itself_after_a_yaml_round_trip_and_hashes_alike():
    nan = float("nan")
    net = NetGraph({"pad": PaddingLayer([[1, 1]], padding=nan)}, [], Input=2)
    back = NetGraph.from_yaml(net.to_yaml())
    assert back == net and hash(back) == hash(net)
    assert back.layers["pad"] == net.layers["pad"] and hash(back.layers["pad"]) == hash(net.layers["pad"])
    assert PaddingLayer([[1, 1]], padding=float("nan")) != PaddingLayer([[1, 1]], padding=0.0)


def test_a_refused_long_array_is_not_walked_item_by_item_for_numpy_numbers(monkeypatch):
    """A refused option is checked again with numpy's numbers made Python's; a long list holding none was walked
    in Python, item by item, first (a 16M-item array option ending in text: refused after 3.9 s, now 1.3 s)."""
    from netgraph import NetArrayLayer, OptionError
    from netgraph.core import plain_numbers

    calls, real = [0], plain_numbers.plain_value

    def counted(value, arrays=False):
        calls[0] += 1
        return real(value, arrays)
    monkeypatch.setattr(plain_numbers, "plain_value", counted)
    with pytest.raises(OptionError, match="numeric array"):
        NetArrayLayer(array=[0.5] * 1000 + ["x"])
    assert calls[0] <= 10
    calls[0] = 0
    layer = NetArrayLayer(array=[[np.float32(1.5), 2.0], [3.0, np.int64(4)]])  # numpy numbers still read
    assert layer.array.tolist() == [[1.5, 2.0], [3.0, 4.0]]


def test_a_shape_option_of_one_size_is_shown_as_typed():
    """net.layers showed LinearLayer((3,)) for LinearLayer(3) (the normalised shape), in diagrams' tooltips too."""
    from netgraph import ConvolutionLayer, LinearLayer
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer((2, 3))}, [("a", "b")], Input=2)
    assert repr(dict(net.layers)) == "{'a': LinearLayer(3), 'b': LinearLayer((2, 3))}"
    assert repr(LinearLayer(4, input=(5,))) == "LinearLayer(4, input=5)"
    assert repr(ConvolutionLayer(4, 3)) == "ConvolutionLayer(4, kernel=3)"
    assert LinearLayer(3) == LinearLayer((3,)) and repr(LinearLayer(())) == "LinearLayer(())"


def test_a_layers_repr_finds_its_shape_options_once_per_class(monkeypatch):
    """Showing a one-size Shape as typed made each repr read the class's annotations again (repr went from about
    6.5 to 11.9 µs); the Shape options are now found once per class, and the repr is the same."""
    from netgraph.core import options
    repr(LinearLayer(3))  # the class's first repr may look them up
    calls = []
    real = options.option_kind
    monkeypatch.setattr(options, "option_kind", lambda hint: calls.append(hint) or real(hint))
    assert repr(LinearLayer(3)) == "LinearLayer(3)" and repr(LinearLayer(4, input=(5,))) == "LinearLayer(4, input=5)"
    assert calls == []


def test_a_positional_option_left_at_none_is_not_written():
    """FlattenLayer() showed as FlattenLayer(None), wrote `level: null` in specs and `level=None` in diagrams
    (ResizeLayer(scale=2) likewise `dims=None`); an option given is still shown as given."""
    from netgraph import FlattenLayer, ResizeLayer
    assert repr(FlattenLayer()) == "FlattenLayer()" and FlattenLayer().options() == {}
    assert ResizeLayer(scale=2).options() == {"scale": 2.0}
    assert repr(LinearLayer(3)) == "LinearLayer(3)" and repr(FlattenLayer(1)) == "FlattenLayer(1)"
    net = NetChain({"flat": FlattenLayer()}, input=(2, 3))
    assert "level" not in net.to_yaml() and NetGraph.from_yaml(net.to_yaml()) == net
    assert "level=None" not in net.render_svg(backend="builtin")
    # the hash a checkpoint keeps is the one computed before (when options() held the None), so resumes still match
    old = NetChain({"flat": FlattenLayer(), "lin": LinearLayer(None), "up": ResizeLayer(scale=2)}, input=(1, 2, 3))
    assert old.information("TopologyHash") == "fb484727dfc1801e"


def test_layer_positions_are_a_read_only_view_of_each_layer_s_place():
    """Messages of other modules read each layer's 0-based place through NetGraph.layer_positions, not the private
    method they called; the view cannot change the net's cached positions."""
    import pickle
    net = NetGraph({"a": LinearLayer(3), "b": ElementwiseLayer("Tanh")}, [("a", "b")], Input=2)
    assert dict(net.layer_positions) == {"a": 0, "b": 1}
    with pytest.raises(TypeError):
        net.layer_positions["a"] = 5
    assert net.layer_positions["a"] == 0
    assert pickle.loads(pickle.dumps(net)) == net  # the cached positions pickle with the net
