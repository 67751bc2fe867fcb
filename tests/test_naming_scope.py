"""A net built inside ``naming_under(path)`` (a spec's nested net) names each layer in its messages by its path from
the top net as the message is written; a net built in Python (no scope) names it by index and name, as always."""

import pytest
import torch

from netgraph import (ClassEncoder, ConstantArrayLayer, CrossEntropyLossLayer, EmbeddingLayer, LinearLayer, NetChain,
                      NetGraph, NetPort, NetSharedArray, NormalDistribution, RandomArrayLayer, ReshapeLayer, TotalLayer)
from netgraph.core.errors import NetGraphError
from netgraph.core.naming_scope import naming_prefix, naming_under, scoped_name
from netgraph.core.types import PortType


def message(make, prefix=None):
    with pytest.raises(NetGraphError) as info:
        if prefix is None:
            make()
        else:
            with naming_under(prefix):
                make()
    return str(info.value)


def reshape_net():
    return NetGraph({"a": LinearLayer(3), "b": ReshapeLayer([5])}, [("a", "b")], Input=4)


def test_a_shape_problem_names_its_layers_by_index_outside_and_by_path_inside():
    plain = message(reshape_net)
    assert "layer 2 'b' (ReshapeLayer): cannot reshape 3 elements to (5)" in plain
    assert "set by layer 1 'a' (LinearLayer) port 'Output'" in plain
    scoped = message(reshape_net, ("enc", "inner"))
    assert "layer 'enc/inner/b' (ReshapeLayer): cannot reshape 3 elements to (5)" in scoped
    assert "set by layer 'enc/inner/a' (LinearLayer) port 'Output'" in scoped
    assert "layer 2 'b'" not in scoped and "layer 1 'a'" not in scoped
    assert message(reshape_net) == plain  # the scope ends with the block
    assert message(reshape_net, ()) == plain  # the top net names its own layers as Python does
    assert naming_prefix() is None


def test_a_layer_inside_a_nested_chain_is_one_path_not_a_chain_of_layers():
    def make():
        return NetChain([LinearLayer(3), NetChain([ReshapeLayer([5])])], input=4)
    assert "layer 2 (NetChain) > layer 1 (ReshapeLayer): cannot reshape" in message(make)
    scoped = message(make, ("outer",))
    assert "layer 'outer/2/1' (ReshapeLayer): cannot reshape" in scoped and " > " not in scoped


def test_a_cycle_and_a_port_fed_twice_name_their_layers_by_path():
    def cycle():
        return NetGraph({"a": "Tanh", "b": "Tanh"}, [("a", "b"), ("b", "a")])
    assert "found the cycle layer 1 'a' (ElementwiseLayer) -> layer 2 'b'" in message(cycle)
    assert "found the cycle layer 'n/a' (ElementwiseLayer) -> layer 'n/b' (ElementwiseLayer) -> layer 'n/a'" \
        in message(cycle, ("n",))

    def fed_twice():
        return NetGraph({"a": "Tanh", "b": "Tanh", "c": TotalLayer()},
                        [(NetPort("Input"), "a"), (NetPort("Input"), "b"), ("a", NetPort("c", "Input1")),
                         ("b", NetPort("c", "Input1"))], Input=2)
    assert "port 'Input1' of layer 3 'c' (TotalLayer) is fed by 2 edges" in message(fed_twice)
    assert "port 'Input1' of layer 'm/net/c' (TotalLayer) is fed by 2 edges" in message(fed_twice, ("m", "net"))


def test_messages_naming_a_layer_by_its_quoted_path_take_the_scope_too():
    def swapped():
        return NetGraph({"lin": LinearLayer(3), "loss": CrossEntropyLossLayer("Index")},
                        [(NetPort("x"), "lin"), ([NetPort("y"), "lin"], "loss")], x=4, y=PortType((), "Integer"))
    assert "fits with its sources swapped: layer 'loss' (CrossEntropyLossLayer)" in message(swapped)
    assert "fits with its sources swapped: layer 'inner/loss' (CrossEntropyLossLayer)" in message(swapped, ("inner",))

    def shared():
        w = NetSharedArray("w")
        return NetGraph({"a": LinearLayer(2, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=2)
    assert "shared array 'w' is used as layer 'a' (LinearLayer)" in message(shared)
    assert "shared array 'w' is used as layer 'x/a' (LinearLayer) array 'Weights' of shape (2, 2) and as layer " \
        "'x/b' (LinearLayer)" in message(shared, ("x",))


def test_an_index_encoder_naming_the_embedding_it_overflows_takes_the_scope():
    def make():
        return NetChain([EmbeddingLayer(4, 2)], input=ClassEncoder(["a", "b", "c"]))
    plain = message(make)
    assert "but layer '1' (EmbeddingLayer)" in plain
    assert "but layer 'e/1' (EmbeddingLayer)" in message(make, ("e",))


def test_shared_array_values_that_disagree_or_misfit_name_their_users_by_path_inside():
    def differ():
        return NetGraph({"a": LinearLayer(2, weights=NetSharedArray("w", torch.zeros(2, 2))),
                         "b": LinearLayer(2, weights=NetSharedArray("w", torch.ones(2, 2)))}, [("a", "b")], Input=2)
    assert "different values in layer 'a' (shape (2, 2)) and layer 'b' (shape" in message(differ)
    assert "different values in layer 'o/a' (shape (2, 2)) and layer 'o/b' (shape" in message(differ, ("o",))

    def misfit():
        return NetGraph({"a": LinearLayer(2, weights=NetSharedArray("w", torch.zeros(2, 2))),
                         "b": LinearLayer(3, weights=NetSharedArray("w"))}, [("a", "b")], Input=2)
    assert "layer 'b': LinearLayer: array 'Weights'" in message(misfit)
    assert "layer 'o/b': LinearLayer: array 'Weights'" in message(misfit, ("o",))


def test_a_chain_link_problem_names_the_neighbour_by_path_too():
    def no_input():
        return NetChain([LinearLayer(3), ConstantArrayLayer(torch.zeros(3))], input=2)
    plain = message(no_input)
    assert "layer 2 (ConstantArrayLayer) has no input port, so it cannot follow layer 1 in a chain" in plain
    assert "layer 'o/2' (ConstantArrayLayer) has no input port, so it cannot follow layer 'o/1' (LinearLayer) " \
        "in a chain" in message(no_input, ("o",))

    def two_outputs():
        noise = RandomArrayLayer(NormalDistribution("#mu", 1), log_probability=True)
        return NetChain([LinearLayer(3), noise, "Tanh"], input=2)
    assert "should have exactly one output port to feed layer 3, found" in message(two_outputs)
    assert "layer 'o/2' (RandomArrayLayer) should have exactly one output port to feed layer 'o/3' (ElementwiseLayer)" \
        in message(two_outputs, ("o",))


def test_a_port_path_that_names_no_layer_or_port_names_where_it_stops_by_path():
    inner = NetGraph({"a": LinearLayer(3)}, [], Input=2)

    def no_layer():
        return NetGraph({"i": inner, "t": "Tanh"}, [(NetPort(("i", "zz"), "Output"), "t")])
    assert "layer 'i' has no layer 'zz'" in message(no_layer)
    assert "layer 'o/i' has no layer 'zz'" in message(no_layer, ("o",))

    def no_port():
        return NetGraph({"i": inner, "t": "Tanh"}, [(NetPort(("i", "a"), "Outputt"), "t")])
    assert "layer 'i/a' has no output port 'Outputt'" in message(no_port)
    assert "layer 'o/i/a' has no output port 'Outputt'" in message(no_port, ("o",))


def test_a_deep_path_is_shortened_from_the_top_net():
    prefix = tuple("abcdefgh")
    assert message(reshape_net, prefix).count("layer 'a/b/c/... 3 levels .../g/h/b' (ReshapeLayer)") == 1
    with naming_under(prefix):
        assert scoped_name("x/y") == "a/b/c/... 4 levels .../h/x/y"


NESTED_CONFLICT = ("netgraph: 1\nlayers:\n  o: {type: NetGraph, layers: {i: {type: NetChain, layers: [3, Tanh]}}}\n"
                   "  l: {type: LinearLayer, output: 2, input: 5}\ninputs: {Input: 4}\nedges: [Input -> o, o -> l]\n")


def test_a_specs_top_net_names_a_nested_layer_by_path_as_a_nested_net_does():
    def nested():
        inner = NetGraph({"i": NetChain([LinearLayer(3), "Tanh"])})
        return NetGraph({"o": inner, "l": LinearLayer(2, input=5)}, [("o", "l")], Input=4)
    plain = message(nested)  # built in Python: the layers holding it, as always
    assert "layer 1 'o' (NetGraph) > layer 1 'i' (NetChain) > layer 2 (ElementwiseLayer): expected shape (3)" in plain
    top = message(nested, ())
    assert "layer 'o/i/2' (ElementwiseLayer): expected shape (3), found (5)" in top
    assert "set by layer 'o/i/1' (LinearLayer) port 'Output'" in top and "set by layer 2 'l' (LinearLayer)" in top
    assert " > " not in top
    spec = message(lambda: NetGraph.from_yaml(NESTED_CONFLICT))
    assert "layer 'o/i/2' (ElementwiseLayer): expected shape (3), found (5)" in spec and " > " not in spec
