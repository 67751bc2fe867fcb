"""A surgery error names the public function the user called, once, wherever the work it does is shared."""

import pytest
import torch

from netgraph import (ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort,
                      ReshapeLayer, net_delete, net_drop, net_extract, net_initialize, net_rename, net_replace,
                      net_replace_part, net_take)
from netgraph.core.errors import OptionError, ShapeError, WiringError
from netgraph.core.shared import NetSharedArray


def _mapped() -> NetGraph:
    return NetGraph({"map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))}, [], Input=(5, 4))


@pytest.mark.parametrize("function, edit", [
    ("net_delete", lambda net: net_delete(net, ("map", "net", "lin"))),
    ("net_replace", lambda net: net_replace(net, {LinearLayer: None}))])
def test_deleting_every_layer_of_an_inner_net_names_the_function_called(function, edit):
    """net_replace deleting a layer was reported as net_delete, a function the user never called."""
    with pytest.raises(WiringError) as info:
        edit(_mapped())
    message = str(info.value)
    assert message.startswith(f"{function}: inside layer 1 'map' (NetMapOperator), inner net 'net': "), message
    assert message.count("net_delete") + message.count("net_replace") == 1
    assert info.value.kind == "empty-net"


@pytest.mark.parametrize("spec, kind", [(NetPort("Nope"), "unknown-port"), (NetPort("Output"), "no-output"),
                                        ([NetPort("Output"), "lin"], "endpoint-form")])
def test_deleting_graph_outputs_names_net_delete_once(spec, kind):
    net = NetGraph({"lin": LinearLayer(3)}, [], Input=2)
    with pytest.raises(WiringError) as info:
        net_delete(net, spec)
    assert str(info.value).startswith("net_delete: ") and str(info.value).count("net_delete") == 1, str(info.value)
    assert info.value.kind == kind


_GRAPH = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4)


@pytest.mark.parametrize("function, edit", [
    ("net_drop", lambda net: net_drop(net, ["a", "b"])), ("net_delete", lambda net: net_delete(net, ["a", "b"])),
    ("net_replace", lambda net: net_replace(net, {LinearLayer: None})),
    ("net_drop", lambda net: net_drop(NetGraph({"in": net, "x": LinearLayer(2)}, [("in", "x")]),
                                      [("in", "a"), ("in", "b")]))])
def test_removing_every_layer_names_the_function_called(function, edit):
    """The refusal came with no function name (rewiring's own, naming net_drop, could not be reached)."""
    with pytest.raises(WiringError) as info:
        edit(_GRAPH)
    assert str(info.value).startswith(f"{function}: this would remove every layer of "), str(info.value)
    assert info.value.kind == "empty-net"


@pytest.mark.parametrize("function, edit", [
    ("net_replace_part", lambda net: net_replace_part(net_initialize(net, seed=0), {"Input": 7})),
    ("net_replace_part", lambda net: net_replace_part(net, {"b": ReshapeLayer((5,))})),
    ("net_replace", lambda net: net_replace(net, {LinearLayer: ReshapeLayer((5,))}))])
def test_a_replacement_that_does_not_fit_names_the_function_called(function, edit):
    """The rebuild's ShapeError came with no function name, unlike the replacing function's other errors."""
    with pytest.raises(ShapeError) as info:
        edit(_GRAPH)
    message = str(info.value)
    assert message.startswith(f"{function}: shape conflict: layer "), message
    assert info.value.kind == "shape" and info.value.diagnostics[0].message.startswith(f"{function}: ")


def test_a_coder_clash_after_a_replacement_names_net_replace_part():
    encoder = ClassEncoder(["red", "green", "blue"])

    def coded(labels):
        return NetChain([EmbeddingLayer(4, len(labels)), LinearLayer(2)], input=ClassEncoder(labels))

    net = NetGraph({"a": coded(encoder.labels), "b": coded(encoder.labels)}, [(NetPort("Input"), "a"),
                                                                              (NetPort("Input"), "b")])
    with pytest.raises(WiringError) as info:
        net_replace_part(net, {"b": coded(list("abcde"))})
    assert str(info.value).startswith("net_replace_part: graph input 'Input' feeds a.Input with"), str(info.value)
    assert info.value.kind == "coder-clash"


@pytest.mark.parametrize("change, kind, words", [
    ({0: "Ramp"}, "unknown-layer", "there is no layer 0 in the net (layers are numbered 1 to 3"),
    ({"zz": "Ramp"}, "unknown-layer", "there is no layer or graph port 'zz' in the net"),
    ({("lin", "Nope"): 1}, "unknown-array", "layer 1 'lin' (LinearLayer) has no array 'Nope'"),
    ({NetPort("Foo"): 3}, "unknown-port", "NetPort('Foo'): the net has no graph port 'Foo'"),
    ({("map", "net", "nope"): "Ramp"}, "unknown-layer", "inside layer 3 'map' (NetMapOperator), inner net 'net': ")])
def test_a_part_the_net_lacks_names_net_replace_part_once(change, kind, words):
    """Errors raised looking the parts up, before the rebuild, named no function."""
    net = NetChain({"lin": LinearLayer(4), "t": "Tanh", "map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))},
                   input=(5, 4))
    with pytest.raises(WiringError) as info:
        net_replace_part(net, change)
    message = str(info.value)
    assert message.startswith("net_replace_part: ") and message.count("net_replace_part") == 1, message
    assert words in message and info.value.diagnostics[0].kind == kind


_LOOKUPS = {"net_extract": net_extract, "net_drop": net_drop, "net_delete": net_delete, "net_take": net_take,
            "net_rename": lambda net, spec: net_rename(net, {spec: "new"})}


@pytest.mark.parametrize("function", sorted(_LOOKUPS))
@pytest.mark.parametrize("spec, kind, words", [
    ("zz", "unknown-layer", "there is no layer"), (9, "unknown-layer", "there is no layer 9 in the net"),
    (("lin", "zz"), "layer-path", "no layer at 'lin/zz'"), (2.5, "layer-path", "found 2.5"),
    (("map", "net", "nope"), None, "inside layer 3 'map' (NetMapOperator), inner net 'net': ")])
def test_a_part_the_net_lacks_names_the_function_once(function, spec, kind, words):
    """net_extract, net_drop, net_delete, net_take and net_rename looked parts up with no function named, unlike
    net_replace_part (net_take names an operator's inner net itself: an operator is one layer to it)."""
    net = NetChain({"lin": LinearLayer(4), "t": "Tanh", "map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))},
                   input=(5, 4))
    if function == "net_extract" and spec == ("lin", "zz"):
        kind, words = "unknown-array", "layer 1 'lin' (LinearLayer) has no array 'zz'"
    if function == "net_take" and kind is None:
        kind, words = "layer-path", "('map', 'net', 'nope') goes into layer 3 'map'"
    with pytest.raises(WiringError) as info:
        _LOOKUPS[function](net, spec)
    message = str(info.value)
    assert message.startswith(f"{function}: ") and message.count(f"{function}: ") == 1, message
    assert words in message and info.value.diagnostics[0].kind == (kind or "unknown-layer")
    assert info.value.diagnostics[0].message.startswith(f"{function}: ")


@pytest.mark.parametrize("function, edit", [
    ("net_extract", lambda: net_extract(LinearLayer(3, input=2), "Wts")),
    ("net_extract", lambda: net_extract(_GRAPH, NetSharedArray("w"))),
    ("net_take", lambda: net_take(_GRAPH, NetPort("a", "Nope"))),
    ("net_take", lambda: net_take(_GRAPH, "b", start="zz")),
    ("net_rename", lambda: net_rename(_GRAPH, {"a": "b"}))])
def test_other_lookups_name_the_function_once(function, edit):
    with pytest.raises(WiringError) as info:
        edit()
    message = str(info.value)
    assert message.startswith(f"{function}: ") and message.count(f"{function}: ") == 1, message


@pytest.mark.parametrize("function, edit", [
    ("net_drop", lambda net: net_drop(net, "b")), ("net_delete", lambda net: net_delete(net, "b")),
    ("net_replace", lambda net: net_replace(net, {ReshapeLayer: None}))])
def test_a_layer_that_cannot_be_bridged_names_the_function_called(function, edit):
    net = NetGraph({"a": LinearLayer(3), "b": ReshapeLayer((3, 1)), "c": LinearLayer(5)}, [("a", "b", "c")], Input=4)
    with pytest.raises(ShapeError) as info:
        edit(net)
    assert str(info.value).startswith(f"{function}: cannot drop layer 2 'b'"), str(info.value)
    assert info.value.kind == "drop-mismatch"


def test_a_net_index_names_no_function():
    """``net[key]`` extracts, but the user called no net_extract."""
    with pytest.raises(WiringError) as info:
        _GRAPH["a", "Wts"]
    assert "net_extract" not in str(info.value) and info.value.kind == "unknown-array"


def test_an_array_of_the_wrong_shape_names_net_replace_part():
    """Its refusal named no function, unlike net_replace_part's other refusals of a value."""
    with pytest.raises(OptionError) as info:
        net_replace_part(_GRAPH, {("a", "Weights"): torch.zeros(2, 2)})
    assert str(info.value).startswith("net_replace_part: layer 1 'a' (LinearLayer) array 'Weights': expected shape "
                                      "(3, 4), found (2, 2)"), str(info.value)
    assert info.value.diagnostics[0].kind == "array-shape"
