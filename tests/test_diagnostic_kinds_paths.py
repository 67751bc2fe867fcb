"""Unknown layers, ports and arrays named in paths, and paths of the wrong form, have stable kinds (they had the
default kind "error"): "unknown-layer" (``layer`` the path of the net that lacks it, ``found`` the name),
"unknown-port" (``layer`` the layer's path, ``port`` the name), "unknown-array", "layer-path", "endpoint-form",
"name-clash" and "port-count"."""

from __future__ import annotations

import pytest

from netgraph import (LinearLayer, NetChain, NetGraph, NetNestOperator, NetPort, NetSharedArray,
                      net_extract, net_join, net_rename, net_replace_part, net_take)
from tests.diagnostic_helpers import sole_diagnostic


def _chain():
    return NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4)


def _nested():
    return NetChain({"enc": NetChain({"lin": LinearLayer(3), "act": "Tanh"}), "out": LinearLayer(2)}, input=4)


def _nested_op():
    return NetChain({"nest": NetNestOperator(NetChain({"lin": LinearLayer(4)}), 2)}, input=4)


def _diagnostic(call):
    return sole_diagnostic(call)


@pytest.mark.parametrize("call, kind, layer, port, found", [
    (lambda: _nested().layer_at(("enc", "lni")), "unknown-layer", ("enc",), None, "lni"),
    (lambda: _nested().layer_at(("enc", "lin", "x")), "unknown-layer", ("enc", "lin"), None, "x"),
    (lambda: net_extract(_nested(), ("enc", "lni")), "unknown-layer", ("enc",), None, "lni"),
    (lambda: net_extract(_nested(), ("enc", 7)), "unknown-layer", ("enc",), None, 7),
    (lambda: net_replace_part(_chain(), {"zz": LinearLayer(3)}), "unknown-layer", (), None, "zz"),
    (lambda: _chain().layers["zz"], "unknown-layer", (), None, "zz"),
    (lambda: _chain().replace_layers({"zz": LinearLayer(3)}), "unknown-layer", (), None, "zz"),
    (lambda: _chain().replace_layers({9: LinearLayer(3)}), "unknown-layer", (), None, 9),
    (lambda: _nested().with_output(NetPort(("enc", "lni"), "Output")), "unknown-layer", ("enc",), None, "lni"),
    (lambda: _nested().with_output(NetPort(("enc", 9), "Output")), "unknown-layer", ("enc",), None, 9),
    (lambda: _nested().with_output(NetPort(("enc", "lin"), "Outptu")), "unknown-port", ("enc", "lin"), "Outptu",
     None),
    (lambda: _chain().with_output(NetPort("Outptu")), "unknown-port", (), "Outptu", None),
    (lambda: net_rename(_chain(), {NetPort("Inptu"): NetPort("x")}), "unknown-port", (), "Inptu", None),
    (lambda: net_take(_nested(), NetPort(("enc", "lin"), "Outptu")), "unknown-port", ("enc", "lin"), "Outptu",
     None),
    (lambda: _nested_op().replace_layers({("nest", "nte", "lin"): LinearLayer(4)}), "unknown-layer", ("nest",), None,
     "nte"),
])
def test_an_unknown_layer_or_port_in_a_path_names_where_it_is_missing(call, kind, layer, port, found):
    diagnostic = _diagnostic(call)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port, diagnostic.found) == (kind, layer, port, found)


@pytest.mark.parametrize("call, kind, layer", [
    (lambda: net_extract(_chain(), ()), "layer-path", None),
    (lambda: net_extract(_chain(), (1.5,)), "layer-path", None),
    (lambda: _chain().layer_at(1.5), "layer-path", None),
    (lambda: _nested().with_output(NetPort(("out", "x"), "Output")), "layer-path", ("out",)),
    (lambda: _chain().replace_layers({("2", "x"): LinearLayer(3)}), "layer-path", ("2",)),
    (lambda: _chain().replace_layers({1.5: LinearLayer(3)}), "layer-path", None),
    (lambda: net_take(_nested(), ("enc", "lin")), "layer-path", ("enc", "lin")),
    (lambda: _nested_op().with_output(NetPort(("nest", "net", "lin"), "Output")), "layer-path",
     ("nest", "net", "lin")),
    (lambda: NetPort("cat", 0), "endpoint-form", None),
    (lambda: NetPort(1.5, "Output"), "endpoint-form", None),
    (lambda: net_replace_part(_chain(), {("1", "Wieghts"): None}), "unknown-array", ("1",)),
    (lambda: net_replace_part(_chain(), {NetSharedArray("w"): None}), "unknown-array", None),
    (lambda: net_rename(_chain(), {"1": "2"}), "name-clash", ()),
    (lambda: net_rename(_chain(), {NetPort("Input"): NetPort("Output")}), "name-clash", ()),
    (lambda: net_join(_chain()), "layer-argument", None),
    (lambda: net_join(_chain(), NetGraph({"p": "Plus"}, [])), "port-count", None),
    (lambda: NetGraph({}, []), "option-value", None),
    (lambda: NetGraph(3, []), "option-value", None),
    (lambda: NetGraph(LinearLayer(3), [(1, 2)]), "layer-argument", None),
])
def test_a_path_or_name_of_the_wrong_form_or_place_has_a_kind(call, kind, layer):
    diagnostic = _diagnostic(call)
    assert (diagnostic.kind, diagnostic.layer) == (kind, layer)


@pytest.mark.parametrize("edge, kind, layer, port, found", [
    ((NetPort(("enc", "lni"), "Output"), NetPort("y")), "unknown-layer", ("enc",), None, "lni"),
    ((NetPort(("enc", "lin"), "Outptu"), NetPort("y")), "unknown-port", ("enc", "lin"), "Outptu", None),
    ((NetPort("x"), NetPort(("enc", "lni"), "Input")), "unknown-layer", ("enc",), None, "lni"),
    ((NetPort(("out", "x"), "Output"), NetPort("y")), "layer-path", ("out",), None, None),
])
def test_an_edge_whose_nested_path_finds_no_layer_says_which_part(edge, kind, layer, port, found):
    """It was "unknown-port" at the whole path, whichever part was missing."""
    layers = {"enc": NetChain({"lin": LinearLayer(3), "act": "Tanh"}), "out": LinearLayer(2)}
    diagnostic = _diagnostic(lambda: NetGraph(layers, [("enc", "out"), edge], Input=4))
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port, diagnostic.found) == (kind, layer, port, found)
